package io.softnic.tools.perf;

import io.softnic.cm.CmState;
import io.softnic.tools.ToolFailure;

import java.util.List;
import java.util.function.LongSupplier;

/**
 * Keeps waits honest. Loops report progress (cheaply) and call {@link #check} while idle; every so often it looks at
 * the clock, the other side's health in a shared process, the CM state of the connections and whether anything
 * still arrives, and ends the run when the peer is gone or when an active wait has made no progress for too long.
 */
final class Watchdog
{
    static final long STALL_NANOS = 15_000_000_000L;
    static final long SILENCE_NANOS = 60_000_000_000L;
    private static final long STATE_CHECK_NANOS = 200_000_000L;

    private final String self;
    private final String peer;
    private final SessionAbort abort;
    private final LongSupplier activity;
    private List<QpLink> links = List.of();
    private long lastActivity = -1;
    private long lastActivityAt = System.nanoTime();
    private long progress;
    private long progressSeen;
    private long lastProgressAt = System.nanoTime();
    private long lastStateCheckAt = System.nanoTime();
    private int calls;

    Watchdog(final String self, final String peer, final SessionAbort abort)
    {
        this(self, peer, abort, null);
    }

    /**
     * {@code activity} is a count that grows while the peer is alive (packets received): a passive wait ends when
     * it has not moved for a minute, so a server whose client vanished without a disconnect does not wait forever.
     */
    Watchdog(final String self, final String peer, final SessionAbort abort, final LongSupplier activity)
    {
        this.self = self;
        this.peer = peer;
        this.abort = abort;
        this.activity = activity;
    }

    void watch(final List<QpLink> links)
    {
        this.links = links;
    }

    void progress()
    {
        progress++;
    }

    void reset()
    {
        lastProgressAt = System.nanoTime();
        progressSeen = progress;
    }

    /**
     * Called from idle iterations of a wait. {@code stallLimited} waits expect the peer to keep things moving;
     * {@code what} names the wait in the failure message.
     */
    void check(final boolean stallLimited, final String what)
    {
        if ((++calls & 63) != 0)
        {
            return;
        }
        final long now = System.nanoTime();
        if (progress != progressSeen)
        {
            progressSeen = progress;
            lastProgressAt = now;
        }
        else if (stallLimited && now - lastProgressAt > STALL_NANOS)
        {
            throw new ToolFailure("no progress for " + STALL_NANOS / 1_000_000_000L + " s while " + what);
        }
        if (now - lastStateCheckAt >= STATE_CHECK_NANOS)
        {
            lastStateCheckAt = now;
            if (abort != null)
            {
                abort.check(self);
            }
            checkConnections(what);
            checkActivity(now, what);
        }
    }

    private void checkActivity(final long now, final String what)
    {
        if (activity == null)
        {
            return;
        }
        final long a = activity.getAsLong();
        if (a != lastActivity)
        {
            lastActivity = a;
            lastActivityAt = now;
        }
        else if (now - lastActivityAt > SILENCE_NANOS)
        {
            throw new ToolFailure("nothing arrived from the " + peer + " for " + SILENCE_NANOS / 1_000_000_000L +
                " s while " + what + " (is it gone?)");
        }
    }

    private void checkConnections(final String what)
    {
        for (final QpLink link : links)
        {
            if (link.connection == null)
            {
                continue;
            }
            final int state = link.connection.state();
            if (state == CmState.DREQ_RCVD || state == CmState.TIMEWAIT || state == CmState.DISCONNECTED ||
                state == CmState.REJECTED)
            {
                throw new ToolFailure("the " + peer + " disconnected (QP #" + link.index + " is " +
                    CmState.name(state) + ") while " + what);
            }
        }
    }
}
