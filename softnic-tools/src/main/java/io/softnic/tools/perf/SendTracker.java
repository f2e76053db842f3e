package io.softnic.tools.perf;

import io.softnic.tools.ToolFailure;
import io.softnic.verbs.IbvWc;

/** A latency test's signaled sends awaiting their completions: reaped as they come, waited for when needed. */
final class SendTracker
{
    private final Completions cq;
    private final Watchdog watchdog;
    private final int capacity;
    private int outstanding;
    private long lastWrId = -1;

    SendTracker(final Completions cq, final Watchdog watchdog, final int capacity)
    {
        this.cq = cq;
        this.watchdog = watchdog;
        this.capacity = capacity;
    }

    /** True when waits sleep on the send CQ's events ({@code -e}). */
    boolean eventDriven()
    {
        return cq.eventDriven();
    }

    void posted()
    {
        outstanding++;
    }

    /** Polls once without waiting. */
    void reap()
    {
        if (outstanding > 0)
        {
            consume(cq.poll());
        }
    }

    /** Waits until another request fits in the send queue. */
    void awaitRoom()
    {
        reap();
        if (outstanding >= capacity)
        {
            await(capacity - 1);
        }
    }

    /** Waits for every outstanding completion; returns the wr_id of the last one seen. */
    long awaitAll()
    {
        await(0);
        return lastWrId;
    }

    private void await(final int atMost)
    {
        int spins = 0;
        while (outstanding > atMost)
        {
            final int n = cq.poll();
            if (n > 0)
            {
                consume(n);
                spins = 0;
            }
            else
            {
                if (cq.eventDriven())
                {
                    cq.awaitEvent();
                }
                else
                {
                    SpinWait.pause(spins++);
                }
                watchdog.check(true, "waiting for a send completion");
            }
        }
    }

    private void consume(final int n)
    {
        for (int i = 0; i < n; i++)
        {
            final IbvWc wc = cq.wc(i);
            if (WrIds.isControl(wc.wrId))
            {
                throw new ToolFailure("protocol error: control completion during a latency round");
            }
            lastWrId = wc.wrId;
        }
        outstanding -= n;
        watchdog.progress();
    }
}
