package io.softnic.engine.rc;

import io.softnic.engine.sched.ReadyQueue;
import org.agrona.DeadlineTimerWheel;
import org.agrona.collections.Long2ObjectHashMap;

import java.util.ArrayList;
import java.util.concurrent.TimeUnit;

/**
 * The transport's timers, served by the TX pipeline's timer pass: retransmission and RNR deadlines of QPs with work
 * outstanding, and the flushing of QPs in ERR (work posted to them completes with WR_FLUSH_ERR). Only QPs that have
 * a deadline are ever looked at, so an engine with thousands of idle QPs spends nothing on them, and their contexts
 * stay where they are.
 * <p>
 * A deadline is set under the QP's monitor by whichever thread runs its state machines ({@link #arm}); the QP's
 * {@code timerCheckAt} says when the wheel will look at it next. Moving a deadline later needs nothing (the wheel
 * looks, finds it early, and looks again at the new time), so an acknowledgement that restarts the timer costs no
 * wheel operation; only an earlier deadline is handed to the TX thread through a queue, which owns the
 * {@link DeadlineTimerWheel} (Agrona's) and keeps at most one entry per QP.
 */
public final class TransportTimers
{
    /** {@code timerCheckAt} of a QP the wheel has nothing for. */
    static final long NONE = Long.MAX_VALUE;
    /** 32.8 us ticks, 512 of them a turn (16.8 ms); a deadline further out waits in its slot for its turn. */
    private static final long TICK_NANOS = 1L << 15;
    private static final int TICKS_PER_WHEEL = 512;
    private static final int EXPIRIES_PER_POLL = 256;
    private static final long FLUSH_INTERVAL_NANOS = 1_000_000;
    /** The flush pass comes less often with many QPs in ERR: at most a microsecond of pass per millisecond each. */
    private static final long FLUSH_INTERVAL_NANOS_PER_QP = 1_000;

    /** What the TX pipeline does with a QP whose deadline may have come, or which is in ERR. */
    public interface Service
    {
        /** With nothing held; takes the QP's monitor and context itself. Returns work done. */
        int expired(QueuePair qp, long now);

        /** Flushes a QP in ERR; returns false once it is no longer in ERR (or destroyed): it leaves the list. */
        boolean flushErrored(QueuePair qp);
    }

    private final DeadlineTimerWheel wheel;
    private final Long2ObjectHashMap<QueuePair> owners = new Long2ObjectHashMap<>();
    private final ReadyQueue<QueuePair> requests;
    private final ReadyQueue<QueuePair> errorRequests;
    private final ArrayList<QueuePair> errored = new ArrayList<>();
    private Service service;
    private long nextFlushAt;
    private int work;
    private final DeadlineTimerWheel.TimerHandler onTimeout = this::onTimeout;

    /** @param maxQps the most QPs that can exist at once: each is queued at most once. */
    public TransportTimers(final int maxQps, final long startNanos)
    {
        this.wheel = new DeadlineTimerWheel(TimeUnit.NANOSECONDS, startNanos, TICK_NANOS, TICKS_PER_WHEEL);
        this.requests = new ReadyQueue<>(maxQps);
        this.errorRequests = new ReadyQueue<>(maxQps);
    }

    /** Any thread, the QP's monitor held: its state machines want to be looked at by {@code deadline}. */
    public void arm(final QueuePair qp, final long deadline)
    {
        if (deadline == NONE || deadline - qp.timerCheckAt >= 0 && qp.timerCheckAt != NONE)
        {
            return; // the wheel looks at it in time already (and then finds this later deadline)
        }
        qp.timerCheckAt = deadline;
        if (!qp.timerRequested.getAndSet(true))
        {
            requests.offer(qp);
        }
    }

    /** Any thread, the QP's monitor held: the QP went to ERR; flush what is posted to it from now on. */
    public void flushLater(final QueuePair qp)
    {
        qp.flushCurrent = false;
        if (!qp.flushListed.getAndSet(true))
        {
            errorRequests.offer(qp);
        }
    }

    /** TX thread: serves every deadline that has come and every QP in ERR. Returns work done. */
    public int poll(final long now, final Service service)
    {
        this.service = service;
        this.work = 0;
        QueuePair qp;
        while ((qp = requests.poll()) != null)
        {
            qp.timerRequested.set(false);
            schedule(qp, qp.timerCheckAt);
        }
        if (wheel.timerCount() == 0)
        {
            if (now - wheel.currentTickTime() > 0)
            {
                wheel.currentTickTime(now); // nothing to expire on the way: skip the idle ticks
            }
        }
        else if (now - wheel.currentTickTime() >= 0)
        {
            // a tick is looked at once, when it has passed: every look scans all of a tick's slots, and Agrona sizes
            // every tick for the fullest one, so looking on each duty cycle cost more than the deadlines themselves
            // (a deadline fires at most one tick, 32.8 us, late)
            int turns = 0;
            do
            {
                wheel.poll(now, onTimeout, EXPIRIES_PER_POLL);
            }
            while (wheel.currentTickTime() - now <= 0 && ++turns < 1 << 16);
        }
        while ((qp = errorRequests.poll()) != null)
        {
            errored.add(qp);
        }
        if (now - nextFlushAt < 0)
        {
            return work;
        }
        // receives posted to a QP in ERR: flushed within a millisecond (a thousand QPs in ERR), or a microsecond a QP
        nextFlushAt = now + Math.max(FLUSH_INTERVAL_NANOS, errored.size() * FLUSH_INTERVAL_NANOS_PER_QP);
        for (int i = errored.size() - 1; i >= 0; i--)
        {
            final QueuePair e = errored.get(i);
            work++;
            if (!service.flushErrored(e))
            {
                errored.remove(i);
            }
        }
        return work;
    }

    /**
     * Under the QP's monitor, in {@link Service#expired}: the wheel looked at the QP, so it has nothing there any
     * more; whatever deadline its state machines set from here on is armed afresh.
     */
    public static void fired(final QueuePair qp)
    {
        qp.timerCheckAt = NONE;
    }

    /** TX thread, under the QP's monitor in {@link Service#flushErrored}: the QP left the list. */
    public static void unlist(final QueuePair qp)
    {
        qp.flushListed.set(false);
    }

    private void schedule(final QueuePair qp, final long at)
    {
        if (at == NONE)
        {
            return;
        }
        final long existing = qp.timerId;
        if (existing != DeadlineTimerWheel.NULL_DEADLINE)
        {
            if (wheel.deadline(existing) - at <= 0)
            {
                return;
            }
            wheel.cancelTimer(existing);
            owners.remove(existing);
        }
        final long id = wheel.scheduleTimer(at);
        qp.timerId = id;
        owners.put(id, qp);
    }

    private boolean onTimeout(final TimeUnit unit, final long now, final long timerId)
    {
        final QueuePair qp = owners.remove(timerId);
        if (qp != null && qp.timerId == timerId)
        {
            qp.timerId = DeadlineTimerWheel.NULL_DEADLINE;
            work += service.expired(qp, now);
        }
        return true;
    }

    /** Entries on the wheel (at most one per QP with a deadline). */
    public long pending()
    {
        return wheel.timerCount();
    }
}
