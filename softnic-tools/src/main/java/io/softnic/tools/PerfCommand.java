package io.softnic.tools;

import io.softnic.engine.EngineContext;
import io.softnic.engine.ThreadingMode;
import io.softnic.engine.port.PortIo;
import io.softnic.tools.perf.AtomicOp;
import io.softnic.tools.perf.CqOptions;
import io.softnic.tools.perf.PerfClient;
import io.softnic.tools.perf.PerfConfig;
import io.softnic.tools.perf.PerfServer;
import io.softnic.tools.perf.PerfSession;
import io.softnic.tools.perf.PerfTest;
import io.softnic.hostif.VnicMessages;
import io.softnic.tenant.Softnic;
import io.softnic.verbs.CqModeration;
import io.softnic.verbs.IbvContext;
import io.softnic.verbs.VerbsException;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;

/** {@code softnic perf}: perftest's eight RC tests between two softnic engines, with perftest's flags and tables. */
@Command(
    name = "perf",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    header = "perftest for softnic: bandwidth and latency of RDMA WRITE, READ, SEND and atomics.",
    description = {
        "",
        "TEST is one of write_bw, write_lat, read_bw, read_lat, send_bw, send_lat, atomic_bw, atomic_lat. Every " +
            "byte moved is checked; a run that finds anything wrong exits with 1.",
        "",
        "Without SERVER_ADDR it is the server: it waits for one client, runs, prints the table. With SERVER_ADDR " +
            "it is the client and connects to the server's engine through the CM (service port -p). The client's " +
            "-s, -n, -D, -q, -t, -a and -A govern the run; the server learns them from the client.",
        "",
        "  softnic perf write_bw --port 127.0.0.2              (server)",
        "  softnic perf write_bw --port 127.0.0.3 127.0.0.2    (client)",
        "  softnic perf write_bw --loopback                    (both, in this process)",
        "",
        "With --vnic it runs as a tenant of a running engine (softnic engine) instead of launching one: it attaches " +
            "to that vNIC and connects through the engine's CM. Server and client may be tenants of one engine " +
            "(SERVER_ADDR is then that engine's own address; the traffic stays inside the engine) or of two:",
        "",
        "  softnic perf write_bw --engine DIR --vnic a                (server)",
        "  softnic perf write_bw --engine DIR --vnic b 127.0.0.2      (client; 127.0.0.2: the engine's --port)",
        "",
        "Each engine binds UDP port 4791 on its --port address, so client and server on one host need distinct " +
            "addresses, e.g. 127.0.0.2 and 127.0.0.3 (any 127.x.y.z works on Linux).",
        ""})
public final class PerfCommand implements Callable<Integer>
{
    private static final Set<Integer> MTUS = Set.of(256, 512, 1024, 2048, 4096);
    static final Set<String> IDLE = Set.of("spin", "yield", "backoff", "park");
    private static final String LOOPBACK_SERVER = "127.0.0.2";
    private static final String LOOPBACK_CLIENT = "127.0.0.3";
    private static final String DEFAULT_PORT = "127.0.0.1";

    @Spec
    CommandSpec spec;

    @ParentCommand
    SoftnicCli cli;

    @Parameters(index = "0", paramLabel = "TEST", description = "The test to run.")
    String testName;

    @Parameters(index = "1", arity = "0..1", paramLabel = "SERVER_ADDR",
        description = "The server engine's address: run as the client.")
    String serverAddress;

    @Option(names = {"-s", "--size"}, paramLabel = "BYTES",
        description = "Message size (default 65536 for bandwidth, 2 for latency; atomics move 8).")
    Long size;

    @Option(names = {"-n", "--iters"}, paramLabel = "N",
        description = "Iterations per QP (default 5000 for bandwidth, 1000 for latency).")
    Long iters;

    @Option(names = {"-D", "--duration"}, paramLabel = "SECONDS", description = "Run for this long instead of -n.")
    Integer duration;

    @Option(names = {"-q", "--qp"}, paramLabel = "N", description = "Number of QPs (bandwidth tests; default 1).")
    int qps = 1;

    @Option(names = {"-t", "--tx-depth"}, paramLabel = "N",
        description = "Requests in flight per QP (default 128 for bandwidth; latency tests use 1).")
    Integer txDepth;

    @Option(names = {"-a", "--all"}, description = "Run sizes 2 B to 8 MiB, doubling (atomics: 8 B only).")
    boolean all;

    @Option(names = {"-m", "--mtu"}, paramLabel = "BYTES", description = "Path MTU: 256..4096 (default 4096).")
    int mtu = 4096;

    @Option(names = {"-A", "--atomic_type"}, paramLabel = "OP",
        description = "Atomic tests: FETCH_AND_ADD (default) or CMP_AND_SWAP.")
    AtomicOp atomicOp = AtomicOp.FETCH_AND_ADD;

    @Option(names = {"-u", "--qp-timeout", "--qp_timeout"}, paramLabel = "CODE",
        description = "Local ACK timeout of the QPs: 4.096 us * 2^CODE, 1..31 (default 14, 67 ms, as perftest; " +
            "one more per doubling of the requests in flight, -q times -t, beyond 4096, at most 18).")
    Integer qpTimeout;

    @Option(names = {"--report_gbits", "--report-gbits"}, description = "Report bandwidth in Gb/sec, not MiB/sec.")
    boolean reportGbits;

    @Option(names = {"-p", "--cm-port"}, paramLabel = "PORT",
        description = "The server's CM service port (default 18515, perftest's).")
    int cmPort = PerfConfig.DEFAULT_CM_PORT;

    @Option(names = "--port", paramLabel = "ADDR",
        description = "Address of this engine's port (repeatable; default 127.0.0.1). With --loopback: the " +
            "server's, then the client's (default 127.0.0.2, 127.0.0.3).")
    List<String> ports;

    @Option(names = "--vnic", paramLabel = "NAME",
        description = "Run as a tenant of a running engine, attached to this vNIC (softnic vnic create NAME), " +
            "instead of launching an engine of its own.")
    String vnic;

    @Option(names = "--engine", paramLabel = "DIR",
        description = "With --vnic: the running engine's directory (default /dev/shm/softnic-$USER/engine).")
    Path engineDir;

    @Option(names = "--loopback", description = "Run server and client in this process (two engines).")
    boolean loopback;

    @Option(names = "--threading", paramLabel = "MODE",
        description = "Engine threading: DEDICATED, SHARED (default) or INVOKER; with --loopback for both engines.")
    ThreadingMode threading = ThreadingMode.SHARED;

    @Option(names = "--idle", paramLabel = "STRATEGY",
        description = "How idle engine threads wait: spin, yield, backoff (the engine's default) or park. On few " +
            "cores yield gives the lowest latency; spin needs a core per engine thread.")
    String idle;

    @Option(names = "--port-io", paramLabel = "PATH",
        description = "How ports move datagrams into the kernel: AUTO (default: the best available), GSO " +
            "(sendmmsg with UDP_SEGMENT, recvmmsg with UDP_GRO), MMSG (sendmmsg/recvmmsg) or CHANNEL (java.nio).")
    PortIo portIo = PortIo.AUTO;

    @Option(names = {"--perform_warm_up", "--warm-up"},
        description = "Run an unreported round at the first size before measuring (lets the JIT compile).")
    boolean warmUp;

    @Option(names = "--counters", description = "Print every non-zero counter of both engines at the end.")
    boolean counters;

    @Option(names = {"-e", "--use_event", "--use-event"},
        description = "Sleep on CQ events (a completion channel) instead of polling the CQs. Not with --threading " +
            "INVOKER, whose engine runs on the polling thread.")
    boolean useEvent;

    @Option(names = {"--cq-mod", "--cq_mod"}, paramLabel = "N",
        description = "Bandwidth tests: ask for a completion every N-th request (1..TX depth; default TX depth / 2, " +
            "at most 64, and 1 above 8 KiB).")
    Integer cqMod;

    @Option(names = "--moder-usecs", paramLabel = "USECS",
        description = "With -e: coalesce completions into one event until USECS after the first (with " +
            "--moder-frames; 0 and 1 frame: off).")
    Integer moderUsecs;

    @Option(names = "--moder-frames", paramLabel = "N",
        description = "With -e: ... or until N completions, whichever comes first.")
    Integer moderFrames;

    @Option(names = "--adaptive",
        description = "With -e: adaptive interrupt moderation (profiles picked by the completion rate, as Linux DIM).")
    boolean adaptive;

    @Option(names = "--context-cache", paramLabel = "N",
        description = "Lines of each engine's QP context cache (seed 4; the engine's default 1024). Below the QP " +
            "count, contexts are loaded from their tables as QPs take turns.")
    Integer contextCache;

    @Option(names = "--lookahead", paramLabel = "W",
        description = "Work requests each engine's scheduler looks ahead through to run a QP's requests under one " +
            "context load (seed 4; default 256; 1: strict doorbell order).")
    Integer lookahead;

    @Option(names = "--flows", paramLabel = "on|off",
        description = "Per-flow queues on each engine's bus (seed 3; on, the default) or one FIFO (off).")
    String flows;

    @Override
    public Integer call()
    {
        final PerfConfig config = config();
        if (vnic != null || engineDir != null)
        {
            return tenant(config);
        }
        final List<String> addresses = addresses();
        final String id = Long.toString(ProcessHandle.current().pid());
        if (loopback)
        {
            final String client = addresses.size() > 1 ? addresses.get(1) : LOOPBACK_CLIENT;
            final String serverAddr = addresses.getFirst();
            try (LocalEngine s = LocalEngine.launch("perf-server-" + id, threading, idle, portIo,
                    List.of(serverAddr), ctx -> device(limits(ctx, config.test(), config.qps(), config.txDepth())));
                 LocalEngine c = LocalEngine.launch("perf-client-" + id, threading, idle, portIo, List.of(client),
                     ctx -> device(limits(ctx, config.test(), config.qps(), config.txDepth()))))
            {
                try
                {
                    PerfSession.loopback(s.ibv(), s.connectionManager(), s.address(), c.ibv(), c.connectionManager(),
                        config, cli.out(), true, new ContextReport(List.of(c, s), List.of("client", "server")));
                }
                catch (final RuntimeException ex)
                {
                    return failed(ex, List.of(c, s), List.of("client", "server"));
                }
                finished(List.of(c, s), List.of("client", "server"));
                return SoftnicCli.EXIT_OK;
            }
        }
        final boolean client = serverAddress != null;
        final String role = client ? "client" : "server";
        try (LocalEngine engine = LocalEngine.launch("perf-" + role + "-" + id, threading, idle, portIo,
            addresses, ctx ->
            {
                if (client)
                {
                    limits(ctx, config.test(), config.qps(), config.txDepth());
                }
                else
                {
                    serverLimits(ctx);
                }
                device(ctx);
            }))
        {
            try
            {
                if (client)
                {
                    new PerfClient(engine.ibv(), config, serverAddress, cli.out(), true, null)
                        .connectionManager(engine.connectionManager())
                        .observer(new ContextReport(List.of(engine), List.of("client"))).run();
                }
                else
                {
                    try (PerfServer server = new PerfServer(engine.ibv(), config.test(), cmPort, mtu, reportGbits,
                        cli.out(), true, null).peerActivity(engine::rxPackets).cqOptions(config.cq())
                        .connectionManager(engine.connectionManager()))
                    {
                        server.listen();
                        server.serve();
                    }
                }
            }
            catch (final RuntimeException ex)
            {
                return failed(ex, List.of(engine), List.of(role));
            }
            finished(List.of(engine), List.of(role));
            return SoftnicCli.EXIT_OK;
        }
    }

    /**
     * Sizes the limits of perf's own engine for a run of {@code qps} QPs of TX depth {@code txDepth} (never below the
     * engine's defaults): QPs (the engine's doorbell ring follows them) and CQ entries (a send CQ has room for every
     * request of every QP; send_bw's receive CQ for every posted receive). perf registers one MR per side.
     */
    static EngineContext limits(final EngineContext ctx, final PerfTest test, final int qps, final int txDepth)
    {
        ctx.maxQps(Math.max(ctx.maxQps(), qps + 16));
        ctx.maxCqe((int)Math.max(ctx.maxCqe(), PerfConfig.cqEntries(test, qps, txDepth)));
        return ctx;
    }

    /** The device settings perf's flags ask of its own engines: context cache, look-ahead, flows. */
    private EngineContext device(final EngineContext ctx)
    {
        if (contextCache != null)
        {
            ctx.contextCacheSize(contextCache);
        }
        if (lookahead != null)
        {
            ctx.lookaheadWindow(lookahead);
        }
        if (flows != null)
        {
            ctx.flowArbitration(flows.equals("on"));
        }
        return ctx;
    }

    /** A server's engine: it learns the QPs and depths from the client, so it takes the most a client may ask for. */
    static void serverLimits(final EngineContext ctx)
    {
        ctx.maxQps(Math.max(ctx.maxQps(), PerfConfig.MAX_QPS + 16));
        ctx.maxCqe((int)Math.max(ctx.maxCqe(), PerfConfig.MAX_CQ_ENTRIES));
    }

    /** As a tenant of a running engine: attach to the vNIC, run this side through the engine's CM, detach. */
    private int tenant(final PerfConfig config)
    {
        checkTenantFlags();
        final Path dir = engineDir != null ? engineDir : EngineConfig.defaultDir();
        final boolean client = serverAddress != null;
        final String role = client ? "client" : "server";
        final PrintStream err = cli.err();
        final IbvContext ibv;
        try
        {
            ibv = Softnic.attach(dir, vnic);
        }
        catch (final VerbsException ex)
        {
            err.println("softnic perf: cannot attach to vNIC '" + vnic + "' of the engine at " + dir + ": " +
                SoftnicCli.oneLine(ex.getMessage()));
            return SoftnicCli.EXIT_FAILED;
        }
        try (ibv)
        {
            if (client)
            {
                new PerfClient(ibv, config, serverAddress, cli.out(), true, null).run();
            }
            else
            {
                try (PerfServer server = new PerfServer(ibv, config.test(), cmPort, mtu, reportGbits, cli.out(),
                    true, null).cqOptions(config.cq()))
                {
                    server.listen();
                    server.serve();
                }
            }
        }
        catch (final RuntimeException ex)
        {
            err.println("softnic perf: FAILED: " + SoftnicCli.oneLine(ToolFailure.describe(ex)));
            if (System.getenv("SOFTNIC_DEBUG") != null)
            {
                ex.printStackTrace(err);
            }
            tenantCounters(err, dir, role);
            return SoftnicCli.EXIT_FAILED;
        }
        tenantCounters(cli.out(), dir, role);
        return SoftnicCli.EXIT_OK;
    }

    private void tenantCounters(final PrintStream out, final Path dir, final String role)
    {
        final Map<String, Long> mine = VnicCounters.of(dir, vnic);
        out.println("Counters of " + role + " vNIC " + vnic + " of the engine at " + dir + ":");
        out.print(mine.isEmpty() ? "   (unavailable)\n" : CounterReport.concise(mine, "   "));
    }

    /** With --vnic the engine belongs to the daemon: flags that would configure an engine of ours are mistakes. */
    private void checkTenantFlags()
    {
        if (vnic == null)
        {
            throw usage("--engine names the engine to attach to: give --vnic NAME too");
        }
        if (!VnicMessages.validName(vnic))
        {
            throw usage("bad vNIC name '" + vnic + "'");
        }
        if (loopback)
        {
            throw usage("--loopback launches engines of its own; with --vnic run server and client as two " +
                "commands (tenants of one engine or of two)");
        }
        if (serverAddress != null && !Ipv4.isValid(serverAddress))
        {
            throw usage("SERVER_ADDR must be an IPv4 address like 127.0.0.2, not '" + serverAddress + "'");
        }
        for (final String flag : List.of("--port", "--threading", "--idle", "--port-io", "--context-cache",
            "--lookahead", "--flows"))
        {
            if (spec.commandLine().getParseResult().hasMatchedOption(flag))
            {
                throw usage(flag + " configures an engine of perf's own; with --vnic the engine is the running " +
                    "one (give " + flag + " to 'softnic engine')");
            }
        }
    }

    private void finished(final List<LocalEngine> engines, final List<String> roles)
    {
        final PrintStream out = cli.out();
        for (int i = 0; i < (counters ? engines.size() : 1); i++)
        {
            if (counters)
            {
                CounterReport.full(out, engines.get(i), roles.get(i));
            }
            else
            {
                CounterReport.concise(out, engines.get(i), roles.get(i));
            }
            CounterReport.ports(out, engines.get(i));
        }
    }

    private int failed(final RuntimeException ex, final List<LocalEngine> engines, final List<String> roles)
    {
        final PrintStream err = cli.err();
        err.println("softnic perf: FAILED: " + SoftnicCli.oneLine(ToolFailure.describe(ex)));
        if (System.getenv("SOFTNIC_DEBUG") != null)
        {
            ex.printStackTrace(err);
        }
        for (int i = 0; i < engines.size(); i++)
        {
            try
            {
                CounterReport.full(err, engines.get(i), roles.get(i));
            }
            catch (final RuntimeException ignore)
            {
                err.println("(counters of " + roles.get(i) + " engine unavailable)");
            }
        }
        return SoftnicCli.EXIT_FAILED;
    }

    /** Validates the flags into a config; any problem is a usage error (exit code 2). */
    PerfConfig config()
    {
        final PerfTest test = PerfTest.byName(testName);
        if (test == null)
        {
            throw usage("unknown test '" + testName + "' (one of " + PerfTest.names() + ")");
        }
        final List<Integer> sizes;
        if (all)
        {
            sizes = PerfConfig.allSizes(test);
        }
        else if (size == null)
        {
            sizes = List.of(test.defaultSize());
        }
        else if (test.verb() == PerfTest.Verb.ATOMIC && size != PerfTest.ATOMIC_SIZE)
        {
            throw usage("atomic tests move 8 bytes; -s " + size + " is not allowed");
        }
        else if (size < 1 || size > PerfTest.MAX_SIZE)
        {
            throw usage("-s must be between 1 and " + PerfTest.MAX_SIZE + " bytes, not " + size);
        }
        else
        {
            sizes = List.of(size.intValue());
        }
        if (iters != null && duration != null)
        {
            throw usage("-n and -D exclude each other");
        }
        if (contextCache != null && (contextCache < 1 || contextCache > (1 << 20)))
        {
            throw usage("--context-cache must be between 1 and " + (1 << 20) + " lines, not " + contextCache);
        }
        if (lookahead != null && (lookahead < 1 || lookahead > (1 << 22)))
        {
            throw usage("--lookahead must be between 1 and " + (1 << 22) + " work requests, not " + lookahead);
        }
        if (flows != null && !flows.equals("on") && !flows.equals("off"))
        {
            throw usage("--flows takes on or off, not '" + flows + "'");
        }
        if (iters != null && (iters < 1 || iters > 1_000_000_000L))
        {
            throw usage("-n must be between 1 and 1000000000, not " + iters);
        }
        if (duration != null && (duration < 1 || duration > 86_400))
        {
            throw usage("-D must be between 1 and 86400 seconds, not " + duration);
        }
        if (qps < 1 || qps > PerfConfig.MAX_QPS)
        {
            throw usage("-q must be between 1 and " + PerfConfig.MAX_QPS + ", not " + qps);
        }
        if (qps > 1 && !test.isBandwidth())
        {
            throw usage("latency tests run on one QP (-q 1)");
        }
        if (txDepth != null && (txDepth < 1 || txDepth > PerfConfig.MAX_TX_DEPTH))
        {
            throw usage("-t must be between 1 and " + PerfConfig.MAX_TX_DEPTH + ", not " + txDepth);
        }
        if (!MTUS.contains(mtu))
        {
            throw usage("-m must be 256, 512, 1024, 2048 or 4096, not " + mtu);
        }
        if (idle != null && !IDLE.contains(idle))
        {
            throw usage("--idle must be spin, yield, backoff or park, not '" + idle + "'");
        }
        if (cmPort < 1 || cmPort > 65535)
        {
            throw usage("-p must be a port between 1 and 65535, not " + cmPort);
        }
        final int depth = !test.isBandwidth() ? 1 : txDepth != null ? txDepth : test.defaultTxDepth();
        final String shapeProblem = PerfConfig.shapeProblem(test, qps, depth, Collections.max(sizes));
        if (shapeProblem != null)
        {
            throw usage(shapeProblem);
        }
        if (qpTimeout != null && (qpTimeout < 1 || qpTimeout > 31))
        {
            throw usage("-u must be between 1 and 31, not " + qpTimeout);
        }
        return new PerfConfig(test, sizes, iters != null ? iters : test.defaultIters(),
            duration != null ? duration : 0, qps, depth, mtu, reportGbits, atomicOp, cmPort, warmUp,
            cqOptions(test, depth), qpTimeout != null ? qpTimeout : 0);
    }

    /** -e, --cq-mod and the moderation flags, checked against each other and the test. */
    private CqOptions cqOptions(final PerfTest test, final int depth)
    {
        if (cqMod != null)
        {
            if (!test.isBandwidth())
            {
                throw usage("--cq-mod applies to bandwidth tests; latency tests ask for every completion");
            }
            if (cqMod < 1 || cqMod > depth)
            {
                throw usage("--cq-mod must be between 1 and the TX depth " + depth + ", not " + cqMod);
            }
        }
        final boolean fixed = moderUsecs != null || moderFrames != null;
        if ((fixed || adaptive) && !useEvent)
        {
            throw usage((adaptive ? "--adaptive" : moderUsecs != null ? "--moder-usecs" : "--moder-frames") +
                " moderates CQ events: it needs -e");
        }
        if (fixed && adaptive)
        {
            throw usage("--adaptive picks the moderation itself; drop --moder-usecs/--moder-frames");
        }
        if (fixed && (moderUsecs == null || moderFrames == null))
        {
            throw usage("--moder-usecs and --moder-frames go together (an event fires at whichever comes first)");
        }
        if (moderUsecs != null && (moderUsecs < 0 || moderUsecs > 1_000_000))
        {
            throw usage("--moder-usecs must be between 0 and 1000000, not " + moderUsecs);
        }
        if (moderFrames != null && (moderFrames < 0 || moderFrames > 65535))
        {
            throw usage("--moder-frames must be between 0 and 65535, not " + moderFrames);
        }
        if (useEvent && threading == ThreadingMode.INVOKER)
        {
            throw usage("-e sleeps on CQ events, but with --threading INVOKER the engine runs on this thread when " +
                "it polls: use SHARED or DEDICATED");
        }
        final CqModeration moderation = adaptive ? CqModeration.adaptive() : fixed ?
            moderUsecs == 0 || moderFrames <= 1 ? CqModeration.NONE : CqModeration.fixed(moderUsecs, moderFrames) :
            null;
        return new CqOptions(useEvent, cqMod != null ? cqMod : 0, moderation);
    }

    /** This side's engine addresses (with --loopback: the server's, then the client's). */
    List<String> addresses()
    {
        if (serverAddress != null && !Ipv4.isValid(serverAddress))
        {
            throw usage("SERVER_ADDR must be an IPv4 address like 127.0.0.2, not '" + serverAddress + "'");
        }
        if (ports != null)
        {
            for (final String p : ports)
            {
                if (!Ipv4.isValid(p))
                {
                    throw usage("--port must be an IPv4 address like 127.0.0.3, not '" + p + "'");
                }
            }
        }
        if (loopback)
        {
            if (serverAddress != null)
            {
                throw usage("--loopback runs both sides in this process; drop SERVER_ADDR " + serverAddress);
            }
            if (ports != null && ports.size() > 2)
            {
                throw usage("--loopback takes at most two --port addresses: the server's, then the client's");
            }
            final List<String> both = ports == null ? List.of(LOOPBACK_SERVER, LOOPBACK_CLIENT) : ports;
            if (both.size() == 2 && both.get(0).equals(both.get(1)))
            {
                throw usage("server and client need distinct addresses, both are " + both.getFirst());
            }
            return both;
        }
        final List<String> mine = ports == null ? List.of(DEFAULT_PORT) : ports;
        if (serverAddress != null && mine.contains(serverAddress))
        {
            throw usage("the client's --port must differ from SERVER_ADDR " + serverAddress +
                " (on one host use e.g. --port 127.0.0.3 with a server on 127.0.0.2)");
        }
        return mine;
    }

    private CommandLine.ParameterException usage(final String message)
    {
        return new CommandLine.ParameterException(spec.commandLine(), message);
    }
}
