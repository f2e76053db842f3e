package io.softnic.tools;

import io.softnic.tools.perf.RoundObserver;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * What the context cache and the look-ahead scheduler (seed 4) and the bus (seed 3) of perf's own engines did in
 * each measured round, from their counters: work requests, context loads and loads per work request, the cache's
 * hit rate, work requests per look-ahead batch and bus turns. The client's engine runs the work requests; the
 * server's receives them (its loads are the responder's).
 */
final class ContextReport implements RoundObserver
{
    private static final String[] COUNTERS = {"wqe_fetched", "context_loads", "context_accesses", "context_hits",
        "lookahead_batches", "lookahead_work_requests", "bus_turns"};

    private final List<LocalEngine> engines;
    private final List<String> roles;
    private final List<String> rows = new ArrayList<>();
    private final List<Map<String, Long>> before = new ArrayList<>();

    /** @param engines the client's engine first, then the server's when it runs in this process */
    ContextReport(final List<LocalEngine> engines, final List<String> roles)
    {
        this.engines = engines;
        this.roles = roles;
    }

    @Override
    public void started(final int size)
    {
        before.clear();
        for (final LocalEngine e : engines)
        {
            before.add(e.counters());
        }
    }

    @Override
    public void finished(final int size)
    {
        long requests = 0;
        for (int i = 0; i < engines.size(); i++)
        {
            final LocalEngine e = engines.get(i);
            final Map<String, Long> now = e.counters();
            final long[] d = new long[COUNTERS.length];
            for (int k = 0; k < COUNTERS.length; k++)
            {
                d[k] = now.getOrDefault(COUNTERS[k], 0L) - before.get(i).getOrDefault(COUNTERS[k], 0L);
            }
            if (i == 0)
            {
                requests = d[0]; // the client's work requests are the ones the server receives
            }
            rows.add(String.format(Locale.ROOT, " %-7d %-7s %7d %8d %14d %14d %10.4f %9.2f%% %10s %11d", size,
                roles.get(i), e.engine().context().contextCacheSize(), e.engine().context().lookaheadWindow(),
                requests, d[1], requests == 0 ? 0.0 : (double)d[1] / requests,
                d[2] == 0 ? 100.0 : 100.0 * d[3] / d[2],
                d[4] == 0 ? "-" : String.format(Locale.ROOT, "%.2f", (double)d[5] / d[4]), d[6]));
        }
    }

    @Override
    public void report(final PrintStream out)
    {
        if (rows.isEmpty())
        {
            return;
        }
        out.println(" #bytes  side     lines        W  work requests  context loads  loads/WR  hit rate   WRs/batch" +
            "   bus turns");
        rows.forEach(out::println);
        out.println(" context loads per work request: loads of QP contexts into the engine's context cache (both " +
            "pipelines) per work request of the round; W: the look-ahead window.");
        out.println("---------------------------------------------------------------------------------------");
    }
}
