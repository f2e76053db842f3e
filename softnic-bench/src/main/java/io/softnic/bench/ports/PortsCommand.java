package io.softnic.bench.ports;

import io.softnic.bench.DirectConnect;
import io.softnic.engine.EngineContext;
import io.softnic.engine.SoftnicEngine;
import io.softnic.engine.ThreadingMode;
import io.softnic.verbs.IbvAccess;
import io.softnic.verbs.IbvContext;
import io.softnic.verbs.IbvCq;
import io.softnic.verbs.IbvMr;
import io.softnic.verbs.IbvPd;
import io.softnic.verbs.IbvQp;
import io.softnic.verbs.IbvQpInitAttr;
import io.softnic.verbs.IbvSendFlags;
import io.softnic.verbs.IbvSendWr;
import io.softnic.verbs.IbvWc;
import io.softnic.verbs.IbvWcStatus;
import io.softnic.verbs.IbvWrOpcode;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.lang.foreign.MemorySegment;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * {@code softnic bench ports}: what a second port gives. Two engines in this process, each with one or two loopback
 * ports; QPs spread over the ports (QP i on port i mod n, its alternate on the other), streaming RDMA WRITEs.
 * Measures write_bw with one and with two ports, the bytes each port carried, and a failover drill: a port taken
 * down mid-stream, on the sending side (the administrator's cut: immediate migration) and on the receiving side (the
 * sender notices through retransmission timeouts), reporting the longest pause in completions after the cut.
 */
@Command(
    name = "softnic bench ports",
    mixinStandardHelpOptions = true,
    header = "write_bw over one and two ports, and the pause when a port fails mid-stream.",
    sortOptions = false)
public final class PortsCommand implements Callable<Integer>
{
    private static final int WINDOW = 16;
    /** ACK timeout code of the bandwidth runs (67 ms, the ibverbs default): no cut there, so no need to be quick. */
    private static final int BANDWIDTH_TIMEOUT = 14;

    @Option(names = {"-D", "--duration"}, paramLabel = "SECONDS", description = "Seconds per bandwidth run (2).")
    double duration = 2;

    @Option(names = {"-q", "--qps"}, paramLabel = "N", description = "QPs (4).")
    int qps = 4;

    @Option(names = {"-s", "--size"}, paramLabel = "BYTES", description = "Message size (65536).")
    int size = 65536;

    @Option(names = "--timeout", paramLabel = "CODE",
        description = "QP ACK timeout code for the drills: 4.096 us * 2^CODE (12 = 16 ms: resending a 1 MiB " +
            "window per QP on a busy 2-core machine takes that long).")
    int timeoutCode = 12;

    public static void main(final String[] args)
    {
        System.exit(new CommandLine(new PortsCommand()).execute(args));
    }

    @Override
    public Integer call()
    {
        if (duration <= 0 || duration > 600 || qps < 1 || qps > 256 || size < 1 || size > (1 << 20) ||
            timeoutCode < 1 || timeoutCode > 20)
        {
            System.err.println("softnic bench ports: need 0 < duration <= 600, 1 <= qps <= 256, " +
                "1 <= size <= 1 MiB, 1 <= timeout <= 20");
            return 2;
        }
        System.out.printf(Locale.ROOT, "softnic bench ports: %d QPs, %d-byte RDMA WRITEs, window %d per QP, " +
            "SHARED threading, loopback%n%n", qps, size, WINDOW);
        System.out.printf(Locale.ROOT, "%-34s %12s %14s %14s%n", "run", "MiB/s", "port1 MiB", "port2 MiB");
        for (final int ports : new int[]{1, 2})
        {
            try (Link link = new Link(ports, qps, size, BANDWIDTH_TIMEOUT))
            {
                final Stream s = link.stream(duration, null, 0);
                System.out.printf(Locale.ROOT, "%-34s %12.1f %14.1f %14s%n", "write_bw, " + ports + " port(s)",
                    s.mibPerSecond(), s.portMib(link.a, 1), ports > 1 ? fmt(s.portMib(link.a, 2)) : "-");
            }
        }
        System.out.println();
        System.out.printf(Locale.ROOT, "%-34s %12s %14s %14s%n", "failover drill (2 ports)", "pause ms",
            "migrations a", "migrations b");
        for (final boolean senderSide : new boolean[]{true, false})
        {
            try (Link link = new Link(2, qps, size, timeoutCode))
            {
                final Stream s = link.stream(duration, senderSide ? link.a.engine : link.b.engine, duration / 2);
                System.out.printf(Locale.ROOT, "%-34s %12.2f %14d %14d%n",
                    senderSide ? "port 1 down on the sender" : "port 1 down on the receiver",
                    s.pauseNanos() / 1e6, s.migrations(link.a), s.migrations(link.b));
            }
        }
        System.out.println();
        System.out.println("pause: the longest time one QP went without a completion from the cut on (the QPs on " +
            "port 1 stall until they have moved); every completion was checked SUCCESS.");
        return 0;
    }

    private static String fmt(final double v)
    {
        return String.format(Locale.ROOT, "%.1f", v);
    }

    /** What one streaming run measured. */
    record Stream(long bytes, long nanos, long pauseNanos, Map<String, Long> before)
    {
        double mibPerSecond()
        {
            return bytes / (1024.0 * 1024.0) / (nanos / 1e9);
        }

        double portMib(final Side side, final int port)
        {
            final Map<String, Long> now = side.engine.counters().snapshot();
            final String key = "port" + port + "_tx_bytes";
            return (now.getOrDefault(key, 0L) - before.getOrDefault(key, 0L)) / (1024.0 * 1024.0);
        }

        long migrations(final Side side)
        {
            final Map<String, Long> now = side.engine.counters().snapshot();
            return now.getOrDefault("port1_migrations", 0L) + now.getOrDefault("port2_migrations", 0L);
        }
    }

    /** One engine's end: its device, memory and QPs. */
    static final class Side implements AutoCloseable
    {
        final SoftnicEngine engine;
        final IbvContext ctx;
        final IbvPd pd;
        final IbvCq cq;
        final MemorySegment buffer;
        final IbvMr mr;
        final IbvQp[] qps;

        Side(final String name, final String[] addresses, final int qps, final int size)
        {
            final EngineContext ec = new EngineContext().name(name).threadingMode(ThreadingMode.SHARED);
            for (final String a : addresses)
            {
                ec.port(a);
            }
            engine = SoftnicEngine.launch(ec);
            ctx = engine.open();
            pd = ctx.allocPd();
            cq = ctx.createCq(qps * WINDOW * 2, 0);
            buffer = ctx.allocateBuffer((long)size * WINDOW);
            mr = pd.regMr(buffer, IbvAccess.LOCAL_WRITE | IbvAccess.ALL_REMOTE);
            this.qps = new IbvQp[qps];
            for (int i = 0; i < qps; i++)
            {
                final IbvQpInitAttr init = new IbvQpInitAttr();
                init.sendCq = cq;
                init.recvCq = cq;
                init.cap.maxSendWr = WINDOW * 2;
                init.cap.maxRecvWr = 1;
                this.qps[i] = pd.createQp(init);
            }
        }

        @Override
        public void close()
        {
            engine.close();
        }
    }

    /** Two engines, {@code qps} connected QP pairs spread over their ports. */
    static final class Link implements AutoCloseable
    {
        final Side a;
        final Side b;
        private final int size;

        Link(final int ports, final int qps, final int size, final int timeoutCode)
        {
            this.size = size;
            final String[] aAddr = ports == 1 ? new String[]{"127.78.1.2"} : new String[]{"127.78.1.2", "127.78.2.2"};
            final String[] bAddr = ports == 1 ? new String[]{"127.78.1.3"} : new String[]{"127.78.1.3", "127.78.2.3"};
            a = new Side("ports-a", aAddr, qps, size);
            b = new Side("ports-b", bAddr, qps, size);
            for (int i = 0; i < qps; i++)
            {
                final int port = i % ports + 1;
                final int alt = ports == 1 ? DirectConnect.NO_ALTERNATE : port == 1 ? 2 : 1;
                for (final Side[] ends : new Side[][]{{a, b}, {b, a}})
                {
                    final Side remote = ends[1];
                    DirectConnect.toRts(ends[0].qps[i], port, remote.qps[i].qpNum(), remote.engine.port(port - 1).ipv4(),
                        alt, alt == DirectConnect.NO_ALTERNATE ? 0 : remote.engine.port(alt - 1).ipv4(), timeoutCode);
                }
            }
        }

        /**
         * Streams WRITEs from a to b for {@code seconds}; when {@code cut} is set, takes its port 1 down after
         * {@code cutAfter} seconds and measures the longest pause in completions from then on.
         */
        Stream stream(final double seconds, final SoftnicEngine cut, final double cutAfter)
        {
            final Map<String, Long> before = a.engine.counters().snapshot();
            final IbvSendWr wr = new IbvSendWr();
            final IbvWc[] wcs = new IbvWc[64];
            for (int i = 0; i < wcs.length; i++)
            {
                wcs[i] = new IbvWc();
            }
            final int[] outstanding = new int[a.qps.length];
            final long start = System.nanoTime();
            final long end = start + (long)(seconds * 1e9);
            final long cutAt = cut == null ? Long.MAX_VALUE : start + (long)(cutAfter * 1e9);
            boolean cutDone = false;
            final long[] lastCompletion = new long[a.qps.length];   // per QP: the cut stalls only some of them
            long pause = 0;
            long bytes = 0;
            long now;
            while ((now = System.nanoTime()) < end || sum(outstanding) > 0)
            {
                if (!cutDone && now >= cutAt)
                {
                    cut.portDown(1);
                    cutDone = true;
                    java.util.Arrays.fill(lastCompletion, System.nanoTime());
                }
                for (int q = 0; q < a.qps.length && now < end; q++)
                {
                    while (outstanding[q] < WINDOW)
                    {
                        wr.reset();
                        wr.wrId = q;
                        wr.opcode = IbvWrOpcode.RDMA_WRITE;
                        wr.sendFlags = IbvSendFlags.SIGNALED;
                        wr.remoteAddr = b.mr.addr() + (long)outstanding[q] * size;
                        wr.rkey = b.mr.rkey();
                        wr.sge(a.mr.addr() + (long)outstanding[q] * size, size, a.mr.lkey());
                        a.qps[q].postSend(wr);
                        outstanding[q]++;
                    }
                }
                final int n = a.cq.poll(wcs, wcs.length);
                if (n == 0)
                {
                    if (now - start > (long)(seconds * 1e9) + 30_000_000_000L)
                    {
                        throw new IllegalStateException("completions stopped; a: " + a.engine.counters().snapshot());
                    }
                    Thread.yield();
                    continue;
                }
                final long t = System.nanoTime();
                for (int i = 0; i < n; i++)
                {
                    if (wcs[i].status != IbvWcStatus.SUCCESS)
                    {
                        throw new IllegalStateException("write failed: " + wcs[i].status);
                    }
                    final int q = (int)wcs[i].wrId;
                    if (cutDone)
                    {
                        pause = Math.max(pause, t - lastCompletion[q]);
                        lastCompletion[q] = t;
                    }
                    outstanding[q]--;
                    bytes += size;
                }
            }
            return new Stream(bytes, System.nanoTime() - start, pause, before);
        }

        private static int sum(final int[] v)
        {
            int s = 0;
            for (final int x : v)
            {
                s += x;
            }
            return s;
        }

        @Override
        public void close()
        {
            a.close();
            b.close();
        }
    }
}
