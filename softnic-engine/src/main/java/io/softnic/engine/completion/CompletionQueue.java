package io.softnic.engine.completion;

import io.softnic.engine.counters.EngineCounters;
import io.softnic.hostif.CqNotify;
import io.softnic.hostif.Cqe;
import io.softnic.hostif.HostRing;
import io.softnic.verbs.CqModeration;
import io.softnic.verbs.IbvCq;
import io.softnic.verbs.IbvWcOpcode;
import org.agrona.collections.Int2ObjectHashMap;
import org.agrona.concurrent.NanoClock;

import java.lang.foreign.MemorySegment;
import java.lang.invoke.VarHandle;

/**
 * The device side of a completion queue: the one writer of its ring, and the source of its events. Both pipelines
 * may complete into one CQ (send completions from the completer, receive completions from the responder, flushes
 * from the control plane) and the moderation timer fires its batches, so all of it is serialized on the CQ itself;
 * the lock is the CQ's own, never shared between tenants.
 *
 * <p>Events are coalesced per connection (seed 6): each QP that completes onto this CQ has a {@link ConnectionBatch}
 * here (made when the control plane binds the QP, so the data path allocates nothing), and one event (EQE) posted
 * for a batch names that connection and carries how many of its completions it stands for. How batches meet the
 * CQ's one-shot arm (req_notify, a word in the ring header), precisely:
 * <ol>
 * <li>Every completion counts in its connection's batch, armed or not; an EQE carries all of the connection's
 *     completions on this CQ since its previous EQE, those that came while the CQ was disarmed included.</li>
 * <li>A completion that the arm lets fire (any completion, or only solicited and unsuccessful ones) <em>opens</em>
 *     its connection's batch, if it is not open yet. Every connection that completes while the arm is set opens its
 *     own batch; reading the arm does not take it.</li>
 * <li>An open batch counts its connection's completions, each against the thresholds of its kind: receive
 *     completions against rx-frames/rx-usecs, send completions against tx-frames/tx-usecs
 *     ({@link CqModeration}), a kind's count and clock starting at its first completion in the batch. The thresholds
 *     are taken at that moment (a change applies from the next batch). When a kind reaches its count, or its time
 *     passes (seen by the {@link ModerationTimer}), or its pair is off, the batch is <em>ready</em>.</li>
 * <li>A ready batch posts its EQE if the CQ is armed at that moment (a solicited-only arm: if the batch holds a
 *     solicited or unsuccessful completion), and posting takes the arm: an armed CQ posts exactly one EQE. Otherwise
 *     it waits, keeping its count and counting further completions, in the order batches became ready; when the
 *     device sees the CQ armed again — at its next completion, or the moderation timer's next duty cycle — the
 *     first waiting batch the arm lets fire posts, and takes that arm. So a batch of another connection that was
 *     open when the first one fired is never lost: it posts on a later arm.</li>
 * </ol>
 * Thresholds come from the CQ's own moderation, or its EQ's: fixed, adaptive (both kinds follow the profile of
 * {@link AdaptiveModeration}, which samples this CQ's events), or following the completing connection's outstanding
 * requests. A connection's batch is dropped when the control plane destroys the QP: completions it had not yet
 * reported in an EQE are in the CQ all the same, where the tenant polls them.
 */
public final class CompletionQueue
{
    /** {@link #onTimer} result bits: the timer may let go of the CQ; an event was posted. */
    static final int TIMER_KEEP = 0;
    static final int TIMER_DONE = 1;
    static final int TIMER_FIRED = 2;

    /**
     * One connection's coalescing state on this CQ. Touched only under the CQ's monitor; nothing in it is shared with
     * another CQ, and it is made once per connection and CQ, never per completion.
     */
    static final class ConnectionBatch
    {
        final int qpn;
        /** Completions since this connection's last EQE on this CQ: the next EQE's count. */
        int pending;
        /** A pending completion can fire a solicited-only arm (solicited or unsuccessful). */
        boolean solicited;
        boolean open;
        boolean ready;
        /** Per kind: count threshold taken at the kind's first completion in the batch (0: none yet), and count. */
        int rxFrames;
        int rxCount;
        int txFrames;
        int txCount;
        boolean timed;
        long deadline;
        /** Position in the CQ's active array, -1 when neither open nor ready. */
        int activeIndex = -1;
        /** Link in the CQ's queue of ready batches waiting for the arm. */
        ConnectionBatch nextReady;

        ConnectionBatch(final int qpn)
        {
            this.qpn = qpn;
        }
    }

    private final int cqn;
    private final int compVector;
    private final HostRing ring;
    private final MemorySegment region;
    private final EngineCounters counters;
    private final EventQueue eq;
    private final ModerationTimer timer;
    private final NanoClock clock;
    private final AdaptiveModeration adaptive = new AdaptiveModeration();
    private volatile CqModeration own;
    private long producer;
    private boolean overrun;
    private boolean destroyed;

    /** The batches by QPN: one per connection completing here, made at bind time. */
    private final Int2ObjectHashMap<ConnectionBatch> batches = new Int2ObjectHashMap<>();
    private ConnectionBatch lastBatch;
    /** Open or ready batches (the timer's work), unordered. */
    private ConnectionBatch[] active = new ConnectionBatch[4];
    private int activeCount;
    /** Ready batches waiting for the arm, in the order they became ready. */
    private ConnectionBatch readyHead;
    private ConnectionBatch readyTail;
    private boolean onTimer;
    private int appliedMode = -1;
    /** Link in the moderation timer's hand-over stack; written before the push, read after the pop. */
    CompletionQueue nextTimed;

    /** A CQ without events (no event queue): completions only. */
    public CompletionQueue(final int cqn, final int compVector, final HostRing ring, final EngineCounters counters)
    {
        this(cqn, compVector, ring, counters, null, null, null);
    }

    public CompletionQueue(
        final int cqn,
        final int compVector,
        final HostRing ring,
        final EngineCounters counters,
        final EventQueue eq,
        final ModerationTimer timer,
        final NanoClock clock)
    {
        this.cqn = cqn;
        this.compVector = compVector;
        this.ring = ring;
        this.region = ring.region();
        this.counters = counters;
        this.eq = eq;
        this.timer = timer;
        this.clock = clock;
        this.producer = ring.producerAcquire();
        if (eq != null)
        {
            publishModeration(moderation(), false);
        }
    }

    public int cqn()
    {
        return cqn;
    }

    public int compVector()
    {
        return compVector;
    }

    public HostRing ring()
    {
        return ring;
    }

    public EventQueue eventQueue()
    {
        return eq;
    }

    /**
     * The control plane: connection {@code qpn} may complete onto this CQ; makes its batch now, so that its
     * completions allocate nothing. A connection that completes without being bound gets its batch on first use.
     */
    public synchronized void bind(final int qpn)
    {
        if (eq != null)
        {
            batch(qpn);
        }
    }

    /** The control plane destroyed connection {@code qpn}: its batch goes (see the class comment). */
    public synchronized void unbind(final int qpn)
    {
        final ConnectionBatch b = batches.remove(qpn);
        if (b == null)
        {
            return;
        }
        if (lastBatch == b)
        {
            lastBatch = null;
        }
        if (b.ready)
        {
            unlinkReady(b);
        }
        if (b.activeIndex >= 0)
        {
            deactivate(b);
        }
    }

    /** Writes one completion that cannot fire a solicited-only arm unless unsuccessful. */
    public boolean complete(
        final long wrId,
        final int status,
        final int opcode,
        final int byteLen,
        final int qpn,
        final int srcQp,
        final int wcFlags,
        final int immData)
    {
        return complete(wrId, status, opcode, byteLen, qpn, srcQp, wcFlags, immData, false, 1);
    }

    /**
     * Writes one completion; false if the CQ has overrun (it is then in error, as IBV_EVENT_CQ_ERR). {@code solicited}:
     * a receive whose message carried the solicited-event bit; {@code outstanding}: requests the completing
     * connection had outstanding on this queue, this one included (for the outstanding moderation mode). Receive
     * opcodes ({@link IbvWcOpcode#RECV} and above) count as receive completions, all others as send completions.
     */
    public synchronized boolean complete(
        final long wrId,
        final int status,
        final int opcode,
        final int byteLen,
        final int qpn,
        final int srcQp,
        final int wcFlags,
        final int immData,
        final boolean solicited,
        final int outstanding)
    {
        counters.completion(status);
        if (overrun)
        {
            return false;
        }
        if (producer - ring.consumerAcquire() >= ring.capacity())
        {
            overrun = true;
            ring.errorWord(IbvCq.ERROR_OVERRUN);
            return false;
        }
        Cqe.put(region, ring.entryOffset(producer), wrId, status, opcode, byteLen, qpn, srcQp, wcFlags, immData, 0);
        producer++;
        ring.producerRelease(producer);
        if (eq != null && !destroyed)
        {
            event(qpn, opcode < IbvWcOpcode.RECV, solicited || status != 0, outstanding);
        }
        return true;
    }

    private ConnectionBatch batch(final int qpn)
    {
        final ConnectionBatch last = lastBatch;
        if (last != null && last.qpn == qpn)
        {
            return last;
        }
        ConnectionBatch b = batches.get(qpn);
        if (b == null)
        {
            b = new ConnectionBatch(qpn); // once per connection and CQ, where the control plane did not bind it
            batches.put(qpn, b);
        }
        lastBatch = b;
        return b;
    }

    private void event(final int qpn, final boolean send, final boolean solicited, final int outstanding)
    {
        final ConnectionBatch b = batch(qpn);
        b.pending++;
        if (solicited)
        {
            b.solicited = true;
        }
        if (b.open)
        {
            if (!b.ready)
            {
                count(b, send, outstanding);
            }
        }
        else
        {
            // the tenant arms, then polls; the device publishes, then reads the arm: one of the two sees the other
            VarHandle.fullFence();
            final int arm = CqNotify.armed(region);
            if (arm != 0 && CqNotify.fires(arm, solicited))
            {
                open(b);
                count(b, send, outstanding);
            }
        }
        if (readyHead != null)
        {
            postReady();
            if (readyHead != null && !onTimer)
            {
                onTimer = true; // a batch waits for the re-arm, which only the timer sees if no completion follows
                timer.schedule(this);
            }
        }
    }

    private void open(final ConnectionBatch b)
    {
        final CqModeration m = moderation();
        if (m.mode() != appliedMode)
        {
            appliedMode = m.mode();
            adaptive.reset();
            publishModeration(m, false);
        }
        b.open = true;
        b.rxFrames = 0;
        b.rxCount = 0;
        b.txFrames = 0;
        b.txCount = 0;
        b.timed = false;
        activate(b);
    }

    /** One completion of an open batch, against its kind's thresholds (taken at the kind's first completion). */
    private void count(final ConnectionBatch b, final boolean send, final int outstanding)
    {
        final int count;
        final int frames;
        if (send ? b.txFrames == 0 : b.rxFrames == 0)
        {
            final CqModeration m = moderation();
            final int usecs;
            final int f;
            switch (m.mode())
            {
                case CqModeration.FIXED ->
                {
                    f = m.frames(send);
                    usecs = m.usecs(send);
                }
                case CqModeration.ADAPTIVE ->
                {
                    f = adaptive.frames();
                    usecs = adaptive.usecs();
                }
                case CqModeration.OUTSTANDING ->
                {
                    // bnx2i-style: an event when half of what is outstanding has completed, so the pipe never drains
                    f = Math.max(1, Math.min(m.frames(send), (Math.max(1, outstanding) + 1) / 2));
                    usecs = m.usecs(send);
                }
                default ->
                {
                    f = 1;
                    usecs = 0;
                }
            }
            if (f <= 1 || usecs <= 0)
            {
                ready(b); // this kind is not moderated: the batch posts now
                return;
            }
            final long deadline = clock.nanoTime() + usecs * 1_000L;
            if (!b.timed || deadline - b.deadline < 0)
            {
                b.timed = true;
                b.deadline = deadline;
            }
            frames = f;
            count = 1;
            if (send)
            {
                b.txFrames = f;
                b.txCount = 1;
            }
            else
            {
                b.rxFrames = f;
                b.rxCount = 1;
            }
            if (!onTimer)
            {
                onTimer = true;
                timer.schedule(this);
            }
        }
        else if (send)
        {
            count = ++b.txCount;
            frames = b.txFrames;
        }
        else
        {
            count = ++b.rxCount;
            frames = b.rxFrames;
        }
        if (count >= frames)
        {
            ready(b);
        }
    }

    private void ready(final ConnectionBatch b)
    {
        b.ready = true;
        b.nextReady = null;
        if (readyTail == null)
        {
            readyHead = b;
        }
        else
        {
            readyTail.nextReady = b;
        }
        readyTail = b;
    }

    /** If the CQ is armed: posts the first ready batch the arm lets fire, taking the arm. True if it posted. */
    private boolean postReady()
    {
        VarHandle.fullFence();
        final int arm = CqNotify.armed(region);
        if (arm == 0)
        {
            return false;
        }
        for (ConnectionBatch b = readyHead; b != null; b = b.nextReady)
        {
            if (CqNotify.fires(arm, b.solicited))
            {
                unlinkReady(b);
                post(b);
                return true;
            }
        }
        return false;
    }

    private void post(final ConnectionBatch b)
    {
        CqNotify.disarm(region);
        CqNotify.countEvent(region);
        final int completions = b.pending;
        b.pending = 0;
        b.solicited = false;
        b.open = false;
        b.ready = false;
        b.timed = false;
        deactivate(b);
        eq.post(cqn, b.qpn, completions);
        if (appliedMode == CqModeration.ADAPTIVE && adaptive.onEvent(completions, clock.nanoTime()))
        {
            publishModeration(moderation(), true);
            eq.profileChanged();
        }
    }

    private void unlinkReady(final ConnectionBatch b)
    {
        ConnectionBatch prev = null;
        for (ConnectionBatch c = readyHead; c != null; prev = c, c = c.nextReady)
        {
            if (c == b)
            {
                if (prev == null)
                {
                    readyHead = c.nextReady;
                }
                else
                {
                    prev.nextReady = c.nextReady;
                }
                if (readyTail == c)
                {
                    readyTail = prev;
                }
                c.nextReady = null;
                return;
            }
        }
    }

    private void activate(final ConnectionBatch b)
    {
        if (activeCount == active.length)
        {
            active = java.util.Arrays.copyOf(active, activeCount * 2); // grows to the connections on the CQ once
        }
        b.activeIndex = activeCount;
        active[activeCount++] = b;
    }

    private void deactivate(final ConnectionBatch b)
    {
        final int i = b.activeIndex;
        if (i < 0)
        {
            return;
        }
        final ConnectionBatch last = active[--activeCount];
        active[i] = last;
        last.activeIndex = i;
        active[activeCount] = null;
        b.activeIndex = -1;
    }

    /**
     * The moderation timer's check: batches whose time passed are ready; a ready batch posts if the CQ is armed
     * (again). Returns {@link #TIMER_FIRED} if it posted, with {@link #TIMER_DONE} when nothing is left to watch.
     */
    synchronized int onTimer(final long now)
    {
        if (destroyed)
        {
            onTimer = false;
            return TIMER_DONE;
        }
        for (int i = 0; i < activeCount; i++)
        {
            final ConnectionBatch b = active[i];
            if (!b.ready && b.timed && now - b.deadline >= 0)
            {
                counters.increment(EngineCounters.CQ_MODERATION_TIMEOUTS);
                ready(b);
            }
        }
        final boolean fired = readyHead != null && postReady();
        if (activeCount == 0)
        {
            onTimer = false;
            return TIMER_DONE | (fired ? TIMER_FIRED : 0);
        }
        return fired ? TIMER_FIRED : TIMER_KEEP;
    }

    /** The moderation in force: the CQ's own, else its EQ's. */
    public CqModeration moderation()
    {
        final CqModeration m = own;
        return m != null ? m : eq.moderation();
    }

    /** {@code ibv_modify_cq}: the CQ's own moderation; null follows the EQ's again. Applies from the next batch. */
    public synchronized void moderation(final CqModeration moderation)
    {
        if (eq == null)
        {
            throw new IllegalStateException("CQ " + cqn + " has no event queue");
        }
        own = moderation;
        applyModeration();
    }

    /** The EQ's moderation changed: CQs that follow it publish what now applies. */
    public synchronized void applyModeration()
    {
        final CqModeration m = moderation();
        appliedMode = m.mode();
        adaptive.reset();
        publishModeration(m, false);
    }

    private void publishModeration(final CqModeration m, final boolean profileChanged)
    {
        if (m.mode() == CqModeration.ADAPTIVE)
        {
            CqNotify.moderation(region, adaptive.usecs(), adaptive.frames(), adaptive.usecs(), adaptive.frames(),
                adaptive.profile(), profileChanged);
        }
        else
        {
            CqNotify.moderation(region, m.rxUsecs(), m.rxFrames(), m.txUsecs(), m.txFrames(), 0, profileChanged);
        }
    }

    /** The control plane destroyed the CQ: no more events. */
    public synchronized void destroy()
    {
        destroyed = true;
        for (int i = 0; i < activeCount; i++)
        {
            active[i].activeIndex = -1;
            active[i] = null;
        }
        activeCount = 0;
        readyHead = null;
        readyTail = null;
    }

    public synchronized boolean overrun()
    {
        return overrun;
    }

    /** For tests: completions of connection {@code qpn} on this CQ not yet reported in an EQE. */
    public synchronized int pending(final int qpn)
    {
        final ConnectionBatch b = batches.get(qpn);
        return b == null ? 0 : b.pending;
    }

    /** For tests: connections with an open or ready batch here. */
    public synchronized int openBatches()
    {
        return activeCount;
    }

    /** For tests: connections whose batch is ready and waits for the CQ to be armed again. */
    public synchronized int waitingBatches()
    {
        int n = 0;
        for (ConnectionBatch b = readyHead; b != null; b = b.nextReady)
        {
            n++;
        }
        return n;
    }

    /** For tests and counters: the adaptive moderation's current profile. */
    public synchronized int adaptiveProfile()
    {
        return adaptive.profile();
    }
}
