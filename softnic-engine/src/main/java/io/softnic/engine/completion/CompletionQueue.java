package io.softnic.engine.completion;

import io.softnic.engine.counters.EngineCounters;
import io.softnic.hostif.CqNotify;
import io.softnic.hostif.Cqe;
import io.softnic.hostif.HostRing;
import io.softnic.verbs.CqModeration;
import io.softnic.verbs.IbvCq;
import org.agrona.concurrent.NanoClock;

import java.lang.foreign.MemorySegment;
import java.lang.invoke.VarHandle;

/**
 * The device side of a completion queue: the one writer of its ring, and the source of its events. Both pipelines
 * may complete into one CQ (send completions from the completer, receive completions from the responder, flushes
 * from the control plane) and the moderation timer fires its batches, so all of it is serialized on the CQ itself;
 * the lock is the CQ's own, never shared between tenants.
 *
 * <p>Events: once the tenant armed the CQ (req_notify, a word in the ring header), a completion that the arm lets
 * fire (any completion, or solicited and unsuccessful ones only) opens a batch. The batch posts one event to the
 * CQ's event queue when its count threshold is reached or, via the {@link ModerationTimer}, its time threshold
 * passes — whichever comes first — and takes the arm (one-shot). Thresholds come from the CQ's own moderation, or
 * its EQ's: fixed, adaptive (thresholds from {@link AdaptiveModeration}'s profiles), or following the completing
 * connection's outstanding requests.
 */
public final class CompletionQueue
{
    static final int TIMER_KEEP = 0;
    static final int TIMER_DONE = 1;
    static final int TIMER_FIRED = 2;

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

    private boolean batchOpen;
    private int batchCount;
    private int batchFrames;
    private long batchDeadline;
    private int sinceEvent;
    private int lastQpn;
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
     * connection had outstanding on this queue, this one included (for the outstanding moderation mode).
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
            event(qpn, solicited || status != 0, outstanding);
        }
        return true;
    }

    private void event(final int qpn, final boolean solicited, final int outstanding)
    {
        sinceEvent++;
        lastQpn = qpn;
        if (batchOpen)
        {
            if (++batchCount >= batchFrames)
            {
                fire();
            }
            return;
        }
        // the tenant arms, then polls; the device publishes, then reads the arm: one of the two sees the other
        VarHandle.fullFence();
        final int arm = CqNotify.armed(region);
        if (arm != 0 && CqNotify.fires(arm, solicited))
        {
            openBatch(outstanding);
        }
    }

    private void openBatch(final int outstanding)
    {
        final CqModeration m = moderation();
        if (m.mode() != appliedMode)
        {
            appliedMode = m.mode();
            adaptive.reset();
            publishModeration(m, false);
        }
        final int frames;
        final int usecs;
        switch (m.mode())
        {
            case CqModeration.FIXED ->
            {
                frames = m.frames();
                usecs = m.usecs();
            }
            case CqModeration.ADAPTIVE ->
            {
                frames = adaptive.frames();
                usecs = adaptive.usecs();
            }
            case CqModeration.OUTSTANDING ->
            {
                // bnx2i-style: an event when half of what is outstanding has completed, so the pipe never drains
                frames = Math.max(1, Math.min(m.frames(), (Math.max(1, outstanding) + 1) / 2));
                usecs = m.usecs();
            }
            default ->
            {
                frames = 1;
                usecs = 0;
            }
        }
        if (frames <= 1 || usecs <= 0)
        {
            fire();
            return;
        }
        batchOpen = true;
        batchCount = 1;
        batchFrames = frames;
        batchDeadline = clock.nanoTime() + usecs * 1_000L;
        if (!onTimer)
        {
            onTimer = true;
            timer.schedule(this);
        }
    }

    private void fire()
    {
        batchOpen = false;
        batchCount = 0;
        CqNotify.disarm(region);
        CqNotify.countEvent(region);
        final int completions = sinceEvent;
        sinceEvent = 0;
        eq.post(cqn, lastQpn, completions);
        if (appliedMode == CqModeration.ADAPTIVE && adaptive.onEvent(completions, clock.nanoTime()))
        {
            publishModeration(moderation(), true);
            eq.profileChanged();
        }
    }

    /** The moderation timer's check: posts the batch if its deadline passed. */
    synchronized int onTimer(final long now)
    {
        if (!batchOpen || destroyed)
        {
            onTimer = false;
            return TIMER_DONE;
        }
        if (now - batchDeadline >= 0)
        {
            counters.increment(EngineCounters.CQ_MODERATION_TIMEOUTS);
            fire();
            onTimer = false;
            return TIMER_FIRED;
        }
        return TIMER_KEEP;
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
        final boolean isAdaptive = m.mode() == CqModeration.ADAPTIVE;
        CqNotify.moderation(region,
            isAdaptive ? adaptive.usecs() : m.usecs(),
            isAdaptive ? adaptive.frames() : m.frames(),
            isAdaptive ? adaptive.profile() : 0,
            profileChanged);
    }

    /** The control plane destroyed the CQ: no more events. */
    public synchronized void destroy()
    {
        destroyed = true;
        batchOpen = false;
    }

    public synchronized boolean overrun()
    {
        return overrun;
    }

    /** For tests and counters: the adaptive moderation's current profile. */
    public synchronized int adaptiveProfile()
    {
        return adaptive.profile();
    }
}
