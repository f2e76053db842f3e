package io.softnic.tools;

import io.softnic.engine.ThreadingMode;
import io.softnic.tools.perf.PerfConfig;
import io.softnic.tools.perf.PerfReport;
import io.softnic.tools.perf.PerfSession;
import io.softnic.tools.perf.PerfTest;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

import java.io.PrintStream;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * {@code softnic demo}: what a newcomer runs first. Two engines on loopback addresses, a connection through the CM,
 * every RDMA operation once with its data checked, a short bandwidth and latency table from the perf code, the
 * engines' counters, and a clean disconnect. Exits non-zero on the first thing that goes wrong.
 */
@Command(
    name = "demo",
    mixinStandardHelpOptions = true,
    header = "The tour: two engines, a CM connection, every RDMA operation checked, bandwidth and latency.",
    description = {
        "",
        "Two engines on 127.0.0.2 and 127.0.0.3 in this process, connected through the connection manager; " +
            "SEND, SEND_WITH_IMM, RDMA_WRITE, RDMA_WRITE_WITH_IMM, RDMA_READ, ATOMIC_CMP_AND_SWP and " +
            "ATOMIC_FETCH_AND_ADD, each with its data checked; a short write_bw, write_lat and send_lat run; " +
            "the engines' counters. Then two tenant JVMs attached to two vNICs of one engine daemon (on " +
            "--tenant-port) exchange an RDMA WRITE and a SEND through it, with their per-vNIC counters (skipped, " +
            "saying why, where the machine cannot run it). Exits with 1 on the first thing that goes wrong.",
        ""})
public final class DemoCommand implements Callable<Integer>
{
    static final String SERVER = "127.0.0.2";
    static final String CLIENT = "127.0.0.3";
    static final String TENANT_ENGINE = "127.0.0.4";
    private static final String RULE = "=".repeat(100);

    @Spec
    CommandSpec spec;

    @ParentCommand
    SoftnicCli cli;

    @Option(names = "--port", paramLabel = "ADDR",
        description = "The server's, then the client's engine address (default 127.0.0.2, 127.0.0.3).")
    List<String> ports;

    @Option(names = "--tenant-port", paramLabel = "ADDR",
        description = "The address of the engine daemon of the tenant part (default 127.0.0.4).")
    String tenantPort = TENANT_ENGINE;

    @Option(names = "--threading", paramLabel = "MODE",
        description = "Engine threading for both engines: DEDICATED, SHARED (default) or INVOKER.")
    ThreadingMode threading = ThreadingMode.SHARED;

    @Option(names = "--seconds", paramLabel = "S", description = "Seconds per bandwidth measurement (default 1).")
    int seconds = 1;

    @Option(names = "--idle", paramLabel = "STRATEGY",
        description = "How idle engine threads wait: spin, yield, backoff (the engine's default) or park.")
    String idle;

    @Override
    public Integer call()
    {
        if (seconds < 1 || seconds > 60)
        {
            throw new CommandLine.ParameterException(spec.commandLine(),
                "--seconds must be between 1 and 60, not " + seconds);
        }
        if (idle != null && !PerfCommand.IDLE.contains(idle))
        {
            throw new CommandLine.ParameterException(spec.commandLine(),
                "--idle must be spin, yield, backoff or park, not '" + idle + "'");
        }
        final List<String> addresses = ports == null ? List.of(SERVER, CLIENT) : ports;
        if (addresses.size() != 2 || !Ipv4.isValid(addresses.get(0)) || !Ipv4.isValid(addresses.get(1)) ||
            addresses.get(0).equals(addresses.get(1)))
        {
            throw new CommandLine.ParameterException(spec.commandLine(),
                "--port takes two distinct IPv4 addresses: the server's, then the client's");
        }
        if (!Ipv4.isValid(tenantPort) || addresses.contains(tenantPort))
        {
            throw new CommandLine.ParameterException(spec.commandLine(),
                "--tenant-port takes an IPv4 address other than the two --port addresses, not '" + tenantPort + "'");
        }
        final PrintStream out = cli.out();
        final long started = System.nanoTime();
        out.println(RULE);
        out.println(" softnic demo: an RDMA NIC made of software, speaking RoCEv2 over UDP");
        out.println(RULE);
        final String id = Long.toString(ProcessHandle.current().pid());
        final int verified;
        section(out, "1. Two engines (software RDMA NICs), each with a UDP port 4791 on its own address");
        try (LocalEngine server = LocalEngine.launch("demo-server-" + id, threading, idle, List.of(addresses.get(0)));
             LocalEngine client = LocalEngine.launch("demo-client-" + id, threading, idle, List.of(addresses.get(1))))
        {
            out.printf("  server engine %-22s on %s:4791 (%s threading)%n", server.name(), server.address(), threading);
            out.printf("  client engine %-22s on %s:4791 (%s threading)%n", client.name(), client.address(), threading);
            out.println("  counters of both are live in " + LocalEngine.countersDir() + " (try: softnic stat)");
            try (DemoOperations ops = new DemoOperations(out, server, client))
            {
                section(out, "2. Connecting an RC queue pair through the connection manager (REQ, REP, RTU)");
                ops.connect(server.address());
                section(out, "3. Every operation, client to server, 100 times each, data checked where it landed each time");
                ops.runAll();
                performance(out, server, client);
                section(out, "5. Engine counters");
                CounterReport.full(out, server, "server");
                CounterReport.full(out, client, "client");
                out.println("  (qp_errors and completions_wr_flush_err come from the disconnects: as in ibverbs, a");
                out.println("   disconnected QP goes to ERR and flushes the receives still posted)");
                section(out, "6. Disconnecting (DREQ, DREP)");
                ops.disconnect();
                out.println("  disconnected");
                verified = ops.verified();
            }
            catch (final RuntimeException ex)
            {
                return failed(ex, server, client);
            }
        }
        section(out, "7. Two tenant processes on one engine: virtual functions (vNICs) driven through shared " +
            "memory, bypassing the master");
        final boolean tenants;
        try
        {
            tenants = new DemoTenants(out, tenantPort).run();
        }
        catch (final RuntimeException | InterruptedException ex)
        {
            cli.err().println("softnic demo: FAILED: " + SoftnicCli.oneLine(ToolFailure.describe(ex)));
            if (System.getenv("SOFTNIC_DEBUG") != null)
            {
                ex.printStackTrace(cli.err());
            }
            return SoftnicCli.EXIT_FAILED;
        }
        out.println();
        out.println(RULE);
        out.printf(" demo passed: %d kinds of operation and 5 measurements%s, every byte checked, in %.1f s%n",
            verified, tenants ? ", two tenant processes on one engine" : "", (System.nanoTime() - started) / 1e9);
        out.println(" next: softnic perf --help, softnic perf write_bw --loopback -a, softnic stat");
        out.println(RULE);
        return SoftnicCli.EXIT_OK;
    }

    private int failed(final RuntimeException ex, final LocalEngine server, final LocalEngine client)
    {
        cli.err().println("softnic demo: FAILED: " + SoftnicCli.oneLine(ToolFailure.describe(ex)));
        if (System.getenv("SOFTNIC_DEBUG") != null)
        {
            ex.printStackTrace(cli.err());
        }
        CounterReport.full(cli.err(), server, "server");
        CounterReport.full(cli.err(), client, "client");
        return SoftnicCli.EXIT_FAILED;
    }

    private void performance(final PrintStream out, final LocalEngine server, final LocalEngine client)
    {
        section(out, "4a. Bandwidth: write_bw, " + seconds + " s per size, 128 writes in flight");
        final PerfConfig bw = PerfConfig.defaults(PerfTest.WRITE_BW, List.of(4096, 65536, 1 << 20))
            .withDuration(seconds).withCmPort(PerfConfig.DEFAULT_CM_PORT + 1);
        run(out, server, client, bw);
        section(out, "4b. Latency: 64 B ping-pong, one-way latency (half the round trip), in microseconds");
        out.println("  write_lat: each side RDMA-writes into the other's memory and watches its own for the answer");
        run(out, server, client, PerfConfig.defaults(PerfTest.WRITE_LAT, List.of(64)).withIters(2000)
            .withCmPort(PerfConfig.DEFAULT_CM_PORT + 2));
        out.println("  send_lat: SEND and receive in turns");
        run(out, server, client, PerfConfig.defaults(PerfTest.SEND_LAT, List.of(64)).withIters(2000)
            .withCmPort(PerfConfig.DEFAULT_CM_PORT + 3));
    }

    private static void run(final PrintStream out, final LocalEngine server, final LocalEngine client,
        final PerfConfig config)
    {
        out.println(PerfReport.RESULT_LINE);
        PerfSession.loopback(server.ibv(), server.address(), client.ibv(), config, out, false);
    }

    private static void section(final PrintStream out, final String title)
    {
        out.println();
        out.println(title);
    }
}
