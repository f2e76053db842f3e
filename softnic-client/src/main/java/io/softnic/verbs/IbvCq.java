package io.softnic.verbs;

import io.softnic.hostif.CqNotify;
import io.softnic.hostif.Cqe;
import io.softnic.hostif.HostRing;

import java.lang.foreign.MemorySegment;

/**
 * A completion queue. {@link #poll} reads completions straight from the CQ ring in host memory and
 * {@link #reqNotify} arms it in the ring's header; neither reaches the control plane. An armed CQ makes the device
 * post one event to the event queue of its completion vector, which an {@link EventDispatcher} handler or a
 * {@link IbvCompChannel} receives.
 */
public final class IbvCq implements AutoCloseable
{
    /** Error word values the device sets in the ring header. */
    public static final int ERROR_OVERRUN = 1;

    private final IbvContext context;
    private final int cqn;
    private final int compVector;
    private final HostRing ring;
    private final MemorySegment memory;
    private final IbvCompChannel channel;
    private final Object events = new Object();
    private long eventsReported;
    private long eventsAcked;
    private long consumer;
    private boolean closed;

    IbvCq(final IbvContext context, final DeviceControl.CqResources res, final int compVector,
        final IbvCompChannel channel)
    {
        this.context = context;
        this.cqn = res.cqn();
        this.compVector = compVector;
        this.ring = new HostRing(res.ring(), Cqe.LENGTH, res.capacity());
        this.memory = res.ring();
        this.channel = channel;
        this.consumer = ring.consumerAcquire();
    }

    public int cqn()
    {
        return cqn;
    }

    public int compVector()
    {
        return compVector;
    }

    public int capacity()
    {
        return ring.capacity();
    }

    public IbvContext context()
    {
        return context;
    }

    /** The completion channel events of this CQ go to, or null. */
    public IbvCompChannel channel()
    {
        return channel;
    }

    /**
     * Moves up to {@code max} completions into {@code wcs}, oldest first, and returns how many. In INVOKER mode it
     * first gives the device a duty cycle on this thread.
     */
    public synchronized int poll(final IbvWc[] wcs, final int max)
    {
        if (closed)
        {
            throw new VerbsException("CQ " + cqn + " is destroyed");
        }
        context.control().drive();
        final long available = ring.producerAcquire() - consumer;
        if (available <= 0)
        {
            checkError();
            return 0;
        }
        final int n = (int)Math.min(available, Math.min(max, wcs.length));
        for (int i = 0; i < n; i++)
        {
            final long at = ring.entryOffset(consumer + i);
            final IbvWc wc = wcs[i];
            wc.wrId = Cqe.wrId(memory, at);
            wc.status = IbvWcStatus.of(Cqe.status(memory, at));
            wc.opcode = Cqe.opcode(memory, at);
            wc.byteLen = Cqe.byteLen(memory, at);
            wc.immData = Cqe.immData(memory, at);
            wc.qpNum = Cqe.qpNum(memory, at);
            wc.srcQp = Cqe.srcQp(memory, at);
            wc.wcFlags = Cqe.wcFlags(memory, at);
            wc.vendorErr = Cqe.vendorErr(memory, at);
        }
        consumer += n;
        ring.consumerRelease(consumer);
        return n;
    }

    public int poll(final IbvWc[] wcs)
    {
        return poll(wcs, wcs.length);
    }

    /**
     * {@code ibv_req_notify_cq}: asks for one event on the next completion ({@code solicitedOnly} false) or on the
     * next solicited or unsuccessful one. One-shot: after the event, arm again. Returns true if completions are
     * already waiting (they fire no event: poll them), as {@code IB_CQ_REPORT_MISSED_EVENTS} does.
     */
    public synchronized boolean reqNotify(final boolean solicitedOnly)
    {
        if (closed)
        {
            throw new VerbsException("CQ " + cqn + " is destroyed");
        }
        // an atomic update: ordered before the look at the producer index, the device's mirror image of this
        CqNotify.arm(memory, solicitedOnly ? CqNotify.ARM_SOLICITED : CqNotify.ARM_NEXT);
        return ring.producerAcquire() != consumer;
    }

    /** True if the CQ is armed and has not fired yet. */
    public boolean armed()
    {
        return CqNotify.armed(memory) != 0;
    }

    /**
     * {@code ibv_modify_cq} moderation: count and time thresholds for this CQ's events (a receive and a send pair,
     * see {@link CqModeration}); null: its EQ's setting. Applies from each connection's next batch.
     */
    public void modifyModeration(final CqModeration moderation)
    {
        context.control().modifyCqModeration(cqn, moderation);
    }

    /** Events this CQ has posted to its event queue. */
    public long events()
    {
        return CqNotify.events(memory);
    }

    /** Completions written to this CQ since it was created. */
    public long completions()
    {
        return ring.producerAcquire();
    }

    /** Times the adaptive moderation changed this CQ's profile. */
    public long profileChanges()
    {
        return CqNotify.profileChanges(memory);
    }

    /** Moderation in force as the device last applied it: time threshold of receive completions, microseconds. */
    public int moderationUsecs()
    {
        return CqNotify.usecs(memory);
    }

    /** Moderation in force: count threshold of receive completions. */
    public int moderationFrames()
    {
        return CqNotify.frames(memory);
    }

    /** Moderation in force: time threshold of send completions, microseconds ({@code ethtool -c} tx-usecs). */
    public int moderationTxUsecs()
    {
        return CqNotify.txUsecs(memory);
    }

    /** Moderation in force: count threshold of send completions ({@code ethtool -c} tx-frames). */
    public int moderationTxFrames()
    {
        return CqNotify.txFrames(memory);
    }

    /** The adaptive moderation's current profile (0 = least moderation). */
    public int moderationProfile()
    {
        return CqNotify.profile(memory);
    }

    void eventReported()
    {
        synchronized (events)
        {
            eventsReported++;
        }
    }

    void ackEvents(final int n)
    {
        synchronized (events)
        {
            if (n <= 0 || eventsAcked + n > eventsReported)
            {
                throw new VerbsException("CQ " + cqn + ": acking " + n + " events, " + (eventsReported - eventsAcked) +
                    " unacked");
            }
            eventsAcked += n;
            events.notifyAll();
        }
    }

    /** Events handed out by {@link IbvCompChannel#getCqEvent} and not yet acked. */
    public long unackedEvents()
    {
        synchronized (events)
        {
            return eventsReported - eventsAcked;
        }
    }

    private void checkError()
    {
        if (ring.errorWord() == ERROR_OVERRUN)
        {
            throw new VerbsException("CQ " + cqn + " overrun: completions arrived faster than they were polled " +
                "(the CQ is in error, as IBV_EVENT_CQ_ERR)");
        }
    }

    /**
     * {@code ibv_destroy_cq}: as in ibverbs, waits until every event {@link IbvCompChannel#getCqEvent} returned for
     * this CQ has been acked with {@link IbvCompChannel#ackCqEvents}.
     */
    @Override
    public void close()
    {
        synchronized (events)
        {
            while (eventsAcked != eventsReported)
            {
                try
                {
                    events.wait();
                }
                catch (final InterruptedException ex)
                {
                    Thread.currentThread().interrupt();
                    throw new VerbsException("interrupted while destroying CQ " + cqn + " with unacked events");
                }
            }
        }
        synchronized (this)
        {
            if (!closed)
            {
                context.control().destroyCq(cqn);
                closed = true; // only once the device let go: a refused destroy leaves the object usable
                context.cqDestroyed(this);
            }
        }
    }
}
