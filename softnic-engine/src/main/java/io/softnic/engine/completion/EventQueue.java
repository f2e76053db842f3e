package io.softnic.engine.completion;

import io.softnic.engine.counters.EngineCounters;
import io.softnic.hostif.EventRing;
import io.softnic.hostif.Futex;
import io.softnic.verbs.CqModeration;

import java.lang.foreign.MemorySegment;
import java.util.concurrent.locks.LockSupport;

/**
 * The device side of one event queue (EQ), the queue of one completion vector: armed CQs post an event (an EQE
 * naming the CQ) here and the device "interrupts" the tenant's handler — wakes it if, and only if, it announced it
 * sleeps. A handler thread in this process is unparked; otherwise the futex on the EQ's wake word is woken, which
 * works across processes on shared memory. CQs of any thread may post (the ring claims slots by CAS); nothing here
 * is shared with another tenant's EQs. Also holds the moderation that the EQ's CQs without their own follow.
 */
public final class EventQueue
{
    /** Per-vector counter ids in {@link EngineCounters}, or -1 where none could be allocated. */
    public record VectorCounters(int events, int completions, int wakes, int profileChanges)
    {
        public static final VectorCounters NONE = new VectorCounters(-1, -1, -1, -1);
    }

    private final int eqn;
    private final EventRing ring;
    private final MemorySegment region;
    private final EngineCounters counters;
    private final VectorCounters vectorCounters;
    private volatile CqModeration moderation;
    private volatile Thread localWaiter;

    public EventQueue(
        final int eqn,
        final EventRing ring,
        final EngineCounters counters,
        final VectorCounters vectorCounters,
        final CqModeration moderation)
    {
        this.eqn = eqn;
        this.ring = ring;
        this.region = ring.region();
        this.counters = counters;
        this.vectorCounters = vectorCounters;
        this.moderation = moderation;
    }

    public int eqn()
    {
        return eqn;
    }

    public EventRing ring()
    {
        return ring;
    }

    /** The moderation of the EQ's CQs that have none of their own ({@code ethtool -C} on the vector). */
    public CqModeration moderation()
    {
        return moderation;
    }

    public void moderation(final CqModeration moderation)
    {
        this.moderation = moderation;
    }

    /** A handler thread of this process that sleeps parked on this EQ; null: wake by futex. */
    public void localWaiter(final Thread thread)
    {
        localWaiter = thread;
    }

    /**
     * Posts the event of a CQ that fired for a batch of connection {@code qpn}: {@code completions} completions of
     * that connection on the CQ, coalesced since its previous event there; and wakes the handler if it sleeps.
     * Returns false if the EQ was full: the overflow is counted in the EQ (the handler then polls all its CQs) and in
     * the engine's counters, and the handler is woken all the same.
     */
    public boolean post(final int cqn, final int qpn, final int completions)
    {
        final boolean posted = ring.offer(cqn, qpn, completions);
        if (posted)
        {
            ring.addCounter(EventRing.EVENTS_OFFSET, 1);
            counters.increment(EngineCounters.CQ_EVENTS);
            count(vectorCounters.events(), 1);
        }
        else
        {
            counters.increment(EngineCounters.EQ_OVERFLOWS);
        }
        ring.addCounter(EventRing.COMPLETIONS_OFFSET, completions);
        counters.add(EngineCounters.CQ_EVENT_COMPLETIONS, completions);
        count(vectorCounters.completions(), completions);
        wake();
        return posted;
    }

    /** The handler is asleep: wake it (one waker wins the wake word, the others skip). */
    private void wake()
    {
        if (!ring.claimWake())
        {
            return;
        }
        ring.addCounter(EventRing.WAKES_OFFSET, 1);
        counters.increment(EngineCounters.EQ_WAKES);
        count(vectorCounters.wakes(), 1);
        final Thread waiter = localWaiter;
        if (waiter != null)
        {
            LockSupport.unpark(waiter);
        }
        else if (Futex.available())
        {
            Futex.wake(region, EventRing.WAKE_OFFSET, 1);
        }
    }

    void profileChanged()
    {
        ring.addCounter(EventRing.PROFILE_CHANGES_OFFSET, 1);
        counters.increment(EngineCounters.CQ_PROFILE_CHANGES);
        count(vectorCounters.profileChanges(), 1);
    }

    private void count(final int id, final long delta)
    {
        if (id >= 0)
        {
            counters.add(id, delta);
        }
    }

    public long events()
    {
        return ring.counter(EventRing.EVENTS_OFFSET);
    }

    public long completions()
    {
        return ring.counter(EventRing.COMPLETIONS_OFFSET);
    }

    public long wakes()
    {
        return ring.counter(EventRing.WAKES_OFFSET);
    }

    public long overflows()
    {
        return ring.overflows();
    }

    public long profileChanges()
    {
        return ring.counter(EventRing.PROFILE_CHANGES_OFFSET);
    }

    /** Completions per interrupt: what coalescing buys. */
    public double completionsPerWake()
    {
        final long wakes = wakes();
        return wakes == 0 ? 0 : (double)completions() / wakes;
    }
}
