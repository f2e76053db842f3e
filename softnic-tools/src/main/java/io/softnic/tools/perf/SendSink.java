package io.softnic.tools.perf;

import io.softnic.tools.ToolFailure;
import io.softnic.verbs.IbvWc;
import io.softnic.verbs.IbvWcOpcode;
import org.agrona.concurrent.BackoffIdleStrategy;
import org.agrona.concurrent.IdleStrategy;

/**
 * The server of send_bw: takes in SENDs on every QP, checks each completion's length, notes which receive slot it
 * filled and gives the QP a fresh receive for each one consumed, until the client's DONE arrives behind its data.
 */
final class SendSink
{
    private final PerfEndpoint endpoint;
    private final ControlChannel control;
    private final Watchdog watchdog;
    private final IdleStrategy idle = new BackoffIdleStrategy(1_000, 100, 1_000, 50_000);

    SendSink(final PerfEndpoint endpoint, final ControlChannel control, final Watchdog watchdog)
    {
        this.endpoint = endpoint;
        this.control = control;
        this.watchdog = watchdog;
    }

    void run(final int size)
    {
        final Completions cq = endpoint.recvCq;
        watchdog.reset();
        idle.reset();
        boolean done = false;
        while (!done)
        {
            final int n = cq.poll();
            for (int i = 0; i < n; i++)
            {
                final IbvWc wc = cq.wc(i);
                if (control.accept(wc))
                {
                    done = true;
                    continue;
                }
                if (done)
                {
                    throw new ToolFailure("protocol error: a SEND arrived after the client's DONE");
                }
                if (wc.opcode != IbvWcOpcode.RECV || wc.byteLen != size)
                {
                    throw new ToolFailure(String.format("receive completion %s of %d bytes on QP 0x%x, expected " +
                        "RECV of %d bytes", IbvWcOpcode.name(wc.opcode), wc.byteLen, wc.qpNum, size));
                }
                final QpLink link = endpoint.links.get(WrIds.qp(wc.wrId));
                link.round.receivedInto(link.ring.slotOf(wc.wrId));
                link.ring.repost();
            }
            if (n > 0)
            {
                watchdog.progress();
                idle.reset();
            }
            else
            {
                if (cq.eventDriven())
                {
                    cq.awaitEvent();
                }
                else
                {
                    idle.idle();
                }
                watchdog.check(false, "receiving the client's SENDs");
            }
        }
    }
}
