package io.softnic.tools;

import io.softnic.engine.ThreadingMode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

@Timeout(20)
class EngineConfigTest
{
    @Test
    void readsAConfigFileAndFlagsOverrideIt(@TempDir final Path tmp) throws Exception
    {
        final Path file = Files.writeString(tmp.resolve("engine.conf"), """
            # an engine for the tests
            dir = %s
            port = 127.0.0.60, 127.0.0.61
            threading = dedicated
            idle=park
            max-vnics = 4
            max-memory = 2G

            max-qps = 100
            """.formatted(tmp.resolve("e")));
        final EngineConfig cfg = new EngineConfig().load(file);
        assertEquals(tmp.resolve("e"), cfg.dir);
        assertEquals(List.of("127.0.0.60", "127.0.0.61"), cfg.ports);
        assertEquals(ThreadingMode.DEDICATED, cfg.threading);
        assertEquals("park", cfg.idle);
        assertEquals(4, cfg.maxVnics);
        assertEquals(2L << 30, cfg.maxMemory);
        assertEquals(100, cfg.maxQps);
    }

    @Test
    void flagsOverrideTheFile(@TempDir final Path tmp) throws Exception
    {
        final Path file = Files.writeString(tmp.resolve("engine.conf"), "max-qps = 100\nport = 127.0.0.60\n");
        final picocli.CommandLine cli = SoftnicCli.commandLine(System.out, System.err);
        final picocli.CommandLine engine = cli.getSubcommands().get("engine");
        cli.parseArgs("engine", "--config", file.toString(), "--max-qps", "200", "--port", "127.0.0.62");
        final EngineConfig cfg = ((EngineCommand)engine.getCommand()).config();
        assertEquals(200, cfg.maxQps);
        assertEquals(List.of("127.0.0.62"), cfg.ports);
    }

    @Test
    void unknownKeysBadValuesAndBadLinesAreUsageErrors(@TempDir final Path tmp) throws Exception
    {
        final Object[][] cases = {
            {"max-qp = 10\n", "line 1: unknown key 'max-qp'"},
            {"# fine\nmax-qps = lots\n", "line 2: max-qps: 'lots' is not a number"},
            {"max-qps = 0\n", "max-qps: 0 out of range 1..1048576"},
            {"threading = sometimes\n", "threading: 'sometimes' is not one of DEDICATED, SHARED, INVOKER"},
            {"port = 127.0.0.300\n", "port: '127.0.0.300' is not an IPv4 address"},
            {"max-memory = 12Q\n", "max-memory: '12Q' is not a byte count"},
            {"just a line\n", "line 1: expected key=value"},
            {"idle = spin\nidle = park\n", "line 2: key 'idle' given twice"},
        };
        int i = 0;
        for (final Object[] c : cases)
        {
            final Path file = Files.writeString(tmp.resolve("bad" + i++ + ".conf"), (String)c[0]);
            final CliRun run = CliRun.of("engine", "--config", file.toString(), "--dir", tmp.resolve("d").toString());
            assertEquals(SoftnicCli.EXIT_USAGE, run.exitCode(), run::toString);
            assertTrue(run.err().contains((String)c[1]), () -> c[1] + " in " + run);
            assertFalse(Files.exists(tmp.resolve("d")), "nothing started");
        }
        final CliRun missing = CliRun.of("engine", "--config", tmp.resolve("nope.conf").toString());
        assertEquals(SoftnicCli.EXIT_USAGE, missing.exitCode(), missing::toString);
        assertTrue(missing.err().contains("cannot read config file"), missing::toString);

        final CliRun flag = CliRun.of("engine", "--max-vnics", "1000", "--dir", tmp.resolve("d").toString());
        assertEquals(SoftnicCli.EXIT_USAGE, flag.exitCode(), flag::toString);
        assertTrue(flag.err().contains("max-vnics: 1000 out of range 1..128"), flag::toString);
        assertThrows(IllegalArgumentException.class, () -> EngineConfig.bytes("b", "-1", 1, 10));
        assertEquals(64L << 10, EngineConfig.bytes("b", "64k", 1, Long.MAX_VALUE));
    }
}
