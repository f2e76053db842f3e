package io.softnic.engine.cm;

import io.softnic.wire.cm.Mad;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The hand-off of received MADs from the RX pipeline to the CM agent: a bounded single-producer/single-consumer ring
 * of preallocated 256-byte slots, each with the port and source address it came from. The RX thread copies a MAD in
 * ({@link #offer}) and never waits or allocates; when the ring is full the MAD is refused and the caller counts the
 * drop (the peer's CM retries). The CM agent reads slots in place ({@link #peek}, {@link #release}).
 */
final class MadInbox
{
    static final int SLOT_LENGTH = Mad.MAD_LENGTH;

    private final MemorySegment slots;
    private final int[] portIndex;
    private final int[] sourceIpv4;
    private final int capacity;
    private final int mask;
    /** Next slot the consumer reads; written by the consumer only. */
    private final AtomicLong head = new AtomicLong();
    /** Next slot the producer writes; written by the producer only. */
    private final AtomicLong tail = new AtomicLong();
    /** The producer's last view of head, so that it reads the shared counter only when the ring looks full. */
    private long headCache;

    MadInbox(final int capacity)
    {
        if (Integer.bitCount(capacity) != 1)
        {
            throw new IllegalArgumentException("capacity must be a power of two: " + capacity);
        }
        this.capacity = capacity;
        this.mask = capacity - 1;
        this.slots = Arena.ofAuto().allocate((long)capacity * SLOT_LENGTH, 64);
        this.portIndex = new int[capacity];
        this.sourceIpv4 = new int[capacity];
    }

    /** Producer: copies the 256 bytes at {@code src[offset]} into the next slot; false if the ring is full. */
    boolean offer(final int port, final int srcIpv4, final MemorySegment src, final long offset)
    {
        final long t = tail.getPlain();
        if (t - headCache >= capacity)
        {
            headCache = head.getAcquire();
            if (t - headCache >= capacity)
            {
                return false;
            }
        }
        final int i = (int)(t & mask);
        MemorySegment.copy(src, offset, slots, (long)i * SLOT_LENGTH, SLOT_LENGTH);
        portIndex[i] = port;
        sourceIpv4[i] = srcIpv4;
        tail.setRelease(t + 1);
        return true;
    }

    /** Consumer: the slot holding the oldest MAD, or -1 if none is waiting. */
    int peek()
    {
        final long h = head.getPlain();
        return h == tail.getAcquire() ? -1 : (int)(h & mask);
    }

    /** Consumer: gives the slot returned by {@link #peek} back to the producer. */
    void release()
    {
        head.setRelease(head.getPlain() + 1);
    }

    MemorySegment segment()
    {
        return slots;
    }

    long offsetOf(final int slot)
    {
        return (long)slot * SLOT_LENGTH;
    }

    int portIndex(final int slot)
    {
        return portIndex[slot];
    }

    int sourceIpv4(final int slot)
    {
        return sourceIpv4[slot];
    }
}
