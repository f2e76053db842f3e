package io.softnic.bench.compare;

import io.softnic.bench.compare.Measurement.RoundTrip;
import io.softnic.bench.compare.Measurement.Throughput;
import io.softnic.engine.ThreadingMode;
import io.softnic.tools.LocalEngine;
import io.softnic.tools.ToolFailure;
import io.softnic.tools.perf.BandwidthResult;
import io.softnic.tools.perf.LatencyResult;
import io.softnic.tools.perf.PerfClient;
import io.softnic.tools.perf.PerfConfig;
import io.softnic.tools.perf.PerfSession;
import io.softnic.tools.perf.PerfTest;

import java.io.OutputStream;
import java.io.PrintStream;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * softnic itself, measured by {@code softnic perf --loopback}'s own code: two engines in this process on two
 * loopback addresses, RC QPs connected through the CM, write_bw (perftest's defaults: tx depth 128, MTU 4096) and
 * write_lat, every byte moved checked. Fresh engines per workload, as separate perf runs would have.
 */
final class SoftnicPeer implements PeerBench
{
    /**
     * Engines bind UDP 4791 on their address: the pairs tried in turn, away from the 127.0.0.2/.3 that perf and the
     * tests use, so that a softnic running next to this one does not make the measurement fail.
     */
    private static final String SUBNET = "127.77.0.";
    private static final int ADDRESS_PAIRS = 8;
    private static final AtomicInteger RUNS = new AtomicInteger();

    @Override
    public Peer peer()
    {
        return Peer.SOFTNIC;
    }

    @Override
    public List<String> notes(final Settings settings)
    {
        return List.of("softnic: softnic perf --loopback (port I/O AUTO), two engines in " + settings.threading() +
            " threading, " + seconds(settings) + " s rounds" + (settings.warmup().isZero() ? "" :
            " after perf's 1 s warm-up round") + ", every byte checked");
    }

    /** perf's timed rounds last whole seconds. */
    static int seconds(final Settings settings)
    {
        return (int)Math.max(1, Math.ceil(settings.durationNanos() / 1e9));
    }

    @Override
    public Measurement measure(final Workload workload, final Settings settings)
    {
        final PerfTest test = workload.latency() ? PerfTest.WRITE_LAT : PerfTest.WRITE_BW;
        final PerfConfig config = PerfConfig.defaults(test, List.of(workload.size()))
            .withDuration(seconds(settings))
            .withWarmUp(!settings.warmup().isZero());
        final ThreadingMode mode = settings.threading() == Threading.INVOKER ? ThreadingMode.INVOKER :
            ThreadingMode.SHARED;
        ToolFailure lastFailure = null;
        for (int pair = 0; pair < ADDRESS_PAIRS; pair++)
        {
            final LocalEngine server;
            final LocalEngine client;
            final String id = ProcessHandle.current().pid() + "-" + RUNS.incrementAndGet();
            try
            {
                server = LocalEngine.launch("compare-server-" + id, mode, List.of(SUBNET + (2 + 2 * pair)));
            }
            catch (final ToolFailure ex)
            {
                lastFailure = ex;
                continue;
            }
            try
            {
                client = LocalEngine.launch("compare-client-" + id, mode, List.of(SUBNET + (3 + 2 * pair)));
            }
            catch (final ToolFailure ex)
            {
                server.close();
                lastFailure = ex;
                continue;
            }
            return run(server, client, workload, config, test);
        }
        throw lastFailure;
    }

    private static Measurement run(final LocalEngine serverEngine, final LocalEngine clientEngine,
        final Workload workload, final PerfConfig config, final PerfTest test)
    {
        try (LocalEngine server = serverEngine;
             LocalEngine client = clientEngine;
             PrintStream quiet = new PrintStream(OutputStream.nullOutputStream()))
        {
            final PerfClient perf = PerfSession.loopback(server.ibv(), server.address(), client.ibv(), config,
                quiet, false);
            if (workload.latency())
            {
                final LatencyResult r = perf.latencyResults().getFirst();
                // perftest reports half the round trip of write_lat; the table compares whole round trips
                final int f = test.rttFactor();
                return new RoundTrip(r.typicalUs() * f, r.p99Us() * f, r.iterations());
            }
            final BandwidthResult r = perf.bandwidthResults().getFirst();
            return new Throughput(r.msgRateMpps() * 1e6, r.avgBytesPerSec());
        }
    }
}
