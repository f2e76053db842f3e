package io.softnic.tools.perf;

import io.softnic.cm.CmParams;
import io.softnic.cm.CmState;
import io.softnic.cm.RdmaCm;
import io.softnic.engine.cm.ConnectionManager;
import io.softnic.tools.ToolFailure;
import io.softnic.verbs.IbvContext;

import java.io.PrintStream;
import java.time.Duration;
import java.util.BitSet;
import java.util.function.LongSupplier;

/**
 * The passive side of a perf session: waits for one client, takes the run's parameters from its connection
 * requests, and serves its rounds. For WRITE, READ and atomic tests it only waits for the client's DONE and then checks
 * its memory; for send_bw it receives; for write_lat and send_lat it answers each message. Every round ends with its
 * verdict (RESULT) to the client and a table row of its own.
 */
public final class PerfServer implements AutoCloseable
{
    /** IB CM REJ reason: consumer defined. */
    static final int REJECT_CONSUMER = 28;
    private static final Duration REQUEST_POLL = Duration.ofMillis(250);
    private static final Duration NEXT_QP_TIMEOUT = Duration.ofSeconds(10);

    private final IbvContext ibv;
    private final PerfTest test;
    private final int cmPort;
    private final int mtu;
    private final boolean reportGbits;
    private final PrintStream out;
    private final boolean printBanner;
    private final SessionAbort abort;
    private LongSupplier peerActivity;
    private CqOptions cqOptions = CqOptions.POLLING;
    private ConnectionManager cm;
    private RdmaCm.Listener listener;

    public PerfServer(final IbvContext ibv, final PerfTest test, final int cmPort, final int mtu,
        final boolean reportGbits, final PrintStream out, final boolean printBanner, final SessionAbort abort)
    {
        this.ibv = ibv;
        this.test = test;
        this.cmPort = cmPort;
        this.mtu = mtu;
        this.reportGbits = reportGbits;
        this.out = out;
        this.printBanner = printBanner;
        this.abort = abort;
    }

    /** A count that grows while the client is alive (the engine's received packets); see {@link Watchdog}. */
    public PerfServer peerActivity(final LongSupplier activity)
    {
        this.peerActivity = activity;
        return this;
    }

    /** How this side takes its completions (its own -e and moderation; --cq-mod only shows in its banner). */
    public PerfServer cqOptions(final CqOptions options)
    {
        this.cqOptions = options == null ? CqOptions.POLLING : options;
        return this;
    }

    /**
     * The connection manager of the engine behind this server's verbs context, when it runs in this process: what is
     * still connected at the end is then disconnected pipelined (see {@link QpConnector}).
     */
    public PerfServer connectionManager(final ConnectionManager manager)
    {
        this.cm = manager;
        return this;
    }

    public void listen()
    {
        listener = ibv.cm().listen(cmPort);
    }

    public void serve()
    {
        if (listener == null)
        {
            listen();
        }
        if (printBanner)
        {
            out.println("\n************************************");
            out.println("* Waiting for client to connect... *");
            out.println("************************************");
            out.flush();
        }
        final RdmaCm.Request first = awaitFirstRequest();
        final ConnectRequest request = admit(first, null);
        final Watchdog watchdog = new Watchdog("server", "client", abort, peerActivity);
        final long t0 = System.nanoTime();
        try (PerfEndpoint ep = new PerfEndpoint(ibv, test, false, request.qpCount(), request.txDepth(),
            request.maxSize(), cqOptions))
        {
            final long t1 = System.nanoTime();
            final int qps = request.qpCount();
            final BitSet accepted = new BitSet(qps);
            accept(first, request, ep, accepted);
            for (int q = 1; q < qps; q++)
            {
                // pipelined clients have several requests in flight: they may come in any order
                final RdmaCm.Request next = listener.getRequest(NEXT_QP_TIMEOUT);
                if (next == null)
                {
                    throw new ToolFailure("the client connected " + q + " of " + qps + " QPs and then no more (" +
                        "QP #" + accepted.nextClearBit(0) + " missing)");
                }
                accept(next, admit(next, request), ep, accepted);
            }
            final long t2 = System.nanoTime();
            final String setup = String.format("%d QP%s accepted in %d ms; resources %d ms", qps, qps == 1 ? "" : "s",
                (t2 - t1) / 1_000_000, (t1 - t0) / 1_000_000);
            closeListener();
            watchdog.watch(ep.links);
            if (printBanner)
            {
                PerfReport.banner(out, test, ibv.deviceName(), request.qpCount(), request.txDepth(),
                    cqOptions.cqMod() > 0 ? cqOptions.cqMod() : PerfConfig.cqMod(request.txDepth(), request.maxSize()),
                    ep.links.getFirst().connection.peer().mtu(), request.atomicOp(), cqOptions, setup);
                PerfReport.addresses(out, ep.links, ibv.queryDevice().gidIpv4());
            }
            out.println(PerfReport.header(test, reportGbits));
            serveRounds(ep, request, watchdog);
            out.println(PerfReport.RESULT_LINE);
            awaitDisconnect(ep);
        }
    }

    /** The rounds over connected QPs, until the client's FINISH. */
    void serveRounds(final PerfEndpoint ep, final ConnectRequest request, final Watchdog watchdog)
    {
        final ControlChannel control = new ControlChannel(ep, watchdog);
        final Integrity integrity = new Integrity(test, ep.layout, false);
        final SendSink sink = test == PerfTest.SEND_BW ? new SendSink(ep, control, watchdog) : null;
        final LatencyEngine lat = test.isPingPong() ? new LatencyEngine() : null;
        final LatencyOp op = test.isPingPong() ?
            LatencyOps.create(test, ep, control, watchdog, request.atomicOp(), false) : null;
        while (true)
        {
            final ControlMessage start = control.await(0, true);
            if (start.type() == ControlMessage.FINISH)
            {
                control.out();
                control.send(ControlMessage.READY);
                return;
            }
            if (start.type() != ControlMessage.START)
            {
                throw new ToolFailure("protocol error: expected START or FINISH, got " +
                    ControlMessage.name(start.type()));
            }
            final int round = start.round();
            final int size = start.size();
            final long iters = start.iters();
            final long durationNanos = start.duration() * 1_000_000_000L;
            final boolean warmUp = start.warmUp();
            if (size < 1 || size > request.maxSize())
            {
                throw new ToolFailure("protocol error: round of " + size + " B, connected for at most " +
                    request.maxSize());
            }
            for (final QpLink link : ep.links)
            {
                integrity.prepare(link, size);
            }
            if (op != null)
            {
                op.prepare(size);
            }
            control.out().round(round);
            control.send(ControlMessage.READY);
            if (sink != null)
            {
                sink.run(size);
            }
            else if (op != null)
            {
                lat.run(op, false, iters, durationNanos);
            }
            final ControlMessage done = control.await(ControlMessage.DONE, true);
            final boolean clientOk = done.status() == ControlMessage.STATUS_OK;
            final String clientProblem = clientOk ? null : done.detail();
            final long clientIters = done.iters();
            final BandwidthResult bwRow = test.isBandwidth() ? new BandwidthResult(size, (long)done.stat(3),
                done.stat(0), done.stat(1), done.stat(2)) : null;
            final LatencyResult latRow = test.isBandwidth() ? null : lat != null ?
                lat.result(size, clientIters, test.rttFactor()) : LatencyResult.fromStats(size, clientIters, done);
            String problem = null;
            for (final QpLink link : ep.links)
            {
                link.round.ops = done.qpOps(link.index);
            }
            for (final QpLink link : ep.links)
            {
                problem = integrity.verify(link, size, link.round.ops);
                if (problem != null)
                {
                    break;
                }
            }
            final ControlMessage result = control.out().round(round)
                .status(problem == null ? ControlMessage.STATUS_OK : ControlMessage.STATUS_FAILED);
            if (problem != null)
            {
                result.detail(problem);
            }
            if (latRow != null)
            {
                final double[] stats = latRow.toStats();
                for (int i = 0; i < stats.length; i++)
                {
                    result.stat(i, stats[i]);
                }
            }
            control.send(ControlMessage.RESULT);
            if (!warmUp)
            {
                out.println(bwRow != null ? PerfReport.row(bwRow, reportGbits) : PerfReport.row(latRow));
            }
            if (problem != null)
            {
                throw new ToolFailure("data check failed on the server (" + test.testName() + ", " + size + " B): " +
                    problem);
            }
            if (clientProblem != null)
            {
                throw new ToolFailure("data check failed on the client (" + test.testName() + ", " + size + " B): " +
                    clientProblem);
            }
        }
    }

    private RdmaCm.Request awaitFirstRequest()
    {
        while (true)
        {
            final RdmaCm.Request r = listener.getRequest(REQUEST_POLL);
            if (r != null)
            {
                return r;
            }
            if (abort != null)
            {
                abort.check("server");
            }
        }
    }

    /** Decodes and checks a request; refuses it (REJ) when it is not for this server's test. */
    private ConnectRequest admit(final RdmaCm.Request r, final ConnectRequest first)
    {
        final ConnectRequest request;
        try
        {
            request = ConnectRequest.decode(r.privateData());
            if (request.test() != test)
            {
                throw new ToolFailure("the client asked for " + request.test().testName() + ", this server runs " +
                    test.testName());
            }
            if (first == null ? request.qpIndex() != 0 : request.qpCount() != first.qpCount() ||
                request.maxSize() != first.maxSize() || request.txDepth() != first.txDepth() ||
                request.atomicOp() != first.atomicOp())
            {
                throw new ToolFailure("the client's connection request for QP #" + request.qpIndex() +
                    " does not match its first one");
            }
        }
        catch (final ToolFailure ex)
        {
            r.reject(REJECT_CONSUMER);
            throw ex;
        }
        return request;
    }

    private void accept(final RdmaCm.Request r, final ConnectRequest request, final PerfEndpoint ep,
        final BitSet accepted)
    {
        final int q = request.qpIndex();
        if (accepted.get(q))
        {
            r.reject(REJECT_CONSUMER);
            throw new ToolFailure("the client asked to connect QP #" + q + " twice");
        }
        final QpLink link = ep.links.get(q);
        link.remote = request.buffer();
        link.remote.requireAtLeast(ep.layout.length(), "the client's");
        final RemoteBuffer mine = new RemoteBuffer(ep.mr.addr(), ep.mr.rkey(), ep.mr.length());
        link.connection = PerfConnection.of(r.accept(link.qp,
            CmParams.defaults().withMtu(mtu).withPrivateData(mine.encode())));
        accepted.set(q);
    }

    /**
     * The client disconnects after FINISH; give it a moment (more with many QPs), then disconnect whatever is left,
     * pipelined where this process runs the engine.
     */
    private void awaitDisconnect(final PerfEndpoint ep)
    {
        final long deadline = System.nanoTime() + PerfConnection.disconnectTimeout(ep.links.size()).toNanos();
        for (final QpLink link : ep.links)
        {
            while (link.connection.state() == CmState.ESTABLISHED && System.nanoTime() < deadline)
            {
                ibv.drive();
                Thread.onSpinWait();
                try
                {
                    Thread.sleep(1);
                }
                catch (final InterruptedException ex)
                {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        }
        QpConnector.of(ibv, cm).disconnect(ep.links, PerfConnection.disconnectTimeout(ep.links.size()));
    }

    private void closeListener()
    {
        if (listener != null)
        {
            try
            {
                listener.close();
            }
            finally
            {
                listener = null;
            }
        }
    }

    @Override
    public void close()
    {
        closeListener();
    }
}
