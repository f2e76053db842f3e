package io.softnic.tools.perf;

import io.softnic.verbs.IbvContext;
import io.softnic.verbs.IbvSendFlags;
import io.softnic.verbs.IbvSendWr;
import io.softnic.verbs.IbvWrOpcode;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;

/**
 * write_lat as perftest does it: each side RDMA-writes the message into the other's buffer, the last byte carrying
 * the exchange's tag, and learns of the peer's write by watching that byte in its own memory (no receive, no CQ).
 */
final class WritePingPong implements LatencyOp
{
    private static final VarHandle BYTE = ValueLayout.JAVA_BYTE.varHandle();
    private static final int CONTROL_CHECK_MASK = 255;

    private final IbvContext ibv;
    private final QpLink link;
    private final BufferLayout layout;
    private final SendTracker sends;
    private final ControlChannel control;
    private final Watchdog watchdog;
    private final boolean active;
    private final IbvSendWr wr = new IbvSendWr(1);
    private final MemorySegment buffer;
    private long srcTag;
    private long dstTag;
    private long postedAt;
    private long completedAt;

    WritePingPong(final IbvContext ibv, final QpLink link, final BufferLayout layout, final SendTracker sends,
        final ControlChannel control, final Watchdog watchdog, final boolean active)
    {
        this.ibv = ibv;
        this.link = link;
        this.layout = layout;
        this.sends = sends;
        this.control = control;
        this.watchdog = watchdog;
        this.active = active;
        this.buffer = link.buffer;
    }

    @Override
    public void prepare(final int size)
    {
        final long src = layout.slotOffset(size, 0);
        final long dst = layout.recvOffset(0);
        srcTag = src + size - 1;
        dstTag = dst + size - 1;
        wr.reset();
        wr.opcode = IbvWrOpcode.RDMA_WRITE;
        wr.sendFlags = IbvSendFlags.SIGNALED;
        wr.sge(link.addr(src), size, link.lkey());
        wr.remoteAddr = link.remoteAddr(dst);
        wr.rkey = link.rkey();
    }

    @Override
    public boolean exchange(final long i)
    {
        final byte tag = Integrity.tag(i);
        if (active)
        {
            post(i, tag);
            awaitTag(tag);
            completedAt = System.nanoTime();
        }
        else
        {
            if (!awaitTag(tag))
            {
                return false;
            }
            post(i, tag);
        }
        link.round.receivedInto(0);
        sends.reap();
        return true;
    }

    private void post(final long i, final byte tag)
    {
        sends.awaitRoom();
        buffer.set(ValueLayout.JAVA_BYTE, srcTag, tag);
        wr.wrId = WrIds.data(link.index, i);
        postedAt = System.nanoTime();
        link.qp.postSend(wr);
        sends.posted();
    }

    private boolean awaitTag(final byte tag)
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
    public long postedAt()
    {
        return postedAt;
    }

    @Override
    public long completedAt()
    {
        return completedAt;
    }

    @Override
    public void drain()
    {
        sends.awaitAll();
    }
}
