package io.softnic.tools.perf;

import io.softnic.tools.ToolFailure;
import io.softnic.verbs.IbvSendFlags;
import io.softnic.verbs.IbvSendWr;
import io.softnic.verbs.IbvWc;
import io.softnic.verbs.IbvWcOpcode;
import io.softnic.verbs.IbvWrOpcode;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * send_lat: SEND and receive in turns. Each receive completion is checked (opcode, length, the exchange's tag in the
 * message's last byte) and replaced by a fresh receive before answering.
 */
final class SendPingPong implements LatencyOp
{
    private final QpLink link;
    private final BufferLayout layout;
    private final Completions recvCq;
    private final SendTracker sends;
    private final ControlChannel control;
    private final Watchdog watchdog;
    private final boolean active;
    private final IbvSendWr wr = new IbvSendWr(1);
    private final MemorySegment buffer;
    private int size;
    private long srcTag;
    private long postedAt;
    private long completedAt;

    SendPingPong(final QpLink link, final BufferLayout layout, final Completions recvCq, final SendTracker sends,
        final ControlChannel control, final Watchdog watchdog, final boolean active)
    {
        this.link = link;
        this.layout = layout;
        this.recvCq = recvCq;
        this.sends = sends;
        this.control = control;
        this.watchdog = watchdog;
        this.active = active;
        this.buffer = link.buffer;
    }

    @Override
    public void prepare(final int size)
    {
        this.size = size;
        final long src = layout.slotOffset(size, 0);
        srcTag = src + size - 1;
        wr.reset();
        wr.opcode = IbvWrOpcode.SEND;
        wr.sendFlags = IbvSendFlags.SIGNALED;
        wr.sge(link.addr(src), size, link.lkey());
    }

    @Override
    public boolean exchange(final long i)
    {
        final byte tag = Integrity.tag(i);
        if (active)
        {
            post(i, tag);
            awaitReceive(i, tag);
            completedAt = System.nanoTime();
        }
        else
        {
            if (!awaitReceive(i, tag))
            {
                return false;
            }
            post(i, tag);
        }
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

    private boolean awaitReceive(final long i, final byte tag)
    {
        int spins = 0;
        while (recvCq.poll(1) == 0)
        {
            if ((++spins & 255) == 0)
            {
                sends.reap();
                watchdog.check(true, "waiting for the peer's SEND");
            }
            SpinWait.pause(spins);
        }
        final IbvWc wc = recvCq.wc(0);
        if (control.accept(wc))
        {
            if (active)
            {
                throw new ToolFailure("protocol error: control message in the middle of a send_lat round");
            }
            return false;
        }
        final int slot = link.ring.slotOf(wc.wrId);
        final byte got = buffer.get(ValueLayout.JAVA_BYTE, layout.recvOffset(slot) + size - 1);
        if (wc.opcode != IbvWcOpcode.RECV || wc.byteLen != size || got != tag)
        {
            throw new ToolFailure(String.format("send_lat message %d: %s of %d bytes ending in 0x%02x, expected " +
                "RECV of %d bytes ending in 0x%02x", i, IbvWcOpcode.name(wc.opcode), wc.byteLen, got & 0xFF, size,
                tag & 0xFF));
        }
        link.round.receivedInto(slot);
        link.ring.repost();
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
