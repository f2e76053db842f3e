package io.softnic.tools;

import io.softnic.tenant.Softnic;
import io.softnic.verbs.IbvAccess;
import io.softnic.verbs.IbvCompChannel;
import io.softnic.verbs.IbvContext;
import io.softnic.verbs.IbvCq;
import io.softnic.verbs.IbvMr;
import io.softnic.verbs.IbvPd;
import io.softnic.verbs.IbvQp;
import io.softnic.verbs.IbvQpInitAttr;
import io.softnic.verbs.IbvRecvWr;
import io.softnic.verbs.IbvWc;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * A tenant JVM for {@link TenantEventsTest}: attaches, connects a QP to the peer it is told of, arms its CQ and sleeps
 * in {@code getCqEvent} until the peer's SEND completes its receive; says how long it slept.
 */
public final class TenantEventsMain
{
    private TenantEventsMain()
    {
    }

    public static void main(final String[] args) throws Exception
    {
        final BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        try (IbvContext ctx = Softnic.attach(Path.of(args[0]), args[1]);
            IbvCompChannel channel = ctx.createCompChannel())
        {
            ctx.eventDispatcher().spinNanos(0);
            final IbvPd pd = ctx.allocPd();
            final IbvCq cq = ctx.createCq(64, 0, channel);
            final MemorySegment buf = ctx.allocateBuffer(64 * 1024);
            final IbvMr mr = pd.regMr(buf, IbvAccess.LOCAL_WRITE | IbvAccess.ALL_REMOTE);
            final IbvQpInitAttr init = new IbvQpInitAttr();
            init.sendCq = cq;
            init.recvCq = cq;
            final IbvQp qp = pd.createQp(init);
            System.out.println("READY " + qp.qpNum());
            final String[] peer = in.readLine().split(" ");
            TenantKit.connect(qp, Integer.parseInt(peer[1]), Integer.parseInt(peer[2]), 0x100, 0x200);
            final IbvRecvWr recv = new IbvRecvWr();
            recv.wrId = 77;
            recv.sge(mr.addr(), 4096, mr.lkey());
            qp.postRecv(recv);
            if (cq.reqNotify(false))
            {
                System.out.println("FAILED completions before the send");
                return;
            }
            System.out.println("ARMED");
            final long start = System.nanoTime();
            final IbvCq fired = channel.getCqEvent(20, TimeUnit.SECONDS);
            final long slept = System.nanoTime() - start;
            if (fired != cq)
            {
                System.out.println("FAILED no event");
                return;
            }
            channel.ackCqEvents(cq, 1);
            final IbvWc[] wc = {new IbvWc()};
            final int n = cq.poll(wc);
            System.out.println("EVENT " + TimeUnit.NANOSECONDS.toMillis(slept) + " " + n + " " + wc[0].wrId + " " +
                wc[0].status + " sleeps " + ctx.eventDispatcher().sleeps(0) + " interrupts " +
                ctx.eventDispatcher().interrupts(0));
            in.readLine();
        }
        System.out.println("CLOSED");
    }
}
