package io.softnic.bench.compare;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintStream;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.Callable;

/**
 * {@code softnic bench compare}: softnic's write_bw and write_lat side by side with Aeron (UDP and IPC), kernel TCP
 * and the raw GSO/GRO UDP ceiling, in one process, one peer after another (never two at once: they would share the
 * cores), and one table at the end. Progress goes to stderr, the table to stdout. Exit 0, 1 if a measurement
 * failed (its cell says so), 2 for bad input.
 */
@Command(
    name = "softnic bench compare",
    mixinStandardHelpOptions = true,
    version = "softnic bench compare 0.1.0-SNAPSHOT",
    sortOptions = false,
    header = "softnic side by side with Aeron, kernel TCP and the GSO/GRO UDP ceiling, on loopback.",
    description = {
        "",
        "Measures write_bw 64 B and 64 KiB (messages and bytes per second, counted where they arrive) and write_lat " +
            "64 B (round trip, median and 99th percentile) for: softnic (softnic perf --loopback, two engines), " +
            "Aeron UDP (a media driver per side), Aeron IPC, Java NIO TCP, and a GSO/GRO UDP blaster (no protocol: " +
            "the ceiling of UDP on this kernel). Devices run in the same threading for all: SHARED (a thread per " +
            "engine or driver) or INVOKER (the application's threads drive them). Ratios are softnic/peer.",
        "",
        "  softnic bench compare",
        "  softnic bench compare --duration 5 --threading INVOKER",
        "  softnic bench compare --only softnic,aeron-udp",
        ""})
public final class CompareCommand implements Callable<Integer>
{
    public static final int EXIT_OK = 0;
    public static final int EXIT_FAILED = 1;
    public static final int EXIT_USAGE = 2;
    private static final double MIN_DURATION = 0.1;
    private static final double MAX_DURATION = 3600;
    private static final double MAX_WARMUP = 600;

    @Spec
    CommandSpec spec;

    @Option(names = {"-D", "--duration"}, paramLabel = "SECONDS",
        description = "Seconds each measurement runs (default 3; softnic's perf rounds last whole seconds, so it " +
            "rounds up).")
    double duration = 3;

    @Option(names = "--warmup", paramLabel = "SECONDS",
        description = "Unmeasured seconds before each measurement (default 1; 0 for none; softnic runs perf's own " +
            "1 s warm-up round unless 0).")
    double warmup = 1;

    @Option(names = "--only", paramLabel = "PEER", split = ",",
        description = "Run only these (comma-separated): softnic, aeron-udp, aeron-ipc, nio-tcp, gso.")
    List<String> only;

    @Option(names = "--threading", paramLabel = "MODE",
        description = "SHARED (default: a thread per softnic engine and Aeron driver) or INVOKER (the application's " +
            "threads drive them).")
    Threading threading = Threading.SHARED;

    private final PrintStream out;
    private final PrintStream err;

    public CompareCommand(final PrintStream out, final PrintStream err)
    {
        this.out = out;
        this.err = err;
    }

    public static void main(final String[] args)
    {
        System.exit(execute(System.out, System.err, args));
    }

    /** Runs the command in this process and returns its exit code. */
    public static int execute(final PrintStream out, final PrintStream err, final String... args)
    {
        final CommandLine cmd = new CommandLine(new CompareCommand(out, err));
        cmd.setOut(new PrintWriter(out, true));
        cmd.setErr(new PrintWriter(err, true));
        cmd.setCaseInsensitiveEnumValuesAllowed(true);
        cmd.setParameterExceptionHandler((ex, a) ->
        {
            // one line, as the rest of the softnic command line does
            err.println("softnic bench compare: " + ex.getMessage() + " (see --help)");
            return EXIT_USAGE;
        });
        cmd.setExecutionExceptionHandler((ex, c, r) ->
        {
            err.println("softnic bench compare: FAILED: " + Workers.describe(ex));
            return EXIT_FAILED;
        });
        final int code = cmd.execute(args);
        out.flush();
        err.flush();
        return code;
    }

    @Override
    public Integer call()
    {
        final Settings settings = settings();
        final List<Peer> peers = peers();
        final Results results = new Results();
        final List<String> notes = new ArrayList<>();
        for (final PeerBench bench : benches(peers))
        {
            for (final Workload w : Workload.values())
            {
                if (!bench.measures(w))
                {
                    continue;
                }
                err.println("compare: " + bench.peer().label() + ", " + w.label() + " ...");
                try
                {
                    results.put(w, bench.peer(), bench.measure(w, settings));
                }
                catch (final Exception | LinkageError ex)
                {
                    final String reason = Workers.describe(ex);
                    err.println("compare: " + bench.peer().label() + ", " + w.label() + " FAILED: " + reason);
                    results.fail(w, bench.peer(), reason);
                    notes.add("FAILED " + bench.peer().label() + " " + w.label() + ": " + reason);
                }
            }
            notes.addAll(bench.notes(settings));
        }
        print(settings, peers, results, notes);
        return results.anyFailed() ? EXIT_FAILED : EXIT_OK;
    }

    private void print(final Settings settings, final List<Peer> peers, final Results results,
        final List<String> notes)
    {
        final boolean micro = out.charset().newEncoder().canEncode('µ');
        out.println();
        out.println("softnic bench compare: " + seconds(settings.duration()) + " s per measurement after " +
            seconds(settings.warmup()) + " s warm-up, " + settings.threading() + " threading, loopback, " +
            Runtime.getRuntime().availableProcessors() + " CPUs");
        out.println();
        for (final String line : CompareTable.render(results, peers))
        {
            out.println(micro ? line : line.replace("µs", "us"));
        }
        out.println();
        out.println("Ratios are softnic/peer: above 1 softnic is ahead in Mmsg/s and MiB/s, below 1 it is ahead in " +
            "round-trip time.");
        out.println("RTT is one 64 B message there and back (perftest's write_lat t_typical is half of it).");
        out.println("Threads: two application threads per peer (sender and receiver, or pinger and ponger)" +
            (settings.threading() == Threading.SHARED ? ", plus one per softnic engine (2) and Aeron media driver " +
                "(2 for UDP, 1 for IPC)" : ", which also run the engines' and drivers' duty cycles (INVOKER)") +
            "; TCP and the blaster leave the rest to the kernel.");
        for (final String note : notes)
        {
            out.println(note);
        }
    }

    private static String seconds(final Duration d)
    {
        final double s = d.toNanos() / 1e9;
        return s == Math.rint(s) ? Long.toString((long)s) : String.format(Locale.ROOT, "%.2f", s);
    }

    Settings settings()
    {
        if (!(duration >= MIN_DURATION && duration <= MAX_DURATION))
        {
            throw usage("--duration must be between " + MIN_DURATION + " and " + (int)MAX_DURATION +
                " seconds, not " + duration);
        }
        if (!(warmup >= 0 && warmup <= MAX_WARMUP))
        {
            throw usage("--warmup must be between 0 and " + (int)MAX_WARMUP + " seconds, not " + warmup);
        }
        return new Settings(Duration.ofNanos(Math.round(duration * 1e9)), Duration.ofNanos(Math.round(warmup * 1e9)),
            threading);
    }

    /** The peers to run, in table order. */
    List<Peer> peers()
    {
        if (only == null)
        {
            return List.of(Peer.values());
        }
        final Set<Peer> chosen = EnumSet.noneOf(Peer.class);
        for (final String name : only)
        {
            final Peer p = Peer.byOption(name);
            if (p == null)
            {
                throw usage("--only takes " + Peer.options() + ", not '" + name + "'");
            }
            chosen.add(p);
        }
        return List.copyOf(chosen);
    }

    private static List<PeerBench> benches(final List<Peer> peers)
    {
        final List<PeerBench> benches = new ArrayList<>();
        for (final Peer p : peers)
        {
            benches.add(switch (p)
            {
                case SOFTNIC -> new SoftnicPeer();
                case SOFTNIC_SAME_ENGINE -> new SameEnginePeer();
                case AERON_UDP -> new AeronPeer(AeronPeer.Transport.UDP);
                case AERON_IPC -> new AeronPeer(AeronPeer.Transport.IPC);
                case NIO_TCP -> new NioTcpPeer();
                case GSO_CEILING -> new GsoCeilingPeer();
            });
        }
        return benches;
    }

    private CommandLine.ParameterException usage(final String message)
    {
        return new CommandLine.ParameterException(spec.commandLine(), message);
    }
}
