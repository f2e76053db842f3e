package io.softnic.engine.sched;

import io.softnic.engine.counters.EngineCounters;
import io.softnic.engine.rc.QueuePair;
import io.softnic.hostif.DoorbellRing;
import io.softnic.hostif.HostRing;
import io.softnic.hostif.SendWqe;
import io.softnic.verbs.IbvSendFlags;
import org.agrona.concurrent.NanoClock;

import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.function.IntFunction;
import java.util.function.Supplier;

/**
 * Decides what the TX pipeline serves next, in two streams.
 * <ul>
 *   <li><b>New work, with look-ahead (seed 4).</b> Every post announces itself on a doorbell ring with its QP and the
 *   QP's producer index, so the rings hold the sequence of work requests across QPs. The scheduler reads that
 *   sequence into a {@link LookaheadWindow} of W work requests and takes one batch at a time: the oldest request's QP
 *   and every later request of that QP in the window, which the requester then runs while the QP's context is in
 *   the context cache, loaded once. W = 1 is strict doorbell order, one request per context load.</li>
 *   <li><b>QPs made ready otherwise</b> (responses and ACKs to send, a window opened by an ACK, a retransmission,
 *   work the requester could not finish in one turn): a ready queue served round robin, each QP at most once.</li>
 * </ul>
 * Rings are the engine's own (embedded applications) and one per vNIC, whose tenant writes it and is not trusted: an
 * entry naming a QP that is not the vNIC's is counted and ignored, an announced index further than the QP's ring
 * holds is cut to it (the requester then finds the tenant's real producer index and fails that QP alone if it is
 * impossible), and an entry the tenant never published stalls only its own ring.
 */
public final class Scheduler
{
    private final ReadyQueue<QueuePair> ready;
    private final DoorbellRing doorbell;
    private final IntFunction<QueuePair> qpLookup;
    private final Supplier<QueuePair[]> liveQps;
    private final EngineCounters counters;
    private final LookaheadWindow window;
    private final SendWqe wqe = new SendWqe();
    private long doorbellHead;
    /** The vNICs' own doorbell rings, copy-on-write: the control thread adds and removes, the TX thread drains. */
    private volatile TenantDoorbell[] tenantDoorbells = new TenantDoorbell[0];
    private int nextTenant;

    // an announcement cut short by a full window: QP, next index to offer, end
    private QueuePair partialQp;
    private long partialNext;
    private long partialEnd;
    /** A producer found a ring full: the pending words need a sweep. */
    private boolean sweepNeeded;
    private long nextSweepAt;
    private final NanoClock clock;
    private static final long SWEEP_INTERVAL_NANOS = 1_000_000;

    /**
     * A vNIC's doorbell ring in a file its tenant writes: untrusted. An entry naming a QP that is not the vNIC's own
     * (per {@link #owner}) is counted and ignored; an entry the tenant never published stalls only this ring.
     */
    public static final class TenantDoorbell
    {
        private final DoorbellRing ring;
        private final int vnicId;
        private final AtomicIntegerArray owner;
        private final int ownerBase;
        private final int dataOpsCounter;
        private final int rejectedCounter;
        private long head;
        private boolean sweepNeeded;
        private long nextSweepAt;

        /**
         * @param owner per QP (index qpn - ownerBase) the owning vNIC's id + 1, 0 for none
         * @param dataOpsCounter the vNIC's data operations: each doorbell it rang counts one
         */
        public TenantDoorbell(final DoorbellRing ring, final int vnicId, final AtomicIntegerArray owner,
            final int ownerBase, final int dataOpsCounter, final int rejectedCounter)
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

    /**
     * @param lookahead W, the work requests the scheduler looks ahead through (1: none)
     * @param liveQps   every QP, for the sweep after a producer found a ring full
     */
    public Scheduler(final int maxQps, final int lookahead, final DoorbellRing doorbell,
        final IntFunction<QueuePair> qpLookup, final Supplier<QueuePair[]> liveQps, final NanoClock clock,
        final EngineCounters counters)
    {
        this.clock = clock;
        this.ready = new ReadyQueue<>(maxQps);
        this.window = new LookaheadWindow(lookahead);
        this.doorbell = doorbell;
        this.qpLookup = qpLookup;
        this.liveQps = liveQps;
        this.counters = counters;
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

    /** Any thread: makes the QP ready for the TX pipeline unless it already is. */
    public void schedule(final QueuePair qp)
    {
        if (qp.scheduled().compareAndSet(false, true))
        {
            ready.offer(qp);
        }
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

    /**
     * TX thread: the QP of the next look-ahead batch, its posted work released to the requester up to the batch's
     * last request; null when no work is announced. The window is filled from the doorbell rings first, so the batch
     * is chosen over as much of the sequence as W allows.
     */
    public QueuePair nextBatch(final int drainLimit)
    {
        while (true)
        {
            drainDoorbells(drainLimit);
            final int size = window.nextBatch();
            if (size == 0)
            {
                return null;
            }
            final QueuePair qp = qpLookup.apply(window.batchQpn());
            counters.increment(EngineCounters.LOOKAHEAD_BATCHES);
            counters.add(EngineCounters.LOOKAHEAD_WORK_REQUESTS, size);
            if (qp != null && !qp.destroyed())
            {
                qp.release(window.batchTag(size - 1) + 1);
                return qp;
            }
        }
    }

    /**
     * TX thread: reads up to {@code limit} doorbell entries (the engine's ring, then each vNIC's) into the look-ahead
     * window, stopping when it is full; returns how many were read.
     */
    public int drainDoorbells(final int limit)
    {
        if (partialQp != null && !offer(partialQp, partialNext, partialEnd))
        {
            return 0;
        }
        if (sweepNeeded && !sweepPending())
        {
            return 0;
        }
        final TenantDoorbell[] rings = tenantDoorbells;
        for (final TenantDoorbell t : rings)
        {
            if (t.sweepNeeded && !sweepPending(t))
            {
                return 0;
            }
        }
        int n = 0;
        while (n < limit && !window.isFull())
        {
            final int qpn = doorbell.peek(doorbellHead);
            if (qpn < 0)
            {
                break;
            }
            final long index = doorbell.producerIndex(doorbellHead);
            doorbellHead++;
            n++;
            final QueuePair qp = qpLookup.apply(qpn);
            if (qp != null)
            {
                announce(qp, index);
            }
        }
        if (n > 0)
        {
            doorbell.advance(doorbellHead);
            counters.add(EngineCounters.DOORBELLS, n);
        }
        sweepNeeded |= doorbell.takeOverflow();
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
        for (int k = 0; k < count && !window.isFull(); k++)
        {
            final TenantDoorbell t = rings[(start + k) % count];
            int n = 0;
            int accepted = 0;
            while (n < perRing && !window.isFull())
            {
                final int qpn = t.ring.peek(t.head);
                if (qpn < 0)
                {
                    break;
                }
                final long index = t.ring.producerIndex(t.head);
                t.head++;
                n++;
                final QueuePair qp = t.owns(qpn) ? qpLookup.apply(qpn) : null;
                if (qp == null)
                {
                    counters.increment(t.rejectedCounter);
                    continue;
                }
                accepted++;
                announce(qp, index);
            }
            if (n > 0)
            {
                t.ring.advance(t.head);
                counters.add(EngineCounters.DOORBELLS, accepted);
                counters.add(t.dataOpsCounter, accepted);
                total += n;
            }
            t.sweepNeeded |= t.ring.takeOverflow();
        }
        return total;
    }

    /** The QP's posts up to {@code producerIndex} enter the window, in order, each with its FENCE flag. */
    private void announce(final QueuePair qp, final long producerIndex)
    {
        if (qp.doorbellsIgnored())
        {
            return; // in ERR: the flush list completes what it posts; a runaway tenant ring cannot fill the window
        }
        final HostRing sendRing = qp.sendRing();
        // posts flushed in ERR or discarded at RESET were consumed without being announced: start past them
        final long consumed = sendRing.consumerAcquire();
        final long from = consumed - qp.announcedIndex() > 0 ? consumed : qp.announcedIndex();
        // untrusted: only what the QP's ring really holds posted, never more than it can hold, never backwards
        final long posted = sendRing.producerAcquire();
        long end = producerIndex - posted > 0 ? posted : producerIndex;
        if (end - from > sendRing.capacity())
        {
            end = from + sendRing.capacity();
        }
        if (end - from > 0)
        {
            qp.announcedIndex(end);
            offer(qp, from, end);
        }
    }

    /** Offers indices [next, end) of the QP; false (remembering where it stopped) if the window filled first. */
    private boolean offer(final QueuePair qp, final long next, final long end)
    {
        final HostRing sendRing = qp.sendRing();
        for (long i = next; i != end; i++)
        {
            final boolean fence = (wqe.wrap(sendRing.region(), sendRing.entryOffset(i)).sendFlags() &
                IbvSendFlags.FENCE) != 0;
            if (!window.offer(qp.qpn(), fence, i))
            {
                partialQp = qp;
                partialNext = i;
                partialEnd = end;
                return false;
            }
        }
        partialQp = null;
        return true;
    }

    /**
     * A producer found a ring full and raised its QP's pending word instead: every such QP's posts are announced up
     * to its producer index now (in QP order, not post order: the order of those posts is what an overflow costs).
     */
    private boolean sweepPending()
    {
        final long now = clock.nanoTime();
        if (now - nextSweepAt < 0)
        {
            return true; // not yet: at most one sweep a millisecond, the engine ring's posts meanwhile wait
        }
        if (!takeAllPending(null))
        {
            return false;
        }
        sweepNeeded = false;
        nextSweepAt = now + SWEEP_INTERVAL_NANOS;
        return true;
    }

    /**
     * A vNIC's ring overflowed: only that vNIC's QPs are announced, at most once a millisecond, so a tenant that keeps
     * raising its overflow word costs the engine one pass over the live QPs a millisecond, and nobody else anything.
     */
    private boolean sweepPending(final TenantDoorbell t)
    {
        final long now = clock.nanoTime();
        if (now - t.nextSweepAt < 0)
        {
            return true;
        }
        if (!takeAllPending(t))
        {
            return false;
        }
        t.sweepNeeded = false;
        t.nextSweepAt = now + SWEEP_INTERVAL_NANOS;
        return true;
    }

    /** {@link #takePending} for every QP, or (not null) every QP of that vNIC; false if the window filled first. */
    private boolean takeAllPending(final TenantDoorbell vnic)
    {
        for (final QueuePair qp : liveQps.get())
        {
            if ((vnic == null || vnic.owns(qp.qpn())) && !takePending(qp))
            {
                return false;
            }
        }
        return true;
    }

    /** Announces the QP's posts if a producer raised its pending word; false if the window filled first. */
    private boolean takePending(final QueuePair qp)
    {
        if (window.isFull())
        {
            return false; // the rest next time: a QP's pending word is cleared only once its posts are announced
        }
        final HostRing sendRing = qp.sendRing();
        if (sendRing.doorbellPending())
        {
            sendRing.clearDoorbellPending();
            announce(qp, sendRing.producerAcquire());
        }
        return true;
    }
}
