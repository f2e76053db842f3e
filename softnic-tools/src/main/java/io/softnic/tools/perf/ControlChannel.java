package io.softnic.tools.perf;

import io.softnic.tools.ToolFailure;
import io.softnic.verbs.IbvSendFlags;
import io.softnic.verbs.IbvSendWr;
import io.softnic.verbs.IbvWc;
import io.softnic.verbs.IbvWcOpcode;
import io.softnic.verbs.IbvWrOpcode;
import org.agrona.concurrent.BackoffIdleStrategy;
import org.agrona.concurrent.IdleStrategy;

/**
 * The perf protocol's side channel, in band on QP #0: a message is an RDMA WRITE WITH IMMEDIATE from this side's
 * outbox into the peer's inbox (both in the endpoints' control areas, outside every QP's region). The immediate
 * consumes one of the peer's receives, so the peer learns of it from a receive completion (opcode RECV_RDMA_WITH_IMM),
 * which never mixes up with the SENDs of send tests.
 */
final class ControlChannel
{
    static final int IMM_TAG = 0x534E4300;

    private final QpLink link;
    private final Completions sendCq;
    private final Completions recvCq;
    private final Watchdog watchdog;
    private final ControlMessage in;
    private final ControlMessage out;
    private final IbvSendWr wr = new IbvSendWr(1);
    private final long outboxAddr;
    private final int lkey;
    private final IdleStrategy idle = new BackoffIdleStrategy(100, 20, 1_000, 200_000);
    private boolean pending;

    ControlChannel(final PerfEndpoint endpoint, final Watchdog watchdog)
    {
        this.link = endpoint.links.getFirst();
        this.sendCq = endpoint.sendCq;
        this.recvCq = endpoint.recvCq;
        this.watchdog = watchdog;
        final BufferLayout layout = endpoint.layout;
        this.in = new ControlMessage(endpoint.buffer, BufferLayout.INBOX, layout.messageBytes());
        this.out = new ControlMessage(endpoint.buffer, layout.outbox(), layout.messageBytes());
        this.outboxAddr = endpoint.mr.addr() + layout.outbox();
        this.lkey = endpoint.mr.lkey();
    }

    /** The outbox, cleared, to fill before {@link #send}. */
    ControlMessage out()
    {
        return out.clear();
    }

    /** Sends the outbox as a message of the given type and waits until the peer has it (its completion). */
    void send(final int type)
    {
        out.type(type);
        wr.reset();
        wr.wrId = WrIds.CONTROL;
        wr.opcode = IbvWrOpcode.RDMA_WRITE_WITH_IMM;
        wr.sendFlags = IbvSendFlags.SIGNALED;
        wr.immData = IMM_TAG | type;
        wr.remoteAddr = link.remote.addr() + BufferLayout.INBOX;
        wr.rkey = link.rkey();
        wr.sge(outboxAddr, out.bytes(), lkey);
        link.qp.postSend(wr);
        watchdog.reset();
        idle.reset();
        while (true)
        {
            final int n = sendCq.poll(1);
            if (n == 1)
            {
                if (!WrIds.isControl(sendCq.wc(0).wrId))
                {
                    throw new ToolFailure("protocol error: data completion while sending " + ControlMessage.name(type));
                }
                return;
            }
            idle.idle();
            watchdog.check(true, "sending a control message to the peer");
        }
    }

    /**
     * For loops that poll the receive CQ themselves: whether the completion is a control message (which is then
     * pending for {@link #await}).
     */
    boolean accept(final IbvWc wc)
    {
        if (wc.opcode != IbvWcOpcode.RECV_RDMA_WITH_IMM || (wc.immData & 0xFFFFFF00) != IMM_TAG)
        {
            return false;
        }
        if (WrIds.qp(wc.wrId) != link.index)
        {
            throw new ToolFailure("protocol error: control message on QP #" + WrIds.qp(wc.wrId));
        }
        if (pending)
        {
            throw new ToolFailure("protocol error: a second control message arrived before the first was read");
        }
        link.ring.repost();
        pending = true;
        return true;
    }

    /** Non-blocking: whether a control message is pending, polling the receive CQ once if none is. */
    boolean poll()
    {
        if (pending)
        {
            return true;
        }
        final int n = recvCq.poll(1);
        if (n == 1 && !accept(recvCq.wc(0)))
        {
            throw new ToolFailure("protocol error: unexpected " + IbvWcOpcode.name(recvCq.wc(0).opcode) +
                " completion while waiting for a control message");
        }
        return pending;
    }

    /**
     * Waits for the next control message, which must be of the given type (0: any). A passive wait (the server
     * waiting for the client's next step) has no stall limit; the client's waits for answers do.
     */
    ControlMessage await(final int type, final boolean passive)
    {
        watchdog.reset();
        idle.reset();
        while (!poll())
        {
            idle.idle();
            watchdog.check(!passive, "waiting for the peer's next control message");
        }
        pending = false;
        if (type != 0 && in.type() != type)
        {
            throw new ToolFailure("protocol error: expected " + ControlMessage.name(type) + ", got " +
                ControlMessage.name(in.type()));
        }
        return in;
    }
}
