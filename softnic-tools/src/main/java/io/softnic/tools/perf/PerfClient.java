package io.softnic.tools.perf;

import io.softnic.cm.CmException;
import io.softnic.cm.CmParams;
import io.softnic.engine.cm.ConnectionManager;
import io.softnic.tools.ToolFailure;
import io.softnic.verbs.EventDispatcher;
import io.softnic.verbs.IbvContext;
import io.softnic.verbs.IbvCq;

import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The active side of a perf session: connects its QPs through the CM (the private data carries what perftest sends
 * over TCP), then for each message size starts a round, runs the bandwidth or latency engine, checks its own memory,
 * reports to the server and takes the server's verdict, and prints the table row. Below the table it prints what
 * each round cost: process CPU time per operation and, with {@code -e}, completions per interrupt.
 */
public final class PerfClient
{
    private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(5);
    /** The server sets up all its QPs before it answers the first request: time for that, per QP. */
    private static final Duration SETUP_PER_QP = Duration.ofMillis(1);

    private final IbvContext ibv;
    private final PerfConfig config;
    private final String server;
    private final PrintStream out;
    private final boolean printBanner;
    private final SessionAbort abort;
    private final List<BandwidthResult> bandwidth = new ArrayList<>();
    private final List<LatencyResult> latency = new ArrayList<>();
    private final List<RoundCost> costs = new ArrayList<>();
    private RoundObserver observer = RoundObserver.NONE;
    private ConnectionManager cm;

    public PerfClient(final IbvContext ibv, final PerfConfig config, final String server, final PrintStream out,
        final boolean printBanner, final SessionAbort abort)
    {
        this.ibv = ibv;
        this.config = config;
        this.server = server;
        this.out = out;
        this.printBanner = printBanner;
        this.abort = abort;
    }

    /**
     * The connection manager of the engine behind this client's verbs context, when it runs in this process: QPs
     * then connect and disconnect pipelined (see {@link QpConnector}) instead of one at a time through RdmaCm.
     */
    public PerfClient connectionManager(final ConnectionManager manager)
    {
        this.cm = manager;
        return this;
    }

    /** Told of each measured round, and asked to report after the client's tables. */
    public PerfClient observer(final RoundObserver observer)
    {
        this.observer = observer;
        return this;
    }

    public List<BandwidthResult> bandwidthResults()
    {
        return bandwidth;
    }

    public List<LatencyResult> latencyResults()
    {
        return latency;
    }

    /** What each reported round cost (CPU per operation, completions per interrupt), in round order. */
    public List<RoundCost> roundCosts()
    {
        return costs;
    }

    public void run()
    {
        final Watchdog watchdog = new Watchdog("client", "server", abort);
        final QpConnector connector = QpConnector.of(ibv, cm);
        final long t0 = System.nanoTime();
        try (PerfEndpoint ep = new PerfEndpoint(ibv, config.test(), true, config.qps(), config.txDepth(),
            config.maxSize(), config.cq()))
        {
            final long t1 = System.nanoTime();
            connect(ep, connector);
            final long t2 = System.nanoTime();
            final String setup = String.format("%d QP%s connected in %d ms (CM %s); resources %d ms; ACK timeout %s",
                config.qps(), config.qps() == 1 ? "" : "s", (t2 - t1) / 1_000_000, connector.describe(),
                (t1 - t0) / 1_000_000, PerfReport.ackTimeout(config.ackTimeout()));
            watchdog.watch(ep.links);
            if (printBanner)
            {
                PerfReport.banner(out, config.test(), ibv.deviceName(), config.qps(), config.txDepth(),
                    config.cqMod(config.sizes().getFirst()), ep.links.getFirst().connection.peer().mtu(),
                    config.atomicOp(), config.cq(), setup);
                PerfReport.addresses(out, ep.links, ibv.queryDevice().gidIpv4());
            }
            runRounds(ep, watchdog);
            connector.disconnect(ep.links, PerfConnection.disconnectTimeout(config.qps()));
        }
    }

    /** The rounds over connected QPs: the warm-up if asked for, one per message size, then FINISH. */
    void runRounds(final PerfEndpoint ep, final Watchdog watchdog)
    {
        final PerfTest test = config.test();
        final Round r = new Round(ep, watchdog);
        out.println(PerfReport.header(test, config.reportGbits()));
        int round = 0;
        if (config.warmUp())
        {
            r.run(++round, config.sizes().getFirst(), config.warmUpIters(), Math.min(config.durationSeconds(), 1),
                true);
        }
        for (final int size : config.sizes())
        {
            r.run(++round, size, config.iters(), config.durationSeconds(), false);
        }
        r.control.out();
        r.control.send(ControlMessage.FINISH);
        r.control.await(ControlMessage.READY, false);
        out.println(PerfReport.RESULT_LINE);
        if (!costs.isEmpty())
        {
            out.println(PerfReport.COST_HEADER);
            for (final RoundCost c : costs)
            {
                out.println(PerfReport.costRow(c));
            }
            out.println(PerfReport.RESULT_LINE);
        }
        observer.report(out);
    }

    /** What the client keeps across rounds, and one round: START, run, check, DONE, RESULT, the row. */
    private final class Round
    {
        final PerfEndpoint ep;
        final ControlChannel control;
        final Integrity integrity;
        final BandwidthEngine bw;
        final LatencyEngine lat;
        final LatencyOp op;

        Round(final PerfEndpoint ep, final Watchdog watchdog)
        {
            final PerfTest test = config.test();
            this.ep = ep;
            this.control = new ControlChannel(ep, watchdog);
            this.integrity = new Integrity(test, ep.layout, true);
            this.bw = test.isBandwidth() ? new BandwidthEngine(ep, config, watchdog) : null;
            this.lat = test.isBandwidth() ? null : new LatencyEngine();
            this.op = test.isBandwidth() ? null :
                LatencyOps.create(test, ep, control, watchdog, config.atomicOp(), true);
        }

        void run(final int round, final int size, final long iters, final int seconds, final boolean warmUp)
        {
            final PerfTest test = config.test();
            for (final QpLink link : ep.links)
            {
                integrity.prepare(link, size);
            }
            control.out().round(round).size(size).iters(iters).duration(seconds).warmUp(warmUp);
            control.send(ControlMessage.START);
            control.await(ControlMessage.READY, false);

            final long durationNanos = seconds * 1_000_000_000L;
            final ControlMessage done;
            final long completions0 = completions();
            final long interrupts0 = interrupts();
            final long events0 = ep.sendCq.eventsTaken() + ep.recvCq.eventsTaken();
            if (!warmUp)
            {
                observer.started(size);
            }
            final long wall0 = System.nanoTime();
            final long cpu0 = ProcessCpu.nanos();
            if (bw != null)
            {
                final BandwidthResult r = bw.run(size, iters, durationNanos);
                cost(size, ep.links.stream().mapToLong(l -> l.round.ops).sum(), cpu0, wall0, completions0,
                    interrupts0, events0, warmUp);
                if (!warmUp)
                {
                    observer.finished(size); // after the cost: reading the engines' counters is not the run's work
                }
                done = control.out();
                done.stat(0, r.peakBytesPerSec()).stat(1, r.avgBytesPerSec()).stat(2, r.msgRateMpps())
                    .stat(3, r.iterations());
                if (!warmUp)
                {
                    out.println(PerfReport.row(r, config.reportGbits()));
                    bandwidth.add(r);
                }
            }
            else
            {
                op.prepare(size);
                final long n = lat.run(op, true, iters, durationNanos);
                cost(size, n, cpu0, wall0, completions0, interrupts0, events0, warmUp);
                if (!warmUp)
                {
                    observer.finished(size);
                }
                ep.links.getFirst().round.ops = n;
                final LatencyResult r = lat.result(size, n, test.rttFactor());
                done = control.out();
                final double[] stats = r.toStats();
                for (int i = 0; i < stats.length; i++)
                {
                    done.stat(i, stats[i]);
                }
                if (!warmUp)
                {
                    out.println(PerfReport.row(r));
                    latency.add(r);
                }
            }
            String problem = null;
            for (final QpLink link : ep.links)
            {
                done.qpOps(link.index, link.round.ops);
                if (problem == null)
                {
                    problem = integrity.verify(link, size, link.round.ops);
                }
            }
            done.round(round).size(size).iters(ep.links.getFirst().round.ops);
            done.status(problem == null ? ControlMessage.STATUS_OK : ControlMessage.STATUS_FAILED);
            if (problem != null)
            {
                done.detail(problem);
            }
            control.send(ControlMessage.DONE);
            final ControlMessage result = control.await(ControlMessage.RESULT, false);
            final String what = test.testName() + (warmUp ? " warm-up" : "") + ", " + size + " B";
            if (problem != null)
            {
                throw new ToolFailure("data check failed on the client (" + what + "): " + problem);
            }
            if (result.status() != ControlMessage.STATUS_OK)
            {
                throw new ToolFailure("data check failed on the server (" + what + "): " + result.detail());
            }
        }

        /** Notes the round's cost, unless it is the warm-up. */
        private void cost(final int size, final long ops, final long cpu0, final long wall0, final long completions0,
            final long interrupts0, final long events0, final boolean warmUp)
        {
            final long cpu1 = ProcessCpu.nanos();
            final long wall1 = System.nanoTime();
            if (!warmUp)
            {
                costs.add(new RoundCost(size, ops, cpu0 < 0 || cpu1 < 0 ? -1 : cpu1 - cpu0, wall1 - wall0,
                    completions() - completions0, interrupts() - interrupts0,
                    ep.sendCq.eventsTaken() + ep.recvCq.eventsTaken() - events0));
            }
        }

        private long completions()
        {
            long n = 0;
            for (final IbvCq cq : ep.cqs())
            {
                n += cq.completions();
            }
            return n;
        }

        /** Device wakes of this context's sleeping handlers on the CQs' vectors (only in event mode). */
        private long interrupts()
        {
            if (!config.cq().useEvent())
            {
                return 0;
            }
            final EventDispatcher d = ibv.eventDispatcher();
            long n = 0;
            long seen = 0;
            for (final IbvCq cq : ep.cqs())
            {
                final int v = cq.compVector();
                if (v < 64 && (seen & (1L << v)) == 0)
                {
                    seen |= 1L << v;
                    n += d.interrupts(v);
                }
            }
            return n;
        }
    }

    private void connect(final PerfEndpoint ep, final QpConnector connector)
    {
        final RemoteBuffer mine = new RemoteBuffer(ep.mr.addr(), ep.mr.rkey(), ep.mr.length());
        try
        {
            connector.connect(ep.links, server, config.cmPort(), link ->
            {
                final ConnectRequest request = new ConnectRequest(config.test(), link.index, config.qps(),
                    config.atomicOp(), config.txDepth(), config.maxSize(), mine);
                final CmParams defaults = CmParams.defaults();
                return defaults.withMtu(config.mtu()).withPrivateData(request.encode())
                    .withRetry(defaults.retryCount(), defaults.rnrRetryCount(), config.ackTimeout());
            }, CONNECT_TIMEOUT.plus(SETUP_PER_QP.multipliedBy(config.qps())), CONNECT_TIMEOUT);
        }
        catch (final CmException ex)
        {
            throw new ToolFailure(connectFailure(ex), ex);
        }
        for (final QpLink link : ep.links)
        {
            link.remote = RemoteBuffer.decode(link.connection.peer().privateData(), "the server");
            link.remote.requireAtLeast(ep.layout.length(), "the server's");
        }
    }

    private String connectFailure(final CmException ex)
    {
        final String where = server + " CM port " + config.cmPort();
        return switch (ex.reason())
        {
            case CmException.TIMEOUT -> "no answer from a softnic perf server at " + where +
                " (is it running, with --port " + server + "?)";
            case 8 -> "nothing listens at " + where + " (the server's -p must match)";
            case PerfServer.REJECT_CONSUMER -> "the server at " + where + " refused the connection: it runs " +
                "another test or protocol version (see its output)";
            default -> "connection to " + where + " failed: " + ex.getMessage() + " (reason " + ex.reason() + ")";
        };
    }
}
