package io.softnic.hostif;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;

/**
 * An event queue (EQ) in host memory: a ring of {@link Eqe}s the device produces (from any of its threads: CQs
 * complete on TX, RX and timer threads) and one handler consumes. Producers claim a slot by CAS on the producer
 * index and publish it through the entry's sequence word, as the doorbell ring does. When the ring is full the event
 * is not written but counted in the overflow word, which the handler watches: it then treats every CQ of the EQ as
 * fired, so an overflow costs a spurious poll, never a lost notification.
 *
 * <p>The wake word is a 32-bit futex word: the handler sets it to {@link #SLEEPING} before it sleeps (and checks the
 * ring again); a producer that moves it back to {@link #AWAKE} is the one that wakes the handler. While the handler
 * is awake producers skip the wake. The header also carries the EQ's counters, readable by the tenant.
 */
public final class EventRing
{
    public static final int PRODUCER_OFFSET = 0;
    public static final int CONSUMER_OFFSET = 64;
    /** Futex word: {@link #AWAKE} or {@link #SLEEPING}; 4-byte aligned as futexes need. */
    public static final int WAKE_OFFSET = 128;
    public static final int OVERFLOWS_OFFSET = 136;
    public static final int EVENTS_OFFSET = 144;
    public static final int COMPLETIONS_OFFSET = 152;
    public static final int WAKES_OFFSET = 160;
    public static final int PROFILE_CHANGES_OFFSET = 168;
    public static final int HEADER_LENGTH = 192;

    public static final int AWAKE = 0;
    public static final int SLEEPING = 1;

    private static final VarHandle LONG = ValueLayout.JAVA_LONG.varHandle();
    private static final VarHandle INT = ValueLayout.JAVA_INT.varHandle();

    private final MemorySegment region;
    private final int capacity;
    private final int mask;

    public EventRing(final MemorySegment region, final int capacity)
    {
        if (Integer.bitCount(capacity) != 1 || region.byteSize() < bytesFor(capacity) || (region.address() & 63) != 0)
        {
            throw new IllegalArgumentException("bad event ring: capacity " + capacity + ", " + region.byteSize() +
                " bytes at 0x" + Long.toHexString(region.address()));
        }
        this.region = region;
        this.capacity = capacity;
        this.mask = capacity - 1;
    }

    public static long bytesFor(final int capacity)
    {
        return HEADER_LENGTH + (long)Eqe.LENGTH * capacity;
    }

    public MemorySegment region()
    {
        return region;
    }

    public int capacity()
    {
        return capacity;
    }

    public long entryOffset(final long index)
    {
        return HEADER_LENGTH + (index & mask) * (long)Eqe.LENGTH;
    }

    // ---- producer side (the device) ----

    /** Writes one event; false if the ring is full, in which case the overflow word was incremented instead. */
    public boolean offer(final int cqn, final int qpn, final int count)
    {
        while (true)
        {
            final long tail = (long)LONG.getVolatile(region, (long)PRODUCER_OFFSET);
            final long head = (long)LONG.getVolatile(region, (long)CONSUMER_OFFSET);
            if (tail - head >= capacity)
            {
                LONG.getAndAdd(region, (long)OVERFLOWS_OFFSET, 1L);
                return false;
            }
            if (LONG.compareAndSet(region, (long)PRODUCER_OFFSET, tail, tail + 1))
            {
                final long at = entryOffset(tail);
                Eqe.putBody(region, at, cqn, qpn, count, Eqe.TYPE_COMPLETION);
                LONG.setRelease(region, at + Eqe.SEQUENCE_OFFSET, tail + 1);
                return true;
            }
        }
    }

    /**
     * Called by a producer after publishing: true if the handler was asleep and this caller took the duty to wake
     * it (moved the wake word from SLEEPING to AWAKE). The volatile read orders after the publication, the other
     * half of the handler's "say sleeping, then look again".
     */
    public boolean claimWake()
    {
        return (int)INT.getVolatile(region, (long)WAKE_OFFSET) == SLEEPING &&
            INT.compareAndSet(region, (long)WAKE_OFFSET, SLEEPING, AWAKE);
    }

    public void addCounter(final int offset, final long delta)
    {
        LONG.getAndAdd(region, (long)offset, delta);
    }

    // ---- consumer side (the handler) ----

    /** True if the entry for {@code head} is published. */
    public boolean available(final long head)
    {
        return (long)LONG.getAcquire(region, entryOffset(head) + Eqe.SEQUENCE_OFFSET) == head + 1;
    }

    /** Hands consumed slots back to the producers. */
    public void advance(final long newHead)
    {
        LONG.setRelease(region, (long)CONSUMER_OFFSET, newHead);
    }

    public long consumer()
    {
        return (long)LONG.getAcquire(region, (long)CONSUMER_OFFSET);
    }

    /** Handler: announces it is about to sleep; it must look at the ring once more before it does. */
    public void sleeping()
    {
        INT.setVolatile(region, (long)WAKE_OFFSET, SLEEPING);
    }

    public void awake()
    {
        INT.setVolatile(region, (long)WAKE_OFFSET, AWAKE);
    }

    public int wakeWord()
    {
        return (int)INT.getVolatile(region, (long)WAKE_OFFSET);
    }

    public long counter(final int offset)
    {
        return (long)LONG.getVolatile(region, (long)offset);
    }

    public long overflows()
    {
        return counter(OVERFLOWS_OFFSET);
    }
}
