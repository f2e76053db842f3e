package io.softnic.engine.sched;

import io.softnic.engine.counters.EngineCounters;
import io.softnic.engine.rc.QueuePair;
import io.softnic.hostif.DoorbellRing;

import java.util.function.IntFunction;

/**
 * Decides which QPs the TX pipeline serves: drains the doorbell ring (QPs with newly posted work) and takes QPs that
 * the RX side or the timers made ready (responses to send, window opened, retransmission). Each QP is queued at most
 * once; the TX pipeline serves queued QPs round robin with a per-QP packet budget.
 */
public final class Scheduler
{
    private final ReadyQueue<QueuePair> ready;
    private final DoorbellRing doorbell;
    private final IntFunction<QueuePair> qpLookup;
    private final EngineCounters counters;
    private long doorbellHead;

    public Scheduler(
        final int maxQps, final DoorbellRing doorbell, final IntFunction<QueuePair> qpLookup, final EngineCounters counters)
    {
        this.ready = new ReadyQueue<>(maxQps);
        this.doorbell = doorbell;
        this.qpLookup = qpLookup;
        this.counters = counters;
    }

    /** Any thread: makes the QP ready for the TX pipeline unless it already is. */
    public void schedule(final QueuePair qp)
    {
        if (qp.scheduled().compareAndSet(false, true))
        {
            ready.offer(qp);
        }
    }

    /** TX thread: moves rung doorbells to the ready queue; returns how many. */
    public int drainDoorbells(final int limit)
    {
        int n = 0;
        while (n < limit)
        {
            final int qpn = doorbell.peek(doorbellHead);
            if (qpn < 0)
            {
                break;
            }
            doorbellHead++;
            n++;
            final QueuePair qp = qpLookup.apply(qpn);
            if (qp != null)
            {
                // clear before reading the producer index, so a post racing with us rings again
                qp.sendRing().clearDoorbellPending();
                schedule(qp);
            }
        }
        if (n > 0)
        {
            doorbell.advance(doorbellHead);
            counters.add(EngineCounters.DOORBELLS, n);
        }
        return n;
    }

    /** TX thread: the next ready QP (its flag cleared so new events re-queue it), or null. */
    public QueuePair next()
    {
        final QueuePair qp = ready.poll();
        if (qp != null)
        {
            qp.scheduled().set(false);
        }
        return qp;
    }
}
