package io.softnic.tools;

import io.softnic.hostif.VnicMessages;
import io.softnic.tenant.Softnic;
import io.softnic.verbs.IbvContext;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 3, item 8: {@code softnic perf --engine DIR --vnic NAME} runs as a tenant of a running engine (server in a
 * JVM of its own, client in this one, both tenants of one engine: the traffic goes through its internal loopback,
 * every byte checked as always), its errors, and {@code softnic stat} with a section per vNIC.
 */
class TenantPerfTest
{
    private static final String ADDR = "127.0.0.90";

    private static EngineDaemon daemon(final Path tmp, final String addr, final String... vnics)
    {
        final EngineConfig cfg = new EngineConfig().set("dir", tmp.resolve("engine").toString()).set("port", addr)
            .set("comp-vectors", "1").set("tenant-timeout", "3000");
        final EngineDaemon d = EngineDaemon.start(cfg);
        for (final String v : vnics)
        {
            d.vnics().create(v, new VnicMessages.Quota(16, 16, 16, 256L << 20, 1));
        }
        return d;
    }

    @Test
    @Tag("slow")
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void writeBwAndWriteLatBetweenTwoTenantsOfOneEngine(@TempDir final Path tmp) throws Exception
    {
        try (EngineDaemon d = daemon(tmp, ADDR, "srv", "cli"))
        {
            final String dir = d.dir().toString();
            int cmPort = 18600;
            for (final String[] run : List.of(new String[] {"write_bw", "-n", "3000"},
                new String[] {"write_lat", "-n", "300"}))
            {
                final String p = Integer.toString(cmPort++);
                final Process server = spawnPerf(run[0], "-s", "64", run[1], run[2], "-p", p, "--engine", dir,
                    "--vnic", "srv");
                final BlockingQueue<String> lines = lines(server);
                try
                {
                    final List<String> said = new ArrayList<>();
                    final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
                    String l;
                    do
                    {
                        l = lines.poll(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
                        assertNotNull(l, "the server waits for its client: " + said);
                        assertTrue(!l.equals("EOF"), "the server exited: " + said);
                        said.add(l);
                    }
                    while (!l.contains("Waiting for client"));

                    final CliRun client = CliRun.of("perf", run[0], "-s", "64", run[1], run[2], "-p", p, "--engine",
                        dir, "--vnic", "cli", ADDR);
                    assertEquals(0, client.exitCode(), client::toString);
                    assertTrue(client.out().lines().anyMatch(x -> x.strip().startsWith("64 ")), client::toString);
                    assertTrue(client.out().contains("Device         : softnic:cli"), client::toString);
                    assertTrue(client.out().contains("Counters of client vNIC cli of the engine at " + dir),
                        client::toString);
                    assertTrue(server.waitFor(30, TimeUnit.SECONDS), "the server finishes");
                    assertEquals(0, server.exitValue(), () -> String.join("\n", drain(lines, said)));
                    final String serverOut = String.join("\n", drain(lines, said));
                    assertTrue(serverOut.contains("Counters of server vNIC srv"), serverOut);
                }
                finally
                {
                    server.destroyForcibly();
                }
            }
            // the traffic stayed inside the engine and went through the vNICs' rings
            final CliRun stat = CliRun.of("stat", "--engine", dir);
            assertEquals(0, stat.exitCode(), stat::toString);
            assertTrue(stat.out().lines().anyMatch(x -> x.contains("loopback_packets:")), stat::toString);
            assertTrue(stat.out().contains("  vNIC cli:\n") && stat.out().contains("  vNIC srv:\n"), stat::toString);
        }
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void saysWhatIsWrongWithTheEngineOrTheVnic(@TempDir final Path tmp)
    {
        final CliRun none = CliRun.of("perf", "write_bw", "--engine", tmp.resolve("nope").toString(), "--vnic", "a");
        assertEquals(SoftnicCli.EXIT_FAILED, none.exitCode(), none::toString);
        assertTrue(none.err().contains("no engine is running at"), none::toString);

        try (EngineDaemon d = daemon(tmp, "127.0.0.91", "a"))
        {
            final String dir = d.dir().toString();
            final CliRun missing = CliRun.of("perf", "write_bw", "--engine", dir, "--vnic", "zz", ADDR);
            assertEquals(SoftnicCli.EXIT_FAILED, missing.exitCode(), missing::toString);
            assertTrue(missing.err().contains("no vNIC named zz"), missing::toString);

            try (IbvContext holder = Softnic.attach(d.dir(), "a"))
            {
                final CliRun busy = CliRun.of("perf", "write_bw", "--engine", dir, "--vnic", "a");
                assertEquals(SoftnicCli.EXIT_FAILED, busy.exitCode(), busy::toString);
                assertTrue(busy.err().contains("cannot attach to vNIC 'a'") && busy.err().contains("attached by pid"),
                    busy::toString);
            }

            final CliRun loop = CliRun.of("perf", "write_bw", "--engine", dir, "--vnic", "a", "--loopback");
            assertEquals(SoftnicCli.EXIT_USAGE, loop.exitCode(), loop::toString);
            final CliRun port = CliRun.of("perf", "write_bw", "--vnic", "a", "--port", "127.0.0.92", ADDR);
            assertEquals(SoftnicCli.EXIT_USAGE, port.exitCode(), port::toString);
            assertTrue(port.err().contains("--port configures an engine of perf's own"), port::toString);
            final CliRun noVnic = CliRun.of("perf", "write_bw", "--engine", dir);
            assertEquals(SoftnicCli.EXIT_USAGE, noVnic.exitCode(), noVnic::toString);
        }
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void statShowsEachVnicUnderItsOwnHeading(@TempDir final Path tmp)
    {
        try (EngineDaemon d = daemon(tmp, "127.0.0.93", "a", "b"))
        {
            try (IbvContext a = Softnic.attach(d.dir(), "a"))
            {
                a.allocPd().close();
                final CliRun stat = CliRun.of("stat", "--engine", d.dir().toString());
                assertEquals(0, stat.exitCode(), stat::toString);
                final List<String> lines = stat.out().lines().toList();
                final int engine = indexOf(lines, "NIC statistics of engine engine (pid ");
                final int va = lines.indexOf("  vNIC a:");
                final int vb = lines.indexOf("  vNIC b:");
                assertTrue(engine >= 0 && va > engine && vb > va, stat::toString);
                assertTrue(lines.get(va + 1).strip().startsWith("control_ops:"), stat::toString);
                assertEquals("(all zero)", lines.get(vb + 1).strip(), stat::toString);
                assertTrue(stat.out().lines().noneMatch(x -> x.contains("vnic_a_")), stat::toString);

                // the default view (every engine under the counters directory) groups them the same way
                final CliRun all = CliRun.of("stat", "--engine-dir", tmp.resolve("engine").toString());
                assertEquals(0, all.exitCode(), all::toString);
                assertTrue(all.out().contains("  vNIC a:\n") && all.out().contains("  vNIC b:\n"), all::toString);
            }
        }
        final CliRun gone = CliRun.of("stat", "--engine", tmp.resolve("engine").toString());
        assertEquals(SoftnicCli.EXIT_FAILED, gone.exitCode(), gone::toString);
        assertTrue(gone.err().contains("no engine is running at"), gone::toString);
    }

    private static int indexOf(final List<String> lines, final String prefix)
    {
        for (int i = 0; i < lines.size(); i++)
        {
            if (lines.get(i).startsWith(prefix))
            {
                return i;
            }
        }
        return -1;
    }

    private static Process spawnPerf(final String... args) throws Exception
    {
        final String javaBin = ProcessHandle.current().info().command().orElse(
            Path.of(System.getProperty("java.home"), "bin", "java").toString());
        final List<String> cmd = new ArrayList<>(List.of(javaBin, "--enable-native-access=ALL-UNNAMED", "-Xmx256m",
            "-cp", System.getProperty("java.class.path"), SoftnicCli.class.getName(), "perf"));
        cmd.addAll(List.of(args));
        return new ProcessBuilder(cmd).redirectErrorStream(true).start();
    }

    private static BlockingQueue<String> lines(final Process p)
    {
        final BlockingQueue<String> q = new LinkedBlockingQueue<>();
        Thread.ofPlatform().daemon().start(() ->
        {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(),
                StandardCharsets.UTF_8)))
            {
                String l;
                while ((l = r.readLine()) != null)
                {
                    q.add(l);
                }
            }
            catch (final java.io.IOException ignore)
            {
                // gone
            }
            q.add("EOF");
        });
        return q;
    }

    private static List<String> drain(final BlockingQueue<String> q, final List<String> into)
    {
        String l;
        try
        {
            while ((l = q.poll(2, TimeUnit.SECONDS)) != null && !l.equals("EOF"))
            {
                into.add(l);
            }
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
        }
        return into;
    }
}
