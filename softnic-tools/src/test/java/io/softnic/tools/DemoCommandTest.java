package io.softnic.tools;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The demo end to end: every operation, the tables, the counters, exit 0. */
class DemoCommandTest
{
    @Test
    @Timeout(60)
    void demoPasses()
    {
        final CliRun run = CliRun.of("demo", "--port", "127.0.0.16", "--port", "127.0.0.17",
            "--tenant-port", "127.0.0.94");
        assertEquals(0, run.exitCode(), run::toString);
        for (final String op : new String[] {"SEND ", "SEND_WITH_IMM", "RDMA_WRITE ", "RDMA_WRITE_WITH_IMM",
            "RDMA_READ", "ATOMIC_CMP_AND_SWP", "ATOMIC_FETCH_AND_ADD"})
        {
            assertTrue(run.out().lines().anyMatch(l -> l.startsWith("  [ ok ] " + op)), op + "\n" + run);
        }
        assertTrue(run.out().contains("BW average[MiB/sec]") && run.out().contains("t_typical[usec]"), run::toString);
        assertTrue(run.out().contains("demo passed: 7 kinds of operation"), run::toString);
        // the tenant part: two tenant JVMs on one engine, or a line saying why this machine cannot run it
        final boolean tenants = run.out().contains("two tenant processes on one engine, every byte checked");
        assertTrue(tenants || run.out().contains("  skipped: "), run::toString);
        if (tenants)
        {
            assertTrue(run.out().contains("bob:   received the SEND") && run.out().contains("alice: RDMA_WRITE"),
                run::toString);
            assertTrue(run.out().lines().anyMatch(l -> l.startsWith("    vNIC alice  control_ops=")), run::toString);
        }
    }

    @Test
    @Timeout(10)
    void rejectsBadAddresses()
    {
        final CliRun run = CliRun.of("demo", "--port", "127.0.0.16");
        assertEquals(SoftnicCli.EXIT_USAGE, run.exitCode(), run::toString);
        assertTrue(run.err().startsWith("softnic demo: --port takes two distinct IPv4 addresses"), run::toString);
    }
}
