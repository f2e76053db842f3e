package io.softnic.tools;

import io.softnic.engine.counters.EngineCounters;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

@Timeout(10)
class StatCommandTest
{
    @Test
    void saysSoWhenNoEngineRuns(@TempDir final Path dir)
    {
        final CliRun run = CliRun.of("stat", "--engine-dir", dir.toString());
        assertEquals(SoftnicCli.EXIT_FAILED, run.exitCode(), run::toString);
        assertTrue(run.err().contains("no engine is running"), run::toString);

        final CliRun missing = CliRun.of("stat", "--engine-dir", dir.resolve("nope").toString());
        assertEquals(SoftnicCli.EXIT_FAILED, missing.exitCode(), missing::toString);
        assertTrue(missing.err().contains("no engine is running"), missing::toString);
    }

    @Test
    void printsTheNonZeroCountersOfALiveEngine(@TempDir final Path dir) throws Exception
    {
        try (EngineCounters counters = EngineCounters.create(dir.resolve("eng-a.counters")))
        {
            counters.add(EngineCounters.ACKS_SENT, 42);
            counters.increment(EngineCounters.DOORBELLS);
            Files.writeString(dir.resolve("notes.txt"), "ignored");

            final CliRun run = CliRun.of("stat", "--engine-dir", dir.toString());
            assertEquals(0, run.exitCode(), run::toString);
            assertTrue(run.out().contains("eng-a (pid " + ProcessHandle.current().pid() + ")"), run::toString);
            assertTrue(run.out().lines().anyMatch(l -> l.contains("acks_sent:") && l.strip().endsWith("42")),
                run::toString);
            assertTrue(run.out().contains("doorbells:"), run::toString);
            assertFalse(run.out().contains("acks_received"), run::toString);

            final CliRun file = CliRun.of("stat", dir.resolve("eng-a.counters").toString());
            assertEquals(0, file.exitCode(), file::toString);
            assertTrue(file.out().contains("acks_sent:"), file::toString);
        }
    }

    @Test
    void rejectsWhatIsNotACountersFile(@TempDir final Path dir) throws Exception
    {
        final CliRun missing = CliRun.of("stat", dir.resolve("x.counters").toString());
        assertEquals(SoftnicCli.EXIT_USAGE, missing.exitCode(), missing::toString);
        assertTrue(missing.err().contains("no such counters file"), missing::toString);

        final Path junk = Files.writeString(dir.resolve("junk.counters"), "this is not a counters file at all");
        final CliRun run = CliRun.of("stat", junk.toString());
        assertEquals(SoftnicCli.EXIT_FAILED, run.exitCode(), run::toString);
        assertTrue(run.err().contains("is not a softnic counters file"), run::toString);
    }
}
