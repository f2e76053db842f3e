package io.softnic.bench.compare;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;

/**
 * The threads of one measurement: started one by one, stopped together. The first failure is kept and reported to
 * the measuring thread, and a hard deadline stops a measurement that hangs (a lost peer, a stuck socket).
 */
final class Workers implements AutoCloseable
{
    /** Slack past warm-up and duration before a measurement counts as hung. */
    private static final long GRACE_NANOS = TimeUnit.SECONDS.toNanos(60);
    private static final long JOIN_MILLIS = 10_000;

    /** A worker's body; it returns when {@link #running()} turns false. */
    interface Loop
    {
        void run() throws Exception;
    }

    private final String name;
    private final long deadline;
    private final List<Thread> threads = new ArrayList<>();
    private final List<AutoCloseable> stoppers = new ArrayList<>();
    private final AtomicReference<Throwable> failure = new AtomicReference<>();
    private volatile boolean running = true;

    Workers(final String name, final Settings settings)
    {
        this.name = name;
        this.deadline = System.nanoTime() + settings.warmupNanos() + settings.durationNanos() + GRACE_NANOS;
    }

    void start(final String role, final Loop loop)
    {
        threads.add(Thread.ofPlatform().name("compare-" + name + "-" + role).daemon().start(() ->
        {
            try
            {
                loop.run();
            }
            catch (final Throwable t)
            {
                if (running)    // after stop, a closed socket unblocking a read is how the loop ends
                {
                    failure.compareAndSet(null, new BenchFailure(role + ": " + describe(t), t));
                    runStoppers();  // unblocks the measuring thread if it waits in a socket on this worker
                }
            }
        }));
    }

    /** Run when stopping, before joining: e.g. closing a socket a worker blocks on. */
    void onStop(final AutoCloseable stopper)
    {
        stoppers.add(stopper);
    }

    boolean running()
    {
        return running;
    }

    /** Cheap enough for wait loops: throws if a worker failed or the measurement is past its deadline. */
    void checkAlive()
    {
        final Throwable t = failure.get();
        if (t != null)
        {
            throw t instanceof BenchFailure b ? b : new BenchFailure(describe(t), t);
        }
        if (System.nanoTime() - deadline > 0)
        {
            throw new BenchFailure(name + ": no progress, gave up after the measurement's deadline");
        }
    }

    /** Sleeps, watching the workers. */
    void sleep(final long nanos)
    {
        final long end = System.nanoTime() + nanos;
        long left;
        while ((left = end - System.nanoTime()) > 0)
        {
            checkAlive();
            LockSupport.parkNanos(Math.min(left, 10_000_000L));
        }
        checkAlive();
    }

    @Override
    public void close()
    {
        running = false;
        runStoppers();
        for (final Thread t : threads)
        {
            try
            {
                t.join(JOIN_MILLIS);
            }
            catch (final InterruptedException ex)
            {
                Thread.currentThread().interrupt();
            }
            if (t.isAlive())
            {
                failure.compareAndSet(null, new BenchFailure(t.getName() + " did not stop"));
            }
        }
        final Throwable t = failure.get();
        if (t != null)
        {
            throw t instanceof BenchFailure b ? b : new BenchFailure(describe(t), t);
        }
    }

    private void runStoppers()
    {
        for (final AutoCloseable s : stoppers)
        {
            try
            {
                s.close();
            }
            catch (final Exception ignore)
            {
                // stopping anyway
            }
        }
    }

    static String describe(final Throwable t)
    {
        final String m = t.getMessage();
        return m == null || m.isBlank() ? t.getClass().getSimpleName() : m;
    }
}
