package io.softnic.tools;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code softnic engine} as its own process: ready line, a second engine refused, vNICs from here, SIGTERM. */
@Tag("slow")
class EngineProcessTest
{
    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void runsAsADaemonAndSigtermRemovesItsFiles(@TempDir final Path tmp) throws Exception
    {
        final Path dir = tmp.resolve("engine");
        final String java = ProcessHandle.current().info().command().orElse(
            Path.of(System.getProperty("java.home"), "bin", "java").toString());
        final Process engine = new ProcessBuilder(java, "--enable-native-access=ALL-UNNAMED", "-Xmx256m",
            "-cp", System.getProperty("java.class.path"), SoftnicCli.class.getName(),
            "engine", "--dir", dir.toString(), "--port", "127.0.0.66", "--idle", "park")
            .redirectErrorStream(true).start();
        try
        {
            final BufferedReader out = new BufferedReader(new InputStreamReader(engine.getInputStream(),
                StandardCharsets.UTF_8));
            final String ready = CompletableFuture.supplyAsync(() ->
            {
                try
                {
                    String line;
                    while ((line = out.readLine()) != null)
                    {
                        if (line.startsWith("softnic engine ready"))
                        {
                            return line;
                        }
                    }
                    return "(exited)";
                }
                catch (final java.io.IOException ex)
                {
                    return ex.toString();
                }
            }).get(30, TimeUnit.SECONDS);
            assertEquals("softnic engine ready: " + dir + ", ports 127.0.0.66, pid " + engine.pid(), ready);
            assertTrue(Files.exists(dir.resolve("engine.lock")) && Files.exists(dir.resolve("control")) &&
                Files.exists(dir.resolve("engine.counters")));

            final CliRun second = CliRun.of("engine", "--dir", dir.toString(), "--port", "127.0.0.67");
            assertEquals(SoftnicCli.EXIT_FAILED, second.exitCode(), second::toString);
            assertTrue(second.err().contains(dir + " is in use by a running engine (pid " + engine.pid() + ")"),
                second::toString);

            final CliRun create = CliRun.of("vnic", "create", "t1", "--engine", dir.toString(), "--max-qps", "4");
            assertEquals(0, create.exitCode(), create::toString);
            final CliRun list = CliRun.of("vnic", "list", "--engine", dir.toString());
            assertTrue(list.out().lines().anyMatch(l -> l.startsWith("t1 ")), list::toString);

            engine.destroy(); // SIGTERM
            assertTrue(engine.waitFor(20, TimeUnit.SECONDS), "the engine stops on SIGTERM");
            assertFalse(Files.exists(dir), "every file it created is removed, and its directory");

            final CliRun gone = CliRun.of("vnic", "list", "--engine", dir.toString());
            assertEquals(SoftnicCli.EXIT_FAILED, gone.exitCode(), gone::toString);
        }
        finally
        {
            engine.destroyForcibly();
        }
    }
}
