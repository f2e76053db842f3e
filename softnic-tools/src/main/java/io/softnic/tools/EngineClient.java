package io.softnic.tools;

import io.softnic.hostif.CommandRing;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * A tool's end of a running engine's command channel ({@code DIR/control}): one request at a time, answered within a
 * timeout; an engine that died or does not answer is a {@link ToolFailure} with a clear message, never a hang.
 */
final class EngineClient implements AutoCloseable
{
    private static final long TIMEOUT_NANOS = TimeUnit.SECONDS.toNanos(5);

    /** An answer: status, its message when it is an error, and a copy of the payload. */
    record Response(int status, String message, MemorySegment payload)
    {
        boolean ok()
        {
            return status == CommandRing.OK;
        }
    }

    private final Path dir;
    private final Arena arena;
    private final CommandRing ring;

    private EngineClient(final Path dir, final Arena arena, final CommandRing ring)
    {
        this.dir = dir;
        this.arena = arena;
        this.ring = ring;
    }

    static EngineClient open(final Path dir)
    {
        final Path control = dir.resolve(EngineDaemon.CONTROL_FILE);
        if (!Files.isRegularFile(control))
        {
            throw new ToolFailure("no engine is running at " + dir + " (no control file; start one with " +
                "'softnic engine --dir " + dir + "')");
        }
        final Arena arena = Arena.ofShared();
        try (FileChannel ch = FileChannel.open(control, StandardOpenOption.READ, StandardOpenOption.WRITE))
        {
            final CommandRing ring = CommandRing.attach(ch.map(FileChannel.MapMode.READ_WRITE, 0, ch.size(), arena));
            if (!alive(ring.enginePid()))
            {
                throw new ToolFailure("the engine at " + dir + " (pid " + ring.enginePid() + ") is not running " +
                    "(stale files)");
            }
            return new EngineClient(dir, arena, ring);
        }
        catch (final IOException | IllegalStateException ex)
        {
            arena.close();
            throw new ToolFailure("cannot open the engine's command channel " + control + ": " +
                ToolFailure.describe(ex), ex);
        }
        catch (final RuntimeException ex)
        {
            arena.close();
            throw ex;
        }
    }

    private static boolean alive(final long pid)
    {
        return pid > 0 && ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
    }

    CommandRing ring()
    {
        return ring;
    }

    /** Sends a request whose payload {@code writer} puts at the given offset of the ring, and waits for the answer. */
    Response call(final int opcode, final int length, final Consumer<Long> writer)
    {
        final long deadline = System.nanoTime() + TIMEOUT_NANOS;
        int slot;
        int spins = 0;
        while ((slot = ring.claim()) < 0)
        {
            pause(deadline, "had no free command slot", ++spins);
        }
        writer.accept(ring.payloadOffset(slot));
        final long correlation = ring.publish(slot, opcode, length);
        spins = 0;
        while (!ring.answered(slot, correlation))
        {
            if (System.nanoTime() - deadline >= 0)
            {
                // withdraw the request if the engine has not taken it; an answer that comes later is reclaimed by it
                if (!ring.casState(slot, CommandRing.REQUEST, CommandRing.FREE) && ring.answered(slot, correlation))
                {
                    break;
                }
                pause(deadline, "did not answer", ++spins);
            }
            pause(deadline, "did not answer", ++spins);
        }
        try
        {
            final int status = ring.status(slot);
            final int n = Math.max(0, Math.min(ring.responseLength(slot), CommandRing.PAYLOAD_CAPACITY));
            final MemorySegment copy = MemorySegment.ofArray(new long[(n + 7) / 8]);
            MemorySegment.copy(ring.region(), ring.payloadOffset(slot), copy, 0, n);
            final String message = status == CommandRing.OK ? "" : ring.getString(ring.payloadOffset(slot), n);
            return new Response(status, message.isEmpty() ? CommandRing.statusName(status) : message, copy);
        }
        finally
        {
            ring.release(slot);
        }
    }

    private void pause(final long deadline, final String what, final int spins)
    {
        final boolean late = System.nanoTime() - deadline >= 0;
        if (late || (spins & 1023) == 0)
        {
            final boolean alive = alive(ring.enginePid());
            if (late || !alive)
            {
                throw new ToolFailure("the engine at " + dir + " (pid " + ring.enginePid() + ") " +
                    (alive ? what + " within " + TimeUnit.NANOSECONDS.toSeconds(TIMEOUT_NANOS) + " s" :
                        "is not running"));
            }
        }
        if (spins > 100)
        {
            java.util.concurrent.locks.LockSupport.parkNanos(20_000);
        }
        else
        {
            Thread.onSpinWait();
        }
    }

    @Override
    public void close()
    {
        arena.close();
    }
}
