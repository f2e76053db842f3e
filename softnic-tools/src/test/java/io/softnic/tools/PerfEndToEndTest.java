package io.softnic.tools;

import io.softnic.tools.perf.PerfReport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

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
