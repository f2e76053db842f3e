package io.softnic.engine.completion;

import org.agrona.concurrent.Agent;
import org.agrona.concurrent.NanoClock;

import java.util.concurrent.atomic.AtomicReference;

/**
 * The time threshold of interrupt moderation, driven from the engine's duty cycle rather than a thread per CQ: a CQ
 * that opens a connection's batch with a deadline hands itself over once (pushed on a lock-free intrusive stack, from
 * any engine thread, allocating nothing); each duty cycle checks the CQs with open batches, makes the batches whose
 * deadline passed ready, and posts a ready batch where the CQ is armed (again) — also the batches that waited for a
 * re-arm because another connection's event took the arm. Returns the events it posted, so the
 * runner idles when nothing is due (a deadline is then met within the idle strategy's sleep).
 */
public final class ModerationTimer implements Agent
{
    private final AtomicReference<CompletionQueue> incoming = new AtomicReference<>();
    private final NanoClock clock;
    private CompletionQueue[] timed;
    private int size;

    public ModerationTimer(final int maxCqs, final NanoClock clock)
    {
        this.clock = clock;
        this.timed = new CompletionQueue[Math.min(64, Math.max(1, maxCqs))];
    }

    /** A CQ opened a batch with a deadline, or has one waiting for the arm; called once until the timer lets go. */
    void schedule(final CompletionQueue cq)
    {
        CompletionQueue head;
        do
        {
            head = incoming.get();
            cq.nextTimed = head;
        }
        while (!incoming.compareAndSet(head, cq));
    }

    @Override
    public int doWork()
    {
        int work = 0;
        for (CompletionQueue cq = incoming.getAndSet(null); cq != null; )
        {
            final CompletionQueue next = cq.nextTimed;
            cq.nextTimed = null;
            add(cq);
            cq = next;
            work++;
        }
        if (size == 0)
        {
            return work;
        }
        final long now = clock.nanoTime();
        for (int i = 0; i < size; )
        {
            final int result = timed[i].onTimer(now);
            if ((result & CompletionQueue.TIMER_FIRED) != 0)
            {
                work++;
            }
            if ((result & CompletionQueue.TIMER_DONE) == 0)
            {
                i++;
                continue;
            }
            timed[i] = timed[--size];
            timed[size] = null;
        }
        return work;
    }

    private void add(final CompletionQueue cq)
    {
        if (size == timed.length)
        {
            timed = java.util.Arrays.copyOf(timed, size * 2); // grows to the number of CQs once, not per batch
        }
        timed[size++] = cq;
    }

    /** CQs with open or waiting batches the timer watches. */
    public int watched()
    {
        return size;
    }

    @Override
    public String roleName()
    {
        return "softnic-cq-moderation";
    }
}
