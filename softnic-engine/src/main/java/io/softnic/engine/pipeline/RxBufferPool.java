package io.softnic.engine.pipeline;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * The receive buffers of the device, one set shared by every port: the RX pipeline serves ports in turn, and each
 * receive fills the same {@link #receiveBuffers()} with a burst; what it holds back (a packet the fault injector
 * reorders) it copies into the {@link #spare()}. Allocated once, so nothing is allocated per packet.
 */
public final class RxBufferPool
{
    /** Room for one datagram of the largest MTU with its headers. */
    public static final int DATAGRAM_SLOT = 8192;
    /** Room for a GRO super-datagram (up to 64 KiB of one flow's datagrams). */
    public static final int GRO_SLOT = 65536;

    private final MemorySegment[] receive;
    private final MemorySegment spare;

    public RxBufferPool(final int burst, final int slotSize)
    {
        if (burst < 1 || slotSize < DATAGRAM_SLOT)
        {
            throw new IllegalArgumentException("need burst >= 1 and slots of at least " + DATAGRAM_SLOT + " bytes");
        }
        final MemorySegment slab = Arena.ofAuto().allocate((long)(burst + 1) * slotSize, 4096);
        receive = new MemorySegment[burst];
        for (int i = 0; i < burst; i++)
        {
            receive[i] = slab.asSlice((long)i * slotSize, slotSize);
        }
        spare = slab.asSlice((long)burst * slotSize, slotSize);
    }

    /** The buffers a receive fills, one datagram (or GRO super-datagram) each. */
    public MemorySegment[] receiveBuffers()
    {
        return receive;
    }

    /** One more buffer, for a packet held across receives. */
    public MemorySegment spare()
    {
        return spare;
    }

    public int slotSize()
    {
        return (int)spare.byteSize();
    }
}
