package io.softnic.tools;

import io.softnic.tools.perf.PerfReport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Both sides of a perf run in this process, through the CLI entry, on the real engine. */
class PerfEndToEndTest
{
    @Test
    @Timeout(30)
    void writeBandwidthOverLoopback()
    {
        final CliRun run = CliRun.of("perf", "write_bw", "--loopback", "-s", "4096", "-n", "200",
            "--port", "127.0.0.12", "--port", "127.0.0.13", "-p", "18601");
        assertEquals(0, run.exitCode(), run::toString);
        assertTrue(run.out().contains(PerfReport.BW_HEADER), run::toString);
        assertTrue(run.out().lines().anyMatch(l -> l.matches(" 4096 +200 +[0-9.]+ +[0-9.]+\\s+[0-9.]+")),
            run::toString);
        assertTrue(run.out().contains("Counters of client engine"), run::toString);
    }

    @Test
    @Timeout(60)
    void manyQpsWithASmallTxDepthConnectPipelinedAndCheckEveryQp()
    {
        final CliRun run = CliRun.of("perf", "write_bw", "--loopback", "-s", "64", "-q", "64", "-t", "4", "-n", "500",
            "--port", "127.0.0.237", "--port", "127.0.0.238", "-p", "18606");
        assertEquals(0, run.exitCode(), run::toString);
        assertTrue(run.out().contains(" Number of qps   : 64 "), run::toString);
        assertTrue(run.out().lines().anyMatch(l -> l.matches(" Setup +: 64 QPs connected in [0-9]+ ms " +
            "\\(CM pipelined, 64 in flight\\); resources [0-9]+ ms; ACK timeout 14 \\(67 ms\\)")), run::toString);
        // iterations per QP, as perftest counts them; the server checked every QP's written slots
        assertTrue(run.out().lines().anyMatch(l -> l.matches(" 64 +500 +[0-9.]+ +[0-9.]+\\s+[0-9.]+")), run::toString);
        assertTrue(run.out().lines().anyMatch(l -> l.matches(" 64 +32000 +[0-9.]+ .*")), run::toString);
    }

    @Test
    @Timeout(60)
    void lookaheadAndASmallContextCacheAreReportedPerRound()
    {
        // 16 QPs posting round robin, 4 cache lines: with W = 1 every request loads a context on the client
        final CliRun off = CliRun.of("perf", "write_bw", "--loopback", "-s", "64", "-q", "16", "-t", "4", "-n", "200",
            "--context-cache", "4", "--lookahead", "1", "--flows", "off", "--port", "127.0.0.239", "--port",
            "127.0.0.240", "-p", "18607");
        assertEquals(0, off.exitCode(), off::toString);
        final double[] w1 = contextRow(off, "client");
        assertEquals(3200, w1[0], off::toString); // work requests of the round
        assertTrue(w1[1] >= 1.0, "loads per work request at W = 1: " + w1[1]);
        assertEquals(1.0, w1[2], 1e-9, "one request per batch at W = 1");
        final CliRun on = CliRun.of("perf", "write_bw", "--loopback", "-s", "64", "-q", "16", "-t", "4", "-n", "200",
            "--context-cache", "4", "--lookahead", "4096", "--port", "127.0.0.239", "--port", "127.0.0.240", "-p",
            "18607");
        assertEquals(0, on.exitCode(), on::toString);
        final double[] wide = contextRow(on, "client");
        assertEquals(3200, wide[0], on::toString);
        assertTrue(wide[1] < w1[1], "look-ahead loads fewer contexts: " + wide[1] + " vs " + w1[1]);
        assertTrue(wide[2] > 1.0, "requests per batch with look-ahead: " + wide[2]);
        assertTrue(contextRow(on, "server")[0] == 3200, on::toString);
    }

    /** The context row of {@code side}: work requests, loads per work request, work requests per batch (0: -). */
    private static double[] contextRow(final CliRun run, final String side)
    {
        final String row = run.out().lines().filter(l -> l.matches(" 64 +" + side + " .*")).findFirst()
            .orElseThrow(() -> new AssertionError("no context row for " + side + ": " + run));
        final String[] f = row.trim().split("\\s+");
        return new double[] {Double.parseDouble(f[4]), Double.parseDouble(f[6]),
            f[8].equals("-") ? 0 : Double.parseDouble(f[8])};
    }

    @Test
    @Timeout(60)
    void writeBandwidthSleepingOnEventsReportsCompletionsPerInterruptAndCpuPerOperation()
    {
        final CliRun run = CliRun.of("perf", "write_bw", "--loopback", "-s", "64", "-n", "3000", "-e",
            "--cq-mod", "1", "--moder-usecs", "64", "--moder-frames", "16",
            "--port", "127.0.0.231", "--port", "127.0.0.232", "-p", "18603");
        assertEquals(0, run.exitCode(), run::toString);
        assertTrue(run.out().contains(" Use event       : ON"), run::toString);
        assertTrue(run.out().contains(" Int. moderation : 64 usecs / 16 frames"), run::toString);
        assertTrue(run.out().contains(" CQ Moderation   : 1"), run::toString);
        assertTrue(run.out().lines().anyMatch(l -> l.matches(" 64 +3000 +[0-9.]+ +[0-9.]+\\s+[0-9.]+")),
            run::toString);
        // below the table: 3000 requests, every one signaled, so 3000 completions, taken on interrupts
        final String cost = costRow(run, "64");
        final String[] f = cost.trim().split("\\s+");
        assertEquals("3000", f[1], cost);
        assertTrue(Double.parseDouble(f[2]) > 0, "CPU usec per operation: " + cost);
        assertTrue(Double.parseDouble(f[3]) > 0, "CPU load: " + cost);
        assertEquals(3000, Long.parseLong(f[4]), cost);
        final long interrupts = Long.parseLong(f[5]);
        assertTrue(interrupts > 0 && interrupts <= 3000, cost);
        assertEquals(3000.0 / interrupts, Double.parseDouble(f[6]), 0.01, cost);
        assertTrue(Long.parseLong(f[7]) > 0, "CQ events taken: " + cost);
    }

    @Test
    @Timeout(60)
    void writeLatencyWithEventsAndAdaptiveModeration()
    {
        final CliRun run = CliRun.of("perf", "write_lat", "--loopback", "-s", "64", "-n", "300", "-e", "--adaptive",
            "--port", "127.0.0.233", "--port", "127.0.0.234", "-p", "18604");
        assertEquals(0, run.exitCode(), run::toString);
        assertTrue(run.out().contains(" Int. moderation : adaptive"), run::toString);
        assertTrue(run.out().lines().anyMatch(l -> l.matches(" 64 +300(\\s+[0-9.]+){7}\\s*")), run::toString);
        final String[] f = costRow(run, "64").trim().split("\\s+");
        assertEquals("300", f[1]);
        assertTrue(Long.parseLong(f[4]) >= 300, "one send completion per exchange at least");
        assertTrue(Long.parseLong(f[7]) > 0, "the exchanges slept on CQ events");
    }

    @Test
    @Timeout(30)
    void pollingReportsCpuPerOperationAndNoInterrupts()
    {
        final CliRun run = CliRun.of("perf", "read_lat", "--loopback", "-n", "200",
            "--port", "127.0.0.235", "--port", "127.0.0.236", "-p", "18605");
        assertEquals(0, run.exitCode(), run::toString);
        assertTrue(run.out().contains(" Use event       : OFF"), run::toString);
        final String[] f = costRow(run, "2").trim().split("\\s+");
        assertEquals("200", f[1]);
        assertEquals("0", f[5], "no interrupts while polling");
        assertEquals("-", f[6]);
    }

    /** The row of the cost table below the results for a message size. */
    private static String costRow(final CliRun run, final String size)
    {
        final List<String> lines = run.out().lines().toList();
        final int header = lines.indexOf(PerfReport.COST_HEADER);
        assertTrue(header >= 0, run::toString);
        final String row = lines.get(header + 1);
        assertTrue(row.startsWith(" " + size + " "), row);
        return row;
    }

    @Test
    @Timeout(30)
    void sendLatencyOverLoopback()
    {
        final CliRun run = CliRun.of("perf", "send_lat", "--loopback", "-n", "100",
            "--port", "127.0.0.14", "--port", "127.0.0.15", "-p", "18602");
        assertEquals(0, run.exitCode(), run::toString);
        assertTrue(run.out().contains(PerfReport.LAT_HEADER), run::toString);
        assertTrue(run.out().lines().anyMatch(l -> l.matches(" 2 +100(\\s+[0-9.]+){7}\\s*")), run::toString);
    }
}
