package io.softnic.hostif;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;
import java.util.Locale;

/**
 * Pins the calling thread to one CPU with libc's {@code sched_setaffinity(0, ...)} through the FFM linker, as
 * {@link Futex} reaches its system call. Linux only; elsewhere (or where libc lacks the call) {@link #pin} says so.
 * Called once per thread, when it starts: it allocates, which is no concern there.
 */
public final class CpuAffinity
{
    /** A cpu_set_t of 1024 CPUs, glibc's CPU_SETSIZE. */
    private static final int SET_BYTES = 128;
    private static final StructLayout CAPTURE = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO =
        CAPTURE.varHandle(MemoryLayout.PathElement.groupElement("errno"));
    private static final MethodHandle SET_AFFINITY = handle();

    private CpuAffinity()
    {
    }

    private static MethodHandle handle()
    {
        if (!System.getProperty("os.name", "").toLowerCase(Locale.ROOT).contains("linux"))
        {
            return null;
        }
        try
        {
            final Linker linker = Linker.nativeLinker();
            // int sched_setaffinity(pid_t pid, size_t cpusetsize, const cpu_set_t *mask)
            return linker.defaultLookup().find("sched_setaffinity").map(s -> linker.downcallHandle(s,
                FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_LONG,
                    ValueLayout.ADDRESS), Linker.Option.captureCallState("errno"))).orElse(null);
        }
        catch (final RuntimeException ex)
        {
            return null;
        }
    }

    public static boolean available()
    {
        return SET_AFFINITY != null;
    }

    /**
     * Pins the calling thread to {@code cpu}. Returns null on success, else why it failed (the thread then keeps the
     * affinity it had).
     */
    public static String pin(final int cpu)
    {
        if (SET_AFFINITY == null)
        {
            return "sched_setaffinity is not available on this platform (" + System.getProperty("os.name") + ")";
        }
        if (cpu < 0 || cpu >= SET_BYTES * 8)
        {
            return "CPU " + cpu + " is out of range 0.." + (SET_BYTES * 8 - 1);
        }
        try (Arena arena = Arena.ofConfined())
        {
            final MemorySegment mask = arena.allocate(SET_BYTES, 8);
            mask.set(ValueLayout.JAVA_BYTE, cpu / 8, (byte)(1 << (cpu % 8)));
            final MemorySegment state = arena.allocate(CAPTURE);
            final int rc = (int)SET_AFFINITY.invokeExact(state, 0, (long)SET_BYTES, mask);
            if (rc == 0)
            {
                return null;
            }
            final int errno = (int)ERRNO.get(state, 0L);
            return "sched_setaffinity(CPU " + cpu + ") failed: " + describe(errno) + " (errno " + errno + ")";
        }
        catch (final Throwable t)
        {
            return "sched_setaffinity(CPU " + cpu + ") failed: " + t;
        }
    }

    private static String describe(final int errno)
    {
        return switch (errno)
        {
            case 22 -> "the CPU does not exist or is not allowed to this process (EINVAL)";
            case 1 -> "not permitted (EPERM)";
            case 3 -> "no such thread (ESRCH)";
            case 14 -> "bad mask address (EFAULT)";
            default -> "error";
        };
    }
}
