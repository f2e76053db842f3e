package io.softnic.engine.pipeline;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * Packets between two QPs of this engine (two tenants, or two QPs of one application, connected through the
 * engine's own addresses) never touch the kernel: the TX pipeline copies each finished packet into this ring, as a
 * NIC's internal loopback does, and the RX pipeline takes them from it in its duty cycle and handles them exactly as
 * if they had come from a port — same checks, same ICRC, same state machines. One producer (the TX pipeline's thread)
 * and one consumer (the RX pipeline's); a full ring drops the packet like a congested link, and the transport resends.
 */
public final class LocalLoopback
{
    /** Slots in the ring (a power of two). */
    public static final int SLOTS = 1024;
    private static final int SLOT_SIZE = 4352;   // TxFrame.CAPACITY rounded up
    private static final VarHandle PRODUCED;
    private static final VarHandle CONSUMED;

    static
    {
        try
        {
            final MethodHandles.Lookup lookup = MethodHandles.lookup();
            PRODUCED = lookup.findVarHandle(LocalLoopback.class, "produced", long.class);
            CONSUMED = lookup.findVarHandle(LocalLoopback.class, "consumed", long.class);
        }
        catch (final ReflectiveOperationException ex)
        {
            throw new ExceptionInInitializerError(ex);
        }
    }

    private final MemorySegment slab = Arena.ofAuto().allocate((long)SLOTS * SLOT_SIZE, 64);
    private final int[] lengths = new int[SLOTS];
    private final int[] portIndexes = new int[SLOTS];
    private final int[] sourceIpv4s = new int[SLOTS];
    private final int[] sourcePorts = new int[SLOTS];
    @SuppressWarnings("unused") // accessed through PRODUCED
    private volatile long produced;
    @SuppressWarnings("unused") // accessed through CONSUMED
    private volatile long consumed;

    /**
     * TX side: copies a finished packet for local port {@code portIndex}, sent from {@code sourceIpv4:sourcePort}.
     *
     * @return false when the ring is full or the packet too big (dropped; the caller counts it)
     */
    public boolean offer(final MemorySegment frame, final long offset, final int length, final int portIndex,
        final int sourceIpv4, final int sourcePort)
    {
        final long p = (long)PRODUCED.getOpaque(this);
        if (length > SLOT_SIZE || p - (long)CONSUMED.getAcquire(this) >= SLOTS)
        {
            return false;
        }
        final int slot = (int)(p & (SLOTS - 1));
        MemorySegment.copy(frame, offset, slab, (long)slot * SLOT_SIZE, length);
        lengths[slot] = length;
        portIndexes[slot] = portIndex;
        sourceIpv4s[slot] = sourceIpv4;
        sourcePorts[slot] = sourcePort;
        PRODUCED.setRelease(this, p + 1);
        return true;
    }

    /** What the RX side does with each packet it takes. */
    @FunctionalInterface
    public interface Handler
    {
        void onPacket(MemorySegment packet, long offset, int length, int portIndex, int sourceIpv4, int sourcePort);
    }

    /** RX side: hands up to {@code limit} waiting packets to {@code handler}; returns how many. */
    public int drain(final Handler handler, final int limit)
    {
        final long c = (long)CONSUMED.getOpaque(this);
        final long available = (long)PRODUCED.getAcquire(this) - c;
        final int n = (int)Math.min(available, limit);
        for (int i = 0; i < n; i++)
        {
            final int slot = (int)((c + i) & (SLOTS - 1));
            handler.onPacket(slab, (long)slot * SLOT_SIZE, lengths[slot], portIndexes[slot], sourceIpv4s[slot],
                sourcePorts[slot]);
        }
        if (n > 0)
        {
            CONSUMED.setRelease(this, c + n);
        }
        return n;
    }

    /** Packets waiting. */
    public int depth()
    {
        return (int)((long)PRODUCED.getAcquire(this) - (long)CONSUMED.getAcquire(this));
    }
}
