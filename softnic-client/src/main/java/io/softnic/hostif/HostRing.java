package io.softnic.hostif;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;

/**
 * A single-producer single-consumer ring of fixed-size entries in host memory. The producer and the consumer index
 * are free-running 64-bit counters on separate cache lines; an entry is at {@code index & (capacity - 1)}. A third
 * line carries words the two sides use to signal each other (doorbell pending, queue error).
 */
public final class HostRing
{
    public static final int PRODUCER_OFFSET = 0;
    public static final int CONSUMER_OFFSET = 64;
    /**
     * Tenant sets it when a post of this work queue found the doorbell ring full; the device clears it when it takes
     * the work ({@link DoorbellRing#overflow}). In a doorbell ring's own header the same word is the overflow word.
     */
    public static final int DOORBELL_PENDING_OFFSET = 128;
    /** Set by the device when the queue is broken (overrun, tenant garbage); the tenant reads it to report. */
    public static final int ERROR_OFFSET = 136;
    /** Bytes 144 up to the header's end: a CQ ring's arm word and event counters ({@link CqNotify}). */
    public static final int HEADER_LENGTH = 192;

    private static final VarHandle LONG = ValueLayout.JAVA_LONG.varHandle();
    private static final VarHandle INT = ValueLayout.JAVA_INT.varHandle();

    private final MemorySegment region;
    private final int entrySize;
    private final int capacity;
    private final int mask;

    public HostRing(final MemorySegment region, final int entrySize, final int capacity)
    {
        if (Integer.bitCount(capacity) != 1)
        {
            throw new IllegalArgumentException("ring capacity must be a power of two: " + capacity);
        }
        if (region.byteSize() < bytesFor(entrySize, capacity))
        {
            throw new IllegalArgumentException("ring region of " + region.byteSize() + " bytes is smaller than " +
                bytesFor(entrySize, capacity));
        }
        if ((region.address() & 63) != 0)
        {
            throw new IllegalArgumentException("ring region must be 64-byte aligned");
        }
        this.region = region;
        this.entrySize = entrySize;
        this.capacity = capacity;
        this.mask = capacity - 1;
    }

    public static long bytesFor(final int entrySize, final int capacity)
    {
        return HEADER_LENGTH + (long)entrySize * capacity;
    }

    public static int roundUpToPowerOfTwo(final int value)
    {
        if (value <= 1)
        {
            return 1;
        }
        if (value > (1 << 30))
        {
            throw new IllegalArgumentException("too large: " + value);
        }
        return Integer.highestOneBit(value - 1) << 1;
    }

    public MemorySegment region()
    {
        return region;
    }

    public int entrySize()
    {
        return entrySize;
    }

    public int capacity()
    {
        return capacity;
    }

    /** Byte offset in {@link #region()} of the entry for a free-running index. */
    public long entryOffset(final long index)
    {
        return HEADER_LENGTH + (index & mask) * (long)entrySize;
    }

    public long producerAcquire()
    {
        return (long)LONG.getAcquire(region, (long)PRODUCER_OFFSET);
    }

    public void producerRelease(final long value)
    {
        LONG.setRelease(region, (long)PRODUCER_OFFSET, value);
    }

    public long consumerAcquire()
    {
        return (long)LONG.getAcquire(region, (long)CONSUMER_OFFSET);
    }

    public void consumerRelease(final long value)
    {
        LONG.setRelease(region, (long)CONSUMER_OFFSET, value);
    }

    /** True if this call moved the doorbell-pending word from 0 to 1. */
    public boolean markDoorbellPending()
    {
        return (int)INT.getVolatile(region, (long)DOORBELL_PENDING_OFFSET) == 0 &&
            INT.compareAndSet(region, (long)DOORBELL_PENDING_OFFSET, 0, 1);
    }

    public boolean doorbellPending()
    {
        return (int)INT.getVolatile(region, (long)DOORBELL_PENDING_OFFSET) != 0;
    }

    public void clearDoorbellPending()
    {
        INT.setVolatile(region, (long)DOORBELL_PENDING_OFFSET, 0);
    }

    public int errorWord()
    {
        return (int)INT.getVolatile(region, (long)ERROR_OFFSET);
    }

    public void errorWord(final int value)
    {
        INT.setVolatile(region, (long)ERROR_OFFSET, value);
    }
}
