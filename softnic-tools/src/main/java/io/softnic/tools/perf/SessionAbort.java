package io.softnic.tools.perf;

import io.softnic.tools.ToolFailure;

import java.util.concurrent.atomic.AtomicReference;

/**
 * When client and server run in one process (--loopback, demo), the first side to fail says so here and the other
 * side's waits stop instead of running into their timeouts. The first failure is the one reported.
 */
public final class SessionAbort
{
    private record Failure(String side, Throwable cause)
    {
    }

    private final AtomicReference<Failure> first = new AtomicReference<>();

    public void fail(final String side, final Throwable cause)
    {
        first.compareAndSet(null, new Failure(side, cause));
    }

    public boolean failed()
    {
        return first.get() != null;
    }

    public Throwable cause()
    {
        final Failure f = first.get();
        return f == null ? null : f.cause();
    }

    /** Throws if the other side (not {@code self}) failed. */
    void check(final String self)
    {
        final Failure f = first.get();
        if (f != null && !f.side().equals(self))
        {
            throw new PeerFailure(f.side() + " side failed: " + ToolFailure.describe(f.cause()), f.cause());
        }
    }
}
