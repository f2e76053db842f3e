package io.softnic.verbs;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;

/**
 * The completion vector of the calling thread, which is where its send completions go when its QP spreads
 * completions over vectors: the vector the thread was bound to (event handler threads are bound to theirs), or
 * else the CPU it runs on ({@code sched_getcpu}) modulo the number of vectors.
 */
public final class CompVector
{
    private static final ThreadLocal<int[]> BOUND = ThreadLocal.withInitial(() -> new int[] {-1});
    private static final MethodHandle SCHED_GETCPU = schedGetcpu();

    private CompVector()
    {
    }

    private static MethodHandle schedGetcpu()
    {
        try
        {
            final Linker linker = Linker.nativeLinker();
            return linker.defaultLookup().find("sched_getcpu")
                .map(s -> linker.downcallHandle(s, FunctionDescriptor.of(ValueLayout.JAVA_INT)))
                .orElse(null);
        }
        catch (final RuntimeException ex)
        {
            return null;
        }
    }

    /** Binds the calling thread to a vector; -1 unbinds it (its CPU decides again). */
    public static void bind(final int vector)
    {
        BOUND.get()[0] = vector;
    }

    public static int bound()
    {
        return BOUND.get()[0];
    }

    /** The calling thread's vector among {@code numVectors}. */
    public static int current(final int numVectors)
    {
        final int bound = BOUND.get()[0];
        if (bound >= 0)
        {
            return bound % numVectors;
        }
        return Math.floorMod(cpu(), numVectors);
    }

    /** The CPU the calling thread runs on, or 0 where that cannot be asked. */
    public static int cpu()
    {
        if (SCHED_GETCPU == null)
        {
            return 0;
        }
        try
        {
            return Math.max(0, (int)SCHED_GETCPU.invokeExact());
        }
        catch (final Throwable t)
        {
            return 0;
        }
    }
}
