package io.softnic.hostif;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.util.Optional;

/**
 * Linux futex wait and wake on a 32-bit word in (possibly shared) memory, through libc's {@code syscall()} and the
 * FFM linker. Not the private variant: the word may live in a file mapped by two processes, and a waiter in one must
 * be woken by a store-and-wake in the other. Where there is no such syscall ({@link #available()} false) callers fall
 * back to parking with a timeout.
 */
public final class Futex
{
    private static final int FUTEX_WAIT = 0;
    private static final int FUTEX_WAKE = 1;
    private static final long SYS_FUTEX = sysFutex();
    private static final MethodHandle SYSCALL = syscallHandle();

    /** A waiter's own timespec, so waiting allocates nothing; one per waiting thread. */
    private final MemorySegment timespec = Arena.ofAuto().allocate(16, 8);

    public static boolean available()
    {
        return SYSCALL != null;
    }

    private static long sysFutex()
    {
        if (!System.getProperty("os.name", "").toLowerCase(java.util.Locale.ROOT).contains("linux"))
        {
            return -1;
        }
        return switch (System.getProperty("os.arch", ""))
        {
            case "amd64", "x86_64" -> 202;
            case "aarch64" -> 98;
            default -> -1;
        };
    }

    private static MethodHandle syscallHandle()
    {
        if (SYS_FUTEX < 0)
        {
            return null;
        }
        try
        {
            final Linker linker = Linker.nativeLinker();
            final Optional<MemorySegment> symbol = linker.defaultLookup().find("syscall");
            // long syscall(long number, ...): every variadic argument passed as a full 64-bit word
            return symbol.map(s -> linker.downcallHandle(s, FunctionDescriptor.of(ValueLayout.JAVA_LONG,
                ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG,
                ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG),
                Linker.Option.firstVariadicArg(1))).orElse(null);
        }
        catch (final RuntimeException ex)
        {
            return null;
        }
    }

    /**
     * Sleeps while the word at {@code offset} holds {@code expected}, at most {@code timeoutNanos}. Returns at once if
     * the word differs; may return early (wake, signal, spurious): callers check their condition again.
     */
    public void await(final MemorySegment segment, final long offset, final int expected, final long timeoutNanos)
    {
        timespec.set(ValueLayout.JAVA_LONG, 0, timeoutNanos / 1_000_000_000L);
        timespec.set(ValueLayout.JAVA_LONG, 8, timeoutNanos % 1_000_000_000L);
        invoke(FUTEX_WAIT, segment.address() + offset, expected, timespec.address());
    }

    /** Wakes up to {@code count} waiters on the word; returns how many were woken. */
    public static int wake(final MemorySegment segment, final long offset, final int count)
    {
        return (int)invoke(FUTEX_WAKE, segment.address() + offset, count, 0L);
    }

    private static long invoke(final int op, final long address, final int value, final long timeout)
    {
        if ((address & 3) != 0)
        {
            throw new IllegalArgumentException("futex word must be 4-byte aligned");
        }
        try
        {
            return (long)SYSCALL.invokeExact(SYS_FUTEX, address, (long)op, (long)value, timeout, 0L, 0L);
        }
        catch (final Throwable t)
        {
            throw new IllegalStateException("futex syscall failed", t);
        }
    }
}
