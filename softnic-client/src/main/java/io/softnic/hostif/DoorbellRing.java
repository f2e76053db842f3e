package io.softnic.hostif;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;

/**
 * The device's doorbell: a multi-producer single-consumer ring in host memory on which every post of send work
 * announces itself, with its QP number and the QP's producer index after the post. The order of the entries is the
 * sequence of work requests the device's scheduler looks ahead through (seed 4), across the QPs of the ring.
 * <p>
 * Each 16-byte slot carries the index it was written for, so the device never reads a slot that a producer has
 * claimed but not yet filled. A post that finds the ring full loses no work: it raises the QP's doorbell-pending word
 * and then the ring's overflow word, and the device, seeing the overflow, looks at every QP's pending word (order is
 * lost for those posts, never the posts).
 */
public final class DoorbellRing
{
    private static final VarHandle LONG = ValueLayout.JAVA_LONG.varHandle();
    private static final VarHandle INT = ValueLayout.JAVA_INT.varHandle();
    private static final int QPN_BITS = 24;
    private static final long QPN_MASK = (1L << QPN_BITS) - 1;
    private static final long TAG_MASK = (1L << (64 - QPN_BITS)) - 1;
    public static final int SLOT_LENGTH = 16;
    private static final int INDEX_OFFSET = 8;
    /** Raised by a producer that found the ring full; cleared by the device before it sweeps the pending words. */
    public static final int OVERFLOW_OFFSET = HostRing.DOORBELL_PENDING_OFFSET;

    private final MemorySegment region;
    private final int capacity;
    private final int mask;

    public DoorbellRing(final MemorySegment region, final int capacity)
    {
        if (Integer.bitCount(capacity) != 1 || region.byteSize() < bytesFor(capacity))
        {
            throw new IllegalArgumentException("bad doorbell ring: capacity " + capacity + ", " + region.byteSize() + " bytes");
        }
        this.region = region;
        this.capacity = capacity;
        this.mask = capacity - 1;
    }

    public static long bytesFor(final int capacity)
    {
        return HostRing.HEADER_LENGTH + (long)SLOT_LENGTH * capacity;
    }

    /** The capacity a ring of {@code bytes} has (for a tool that maps a ring file it did not create). */
    public static int capacityOf(final long bytes)
    {
        return Integer.highestOneBit((int)Math.max(1, (bytes - HostRing.HEADER_LENGTH) / SLOT_LENGTH));
    }

    public int capacity()
    {
        return capacity;
    }

    /**
     * Producer side: announces that QP {@code qpn}'s send queue now holds work up to {@code producerIndex}. Returns
     * false only if the ring is full; see {@link #overflow()}.
     */
    public boolean ring(final int qpn, final long producerIndex)
    {
        while (true)
        {
            final long tail = (long)LONG.getVolatile(region, (long)HostRing.PRODUCER_OFFSET);
            final long head = (long)LONG.getVolatile(region, (long)HostRing.CONSUMER_OFFSET);
            if (tail - head >= capacity)
            {
                return false;
            }
            if (LONG.compareAndSet(region, (long)HostRing.PRODUCER_OFFSET, tail, tail + 1))
            {
                final long slot = slot(tail);
                region.set(ValueLayout.JAVA_LONG, slot + INDEX_OFFSET, producerIndex);
                final long entry = (((tail + 1) & TAG_MASK) << QPN_BITS) | (qpn & QPN_MASK);
                LONG.setRelease(region, slot, entry);
                return true;
            }
        }
    }

    /** Producer side, after a refused {@link #ring} and after raising the QP's pending word: tells the device. */
    public void overflow()
    {
        INT.setVolatile(region, (long)OVERFLOW_OFFSET, 1);
    }

    /** Consumer side: whether a producer found the ring full since the last call; clears it. */
    public boolean takeOverflow()
    {
        if ((int)INT.getVolatile(region, (long)OVERFLOW_OFFSET) == 0)
        {
            return false;
        }
        INT.setVolatile(region, (long)OVERFLOW_OFFSET, 0);
        return true;
    }

    /**
     * Consumer side: the QP number of the entry at {@code head}, or -1 if nothing is published there yet. The
     * consumer index is the device's own, so it is kept by the caller and passed in; {@link #advance(long)} publishes
     * it for producers.
     */
    public int peek(final long head)
    {
        final long entry = (long)LONG.getAcquire(region, slot(head));
        if ((entry >>> QPN_BITS) != ((head + 1) & TAG_MASK))
        {
            return -1;
        }
        return (int)(entry & QPN_MASK);
    }

    /** Consumer side, after {@link #peek} found the entry: the producer index it announces (untrusted). */
    public long producerIndex(final long head)
    {
        return region.get(ValueLayout.JAVA_LONG, slot(head) + INDEX_OFFSET);
    }

    public void advance(final long newHead)
    {
        LONG.setRelease(region, (long)HostRing.CONSUMER_OFFSET, newHead);
    }

    private long slot(final long index)
    {
        return HostRing.HEADER_LENGTH + (index & mask) * (long)SLOT_LENGTH;
    }
}
