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
    /** The vNICs' own doorbell rings, copy-on-write: the control thread adds and removes, the TX thread drains. */
    private volatile TenantDoorbell[] tenantDoorbells = new TenantDoorbell[0];
    private int nextTenant;

    /**
     * A vNIC's doorbell ring in a file its tenant writes: untrusted. An entry naming a QP that is not the vNIC's own
     * (per {@link #owner}) is counted and ignored; an entry the tenant never published stalls only this ring.
     */
    public static final class TenantDoorbell
    {
        private final DoorbellRing ring;
        private final int vnicId;
        private final java.util.concurrent.atomic.AtomicIntegerArray owner;
        private final int ownerBase;
        private final int dataOpsCounter;
        private final int rejectedCounter;
        private long head;

        /**
         * @param owner per QP (index qpn - ownerBase) the owning vNIC's id + 1, 0 for none
         * @param dataOpsCounter the vNIC's data operations: each doorbell it rang counts one
         */
        public TenantDoorbell(final DoorbellRing ring, final int vnicId,
            final java.util.concurrent.atomic.AtomicIntegerArray owner, final int ownerBase, final int dataOpsCounter,
            final int rejectedCounter)
        {
            this.ring = ring;
            this.vnicId = vnicId;
            this.owner = owner;
            this.ownerBase = ownerBase;
            this.dataOpsCounter = dataOpsCounter;
            this.rejectedCounter = rejectedCounter;
        }

        boolean owns(final int qpn)
        {
            final int index = qpn - ownerBase;
            return index >= 0 && index < owner.length() && owner.get(index) == vnicId + 1;
        }
    }

    /** Control thread: the scheduler drains this vNIC doorbell ring from now on. */
    public synchronized void addTenantDoorbell(final TenantDoorbell doorbell)
    {
        final TenantDoorbell[] old = tenantDoorbells;
        final TenantDoorbell[] next = java.util.Arrays.copyOf(old, old.length + 1);
        next[old.length] = doorbell;
        tenantDoorbells = next;
    }

    /** Control thread: stops draining it (an entry already taken may still be served; its QP is checked then). */
    public synchronized void removeTenantDoorbell(final TenantDoorbell doorbell)
    {
        final TenantDoorbell[] old = tenantDoorbells;
        final java.util.List<TenantDoorbell> next = new java.util.ArrayList<>(java.util.Arrays.asList(old));
        next.remove(doorbell);
        tenantDoorbells = next.toArray(new TenantDoorbell[0]);
    }

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
        return n + drainTenantDoorbells(limit);
    }

    /** Each vNIC's ring in turn, starting one further each cycle, at most limit/rings (at least 1) from each. */
    private int drainTenantDoorbells(final int limit)
    {
        final TenantDoorbell[] rings = tenantDoorbells;
        final int count = rings.length;
        if (count == 0)
        {
            return 0;
        }
        final int perRing = Math.max(1, limit / count);
        int total = 0;
        final int start = Math.floorMod(nextTenant++, count);
        for (int k = 0; k < count; k++)
        {
            final TenantDoorbell t = rings[(start + k) % count];
            int n = 0;
            int accepted = 0;
            while (n < perRing)
            {
                final int qpn = t.ring.peek(t.head);
                if (qpn < 0)
                {
                    break;
                }
                t.head++;
                n++;
                final QueuePair qp = t.owns(qpn) ? qpLookup.apply(qpn) : null;
                if (qp == null)
                {
                    counters.increment(t.rejectedCounter);
                    continue;
                }
                accepted++;
                qp.sendRing().clearDoorbellPending();
                schedule(qp);
            }
            if (n > 0)
            {
                t.ring.advance(t.head);
                counters.add(EngineCounters.DOORBELLS, accepted);
                counters.add(t.dataOpsCounter, accepted);
                total += n;
            }
        }
        return total;
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
