package io.softnic.tools;

import io.softnic.engine.EngineContext;
import io.softnic.engine.SoftnicEngine;
import io.softnic.engine.ThreadingMode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

@Timeout(30)
class PortCommandTest
{
    private static SoftnicEngine engine(final Path dir, final String name, final String... addresses)
    {
        final EngineContext ctx = new EngineContext().name(name).threadingMode(ThreadingMode.SHARED)
            .countersFile(dir.resolve(name + ".counters"));
        for (final String a : addresses)
        {
            ctx.port(a);
        }
        return SoftnicEngine.launch(ctx);
    }

    @Test
    void takesAPortOfARunningEngineDownAndBackUp(@TempDir final Path dir)
    {
        try (SoftnicEngine e = engine(dir, "eng-p", "127.0.0.12", "127.0.0.13"))
        {
            final CliRun down = CliRun.of("port", "down", "2", "--engine-dir", dir.toString());
            assertEquals(0, down.exitCode(), down::toString);
            assertTrue(down.out().contains("port 2 of engine eng-p is down"), down::toString);
            assertFalse(e.port(1).isUp());
            assertTrue(e.port(0).isUp());

            final CliRun up = CliRun.of("port", "up", "2", "--engine", "eng-p", "--engine-dir", dir.toString());
            assertEquals(0, up.exitCode(), up::toString);
            assertTrue(e.port(1).isUp());

            final CliRun none = CliRun.of("port", "down", "3", "--engine-dir", dir.toString());
            assertEquals(SoftnicCli.EXIT_USAGE, none.exitCode(), none::toString);
            assertTrue(none.err().contains("has no port 3 (it has 2)"), none::toString);
        }
    }

    @Test
    void reachesADaemonByItsDirectory(@TempDir final Path dir)
    {
        final Path daemonDir = dir.resolve("engine");
        try (SoftnicEngine e = engine(daemonDir, "eng-d", "127.0.0.16", "127.0.0.17"))
        {
            final CliRun down = CliRun.of("port", "down", "1", "--engine", daemonDir.toString());
            assertEquals(0, down.exitCode(), down::toString);
            assertFalse(e.port(0).isUp());
            final CliRun up = CliRun.of("port", "up", "1", "--engine", "eng-d", "--engine-dir", daemonDir.toString());
            assertEquals(0, up.exitCode(), up::toString);
            assertTrue(e.port(0).isUp());
        }
    }

    @Test
    void saysWhichEngineWhenSeveralRunAndWhenNoneDoes(@TempDir final Path dir)
    {
        final CliRun nothing = CliRun.of("port", "down", "1", "--engine-dir", dir.toString());
        assertEquals(SoftnicCli.EXIT_FAILED, nothing.exitCode(), nothing::toString);
        assertTrue(nothing.err().contains("no engine is running"), nothing::toString);
        try (SoftnicEngine a = engine(dir, "eng-x", "127.0.0.14");
             SoftnicEngine b = engine(dir, "eng-y", "127.0.0.15"))
        {
            final CliRun which = CliRun.of("port", "down", "1", "--engine-dir", dir.toString());
            assertEquals(SoftnicCli.EXIT_FAILED, which.exitCode(), which::toString);
            assertTrue(which.err().contains("2 engines are running; name one with --engine: eng-x, eng-y"),
                which::toString);
            assertTrue(a.port(0).isUp() && b.port(0).isUp());

            final CliRun unknown = CliRun.of("port", "down", "1", "--engine", "eng-z", "--engine-dir",
                dir.toString());
            assertEquals(SoftnicCli.EXIT_FAILED, unknown.exitCode(), unknown::toString);
            assertTrue(unknown.err().contains("no running engine named eng-z"), unknown::toString);
        }
        final CliRun bad = CliRun.of("port", "sideways", "1", "--engine-dir", dir.toString());
        assertEquals(SoftnicCli.EXIT_USAGE, bad.exitCode(), bad::toString);
    }
}
