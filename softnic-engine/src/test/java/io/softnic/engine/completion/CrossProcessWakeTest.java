package io.softnic.engine.completion;

import io.softnic.engine.counters.EngineCounters;
import io.softnic.hostif.Eqe;
import io.softnic.hostif.EventRing;
import io.softnic.hostif.Futex;
import io.softnic.verbs.CqModeration;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * A handler in this JVM sleeps on the futex word of an EQ in a shared mapped file; the device side, an
 * {@link EventQueue} in a child JVM over the same file, posts an event and wakes it across the process boundary.
 */
@Tag("slow")
class CrossProcessWakeTest
{
    private static final int CAPACITY = 16;
    private static final long SLEEP_NANOS = TimeUnit.SECONDS.toNanos(20);

    static MemorySegment map(final Path file, final Arena arena) throws IOException
    {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE,
            StandardOpenOption.CREATE))
        {
            return ch.map(FileChannel.MapMode.READ_WRITE, 0, EventRing.bytesFor(CAPACITY), arena);
        }
    }

    /** The child: the device's side. Waits for the handler to sleep, then posts one event and exits. */
    public static void main(final String[] args) throws Exception
    {
        try (Arena arena = Arena.ofShared(); EngineCounters counters = EngineCounters.create(null))
        {
            final EventRing ring = new EventRing(map(Path.of(args[0]), arena), CAPACITY);
            final EventQueue eq = new EventQueue(0, ring, counters, EventQueue.VectorCounters.NONE, CqModeration.NONE);
            final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (ring.wakeWord() != EventRing.SLEEPING && System.nanoTime() < deadline)
            {
                Thread.sleep(1);
            }
            Thread.sleep(100); // let the handler get into the futex wait itself
            eq.post(42, 77, 5);
            System.out.println("posted wakes=" + eq.wakes());
        }
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void aHandlerSleepingOnTheFutexIsWokenByAnotherProcess(@TempDir final Path tmp) throws Exception
    {
        assumeTrue(Futex.available(), "needs Linux futex");
        final Path dir = Files.isDirectory(Path.of("/dev/shm")) && Files.isWritable(Path.of("/dev/shm")) ?
            Path.of("/dev/shm") : tmp;
        final Path file = Files.createTempFile(dir, "softnic-eq-", ".shm");
        try (Arena arena = Arena.ofShared())
        {
            final EventRing ring = new EventRing(map(file, arena), CAPACITY);
            final String java = ProcessHandle.current().info().command().orElse(
                Path.of(System.getProperty("java.home"), "bin", "java").toString());
            final Process child = new ProcessBuilder(java, "--enable-native-access=ALL-UNNAMED",
                "-cp", System.getProperty("java.class.path"), CrossProcessWakeTest.class.getName(), file.toString())
                .redirectErrorStream(true)
                .start();
            try
            {
                final Futex futex = new Futex();
                final long start = System.nanoTime();
                int sleeps = 0;
                while (!ring.available(0) && System.nanoTime() - start < SLEEP_NANOS)
                {
                    ring.sleeping();
                    if (!ring.available(0))
                    {
                        futex.await(ring.region(), EventRing.WAKE_OFFSET, EventRing.SLEEPING, SLEEP_NANOS);
                        sleeps++;
                    }
                    ring.awake();
                }
                final long waited = System.nanoTime() - start;
                assertTrue(ring.available(0), "the child's event arrived");
                assertTrue(waited < SLEEP_NANOS / 2, "woken, not timed out: " + waited / 1_000_000 + " ms");
                assertTrue(sleeps >= 1, "the handler really slept");
                assertEquals(42, Eqe.cqn(ring.region(), ring.entryOffset(0)));
                assertEquals(77, Eqe.qpn(ring.region(), ring.entryOffset(0)));
                assertEquals(5, Eqe.count(ring.region(), ring.entryOffset(0)));
                assertTrue(child.waitFor(30, TimeUnit.SECONDS), "child exits");
                final String out = new String(child.getInputStream().readAllBytes());
                assertEquals(0, child.exitValue(), out);
                assertTrue(out.contains("posted wakes=1"), "the child found the handler asleep and woke it: " + out);
                assertEquals(1, ring.counter(EventRing.WAKES_OFFSET));
            }
            finally
            {
                child.destroyForcibly();
                Files.deleteIfExists(file);
            }
        }
    }
}
