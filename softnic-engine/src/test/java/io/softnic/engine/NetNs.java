package io.softnic.engine;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;

/**
 * Network namespaces for tests that need a real link to cut: created and removed with {@code ip}, entered by one
 * thread at a time with setns(2) through the FFM linker. Sockets keep the namespace of the thread that opened them,
 * so an engine launched inside {@link #inside} lives there while the rest of the JVM stays in its own.
 */
final class NetNs
{
    private static final int O_RDONLY = 0;
    private static final int CLONE_NEWNET = 0x40000000;
    private static final Linker LINKER = Linker.nativeLinker();
    private static final MethodHandle OPEN = LINKER.downcallHandle(LINKER.defaultLookup().find("open").orElseThrow(),
        FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT));
    private static final MethodHandle SETNS = LINKER.downcallHandle(
        LINKER.defaultLookup().find("setns").orElseThrow(), FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT));
    private static final MethodHandle CLOSE = LINKER.downcallHandle(
        LINKER.defaultLookup().find("close").orElseThrow(), FunctionDescriptor.of(JAVA_INT, JAVA_INT));

    private NetNs()
    {
    }

    /** Why namespaces cannot be used here, or null when they can. */
    static String unavailableBecause()
    {
        if (!System.getProperty("os.name", "").toLowerCase().startsWith("linux"))
        {
            return "network namespaces need Linux";
        }
        if (!"root".equals(System.getProperty("user.name")))
        {
            return "creating network namespaces needs root";
        }
        if (!has("ip"))
        {
            return "the ip command (iproute2) is not installed";
        }
        return null;
    }

    static boolean has(final String command)
    {
        for (final String dir : System.getenv().getOrDefault("PATH", "/usr/sbin:/usr/bin:/sbin:/bin").split(":"))
        {
            if (Files.isExecutable(Path.of(dir, command)))
            {
                return true;
            }
        }
        return Files.isExecutable(Path.of("/usr/sbin", command)) || Files.isExecutable(Path.of("/sbin", command));
    }

    /** Runs a command and fails with its output unless it succeeds. */
    static void run(final String... command)
    {
        try
        {
            final Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
            final String output = new String(p.getInputStream().readAllBytes());
            if (!p.waitFor(10, TimeUnit.SECONDS) || p.exitValue() != 0)
            {
                throw new IllegalStateException(String.join(" ", command) + " failed: " + output);
            }
        }
        catch (final java.io.IOException ex)
        {
            throw new IllegalStateException(String.join(" ", command) + " could not run", ex);
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", ex);
        }
    }

    /** Runs a command and ignores how it ends (clean-up). */
    static void runQuietly(final String... command)
    {
        try
        {
            run(command);
        }
        catch (final IllegalStateException ignore)
        {
            // already gone
        }
    }

    /** Calls {@code action} on a fresh thread that has entered namespace {@code name}. */
    static <T> T inside(final String name, final Supplier<T> action)
    {
        final CompletableFuture<T> result = new CompletableFuture<>();
        final Thread t = new Thread(() ->
        {
            try
            {
                enter(name);
                result.complete(action.get());
            }
            catch (final Throwable ex)
            {
                result.completeExceptionally(ex);
            }
        }, "netns-" + name);
        t.start();
        try
        {
            return result.get(30, TimeUnit.SECONDS);
        }
        catch (final ExecutionException ex)
        {
            throw ex.getCause() instanceof RuntimeException r ? r : new IllegalStateException(ex.getCause());
        }
        catch (final Exception ex)
        {
            throw new IllegalStateException("entering namespace " + name, ex);
        }
    }

    private static void enter(final String name) throws Throwable
    {
        try (Arena arena = Arena.ofConfined())
        {
            final int fd = (int)OPEN.invokeExact(arena.allocateFrom("/var/run/netns/" + name), O_RDONLY);
            if (fd < 0)
            {
                throw new IllegalStateException("cannot open namespace " + name);
            }
            final int rc = (int)SETNS.invokeExact(fd, CLONE_NEWNET);
            final int closed = (int)CLOSE.invokeExact(fd);
            if (rc != 0 || closed != 0)
            {
                throw new IllegalStateException("setns into " + name + " failed");
            }
        }
    }
}
