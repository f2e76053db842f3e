package io.softnic.engine.pipeline;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;

/**
 * The receive buffers of the device, one pool shared by every port. A slot holds one datagram; slots are handed out
 * and returned by index, so nothing is allocated per packet.
 */
public final class RxBufferPool
{
    public static final int SLOT_SIZE = 8192;

    private final MemorySegment slab;
    private final MemorySegment[] segments;
    private final ByteBuffer[] buffers;
    private final int[] free;
    private int freeCount;

    public RxBufferPool(final int count)
    {
        slab = Arena.ofAuto().allocate((long)count * SLOT_SIZE, 4096);
        segments = new MemorySegment[count];
        buffers = new ByteBuffer[count];
        free = new int[count];
        for (int i = 0; i < count; i++)
        {
            segments[i] = slab.asSlice((long)i * SLOT_SIZE, SLOT_SIZE);
            buffers[i] = segments[i].asByteBuffer();
            free[i] = count - 1 - i;
        }
        freeCount = count;
    }

    /** A free slot index, or -1 if every buffer is in use. */
    public int acquire()
    {
        return freeCount == 0 ? -1 : free[--freeCount];
    }

    public void release(final int slot)
    {
        free[freeCount++] = slot;
    }

    public MemorySegment segment(final int slot)
    {
        return segments[slot];
    }

    /** The slot's buffer, cleared for a receive. */
    public ByteBuffer buffer(final int slot)
    {
        return buffers[slot].clear();
    }

    public int available()
    {
        return freeCount;
    }
}
