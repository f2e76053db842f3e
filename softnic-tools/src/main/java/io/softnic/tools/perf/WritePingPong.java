package io.softnic.tools.perf;

import io.softnic.verbs.IbvContext;
import io.softnic.verbs.IbvWrOpcode;

import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;

/**
 * write_lat as perftest does it: each side RDMA-writes the message into the other's buffer, the last byte carrying
 * the exchange's tag, and learns of the peer's write by watching that byte in its own memory (no receive, no CQ).
 */
final class WritePingPong extends PingPong
{
    private static final VarHandle BYTE = ValueLayout.JAVA_BYTE.varHandle();
    private static final int CONTROL_CHECK_MASK = 255;

    private final IbvContext ibv;
    private long dstTag;

    WritePingPong(final IbvContext ibv, final QpLink link, final BufferLayout layout, final SendTracker sends,
        final ControlChannel control, final Watchdog watchdog, final boolean active)
    {
        super(link, layout, sends, control, watchdog, active);
        this.ibv = ibv;
    }

    @Override
    public void prepare(final int size)
    {
        final long dst = layout.recvOffset(0);
        dstTag = dst + size - 1;
        message(IbvWrOpcode.RDMA_WRITE, size);
        remote(dst);
    }

    /** With {@code -e}: sleep on the send CQ until the write completed, then watch memory for the peer's. */
    @Override
    boolean awaitsOwnCompletion()
    {
        return sends.eventDriven();
    }

    @Override
    boolean awaitPeer(final long i, final byte tag)
    {
        int spins = 0;
        while ((byte)BYTE.getAcquire(buffer, dstTag) != tag)
        {
            ibv.drive();
            if ((++spins & CONTROL_CHECK_MASK) == 0)
            {
                if (!active && control.poll())
                {
                    return false;
                }
                sends.reap();
                watchdog.check(true, "waiting for the peer's RDMA WRITE");
            }
            SpinWait.pause(spins);
        }
        watchdog.progress();
        return true;
    }

    @Override
    void exchanged()
    {
        link.round.receivedInto(0);
    }
}
