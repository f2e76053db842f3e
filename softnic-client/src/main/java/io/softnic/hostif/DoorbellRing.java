package io.softnic.hostif;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;

/**
 * The device's doorbell: a multi-producer single-consumer ring of QP numbers in host memory. A tenant thread rings
 * it after publishing work to a send queue whose doorbell-pending word it moved from 0 to 1, so each QP has at most
 * one entry in flight and a ring with room for every QP of the vNIC can never overflow. Each slot carries the index
 * it was written for, so the device never reads a slot that a producer has claimed but not yet filled.
 */
public final class DoorbellRing
{
    private static final VarHandle LONG = ValueLayout.JAVA_LONG.varHandle();
    private static final int QPN_BITS = 24;
    private static final long QPN_MASK = (1L << QPN_BITS) - 1;
    private static final long TAG_MASK = (1L << (64 - QPN_BITS)) - 1;

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
        return HostRing.HEADER_LENGTH + 8L * capacity;
    }

    public int capacity()
    {
        return capacity;
    }

    /** Producer side: returns false only if the ring is full (the tenant broke the one-entry-per-QP rule). */
    public boolean ring(final int qpn)
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
                final long entry = (((tail + 1) & TAG_MASK) << QPN_BITS) | (qpn & QPN_MASK);
                LONG.setRelease(region, slot(tail), entry);
                return true;
            }
        }
    }

    /**
     * Consumer side: the next QP number, or -1 if nothing is published yet. The consumer index is the device's own,
     * so it is kept by the caller and passed in; {@link #advance(long)} publishes it for producers.
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

    public void advance(final long newHead)
    {
        LONG.setRelease(region, (long)HostRing.CONSUMER_OFFSET, newHead);
    }

    private long slot(final long index)
    {
        return HostRing.HEADER_LENGTH + (index & mask) * 8L;
    }
}
