package io.softnic.engine.rc;

import io.softnic.engine.bus.BusFlow;
import io.softnic.engine.bus.FlowTurns;
import io.softnic.engine.completion.CompletionQueue;
import io.softnic.hostif.HostRing;
import io.softnic.verbs.IbvMigState;
import io.softnic.verbs.IbvQpState;
import io.softnic.verbs.RecvCqPolicy;

import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The device's view of one RC queue pair: its rings in host memory, its CQs, its three state machines (requester,
 * completer, responder, as in rxe), and its connection context, whose home is a record in its vNIC's context table
 * and which the engine reaches through the context cache (seed 4). All of its protocol processing runs with the QP's
 * monitor held and its context acquired, so the TX and RX pipelines may serve it from different threads; the lock is
 * per QP, never shared.
 */
public final class QueuePair implements FlowTurns.Member
{
    private static final AtomicLong SERIALS = new AtomicLong();

    private final int qpn;
    /** Its bus turns' tag: the QP number and, above it, this QP's serial (a reused number is another QP). */
    private final long busTag;
    /** Its protection domain, fixed at creation: for the control plane's checks, which must not load a context. */
    private final int owningPd;
    private final CompletionQueue sendCq;
    private final CompletionQueue recvCq;
    private final boolean sqSigAll;
    private final HostRing sendRing;
    private final HostRing recvRing;
    private final int maxSendSge;
    private final int maxRecvSge;
    private final int maxInlineData;
    private final ConnectionContext context;
    private final ContextTable contextTable;
    private final ContextCache contexts;
    private final SendQueue sendQueue;
    private final Requester requester;
    private final Completer completer;
    private final Responder responder;
    private final AtomicBoolean scheduled = new AtomicBoolean();
    private final Transport transport;

    /** Seed 5: the CQ of each completion vector (sendCq/recvCq where the set has none); null when not spreading. */
    private CompletionQueue[] sendCqByVector;
    private CompletionQueue[] recvCqByVector;
    private CompletionQueue[] cqSet;
    private int recvCqPolicy = RecvCqPolicy.FIXED;

    // the TX pipeline's timer registers (TransportTimers), outside the context: they say when to look at it
    /** When the timer wheel will look at this QP next; {@link TransportTimers#NONE} if it will not. */
    volatile long timerCheckAt = TransportTimers.NONE;
    /** Its wheel entry; TX thread only. */
    long timerId = org.agrona.DeadlineTimerWheel.NULL_DEADLINE;
    final AtomicBoolean timerRequested = new AtomicBoolean();
    final AtomicBoolean flushListed = new AtomicBoolean();
    /** Under the monitor: the rings' producer indices at this QP's last flush in ERR, valid while flushCurrent. */
    private long flushedSendProducer;
    private long flushedRecvProducer;
    boolean flushCurrent;
    private volatile boolean destroyed;

    // the bus interface's registers: the named flow its transfers queue in (set by the control plane), its own
    // flow's id in the arbiter and whether it has a turn queued (TX thread)
    private volatile BusFlow flow;
    private int ownFlow = BusFlow.NO_ARBITER_FLOW;
    private boolean turnQueued;

    // the scheduler's registers (TX thread only), outside the context: how far the look-ahead has read this QP's
    // posts from the doorbell ring, and how far it has let the requester fetch
    private long announcedIndex;
    private long releasedIndex;
    /** In ERR its posts are flushed, not run: the scheduler ignores its doorbells (until a reset). */
    private volatile boolean doorbellsIgnored;

    /** {@link #admit}: the packet came along the primary path. */
    public static final int PRIMARY = -1;
    /** {@link #admit}: the packet came from elsewhere and is not this connection's. */
    public static final int STRANGER = -2;

    /** Where packets go now, and where they go if this one fails (valid when armed): views of the context. */
    private final QpPath primary;
    private final QpPath alternate;

    /**
     * A QP whose connection context is {@code context} (a fresh record of {@code contextTable}, its vNIC's or the
     * engine's); the context is set up
     * here, through the cache, before the QP is published.
     */
    public QueuePair(
        final int qpn,
        final int pdn,
        final CompletionQueue sendCq,
        final CompletionQueue recvCq,
        final boolean sqSigAll,
        final HostRing sendRing,
        final HostRing recvRing,
        final int maxSendSge,
        final int maxRecvSge,
        final int maxInlineData,
        final ConnectionContext context,
        final ContextTable contextTable,
        final Transport transport)
    {
        this.contextTable = contextTable;
        this.owningPd = pdn;
        this.qpn = qpn;
        this.busTag = (SERIALS.incrementAndGet() << 32) | (qpn & 0xFFFF_FFFFL);
        this.sendCq = sendCq;
        this.recvCq = recvCq;
        this.sqSigAll = sqSigAll;
        this.sendRing = sendRing;
        this.recvRing = recvRing;
        this.maxSendSge = maxSendSge;
        this.maxRecvSge = maxRecvSge;
        this.maxInlineData = maxInlineData;
        this.context = context;
        this.contexts = transport.contexts();
        this.transport = transport;
        this.announcedIndex = sendRing.producerAcquire();
        this.releasedIndex = announcedIndex;
        this.primary = new QpPath(context, ConnectionContext.PRIMARY_PATH);
        this.alternate = new QpPath(context, ConnectionContext.ALTERNATE_PATH);
        contexts.acquire(context);
        try
        {
            context.state(IbvQpState.RESET);
            context.migState(IbvMigState.MIGRATED);
            context.pdn(pdn);
            context.pathMtu(1024);
            context.pkey(0xFFFF);
            context.timeoutCode(14);
            context.retryCnt(7);
            context.rnrRetry(7);
            context.minRnrTimer(12);
            context.maxRdAtomic(1);
            context.maxDestRdAtomic(1);
            primary.clear();
            alternate.clear();
            this.sendQueue = new SendQueue(this, transport);
            this.requester = new Requester(this, sendQueue, transport);
            this.completer = new Completer(this, sendQueue, transport);
            this.responder = new Responder(this, transport);
            context.retransmitDeadline(Long.MAX_VALUE);
        }
        finally
        {
            contexts.release(context);
        }
    }

    /**
     * Brings the QP's connection context into the engine's context cache (a load on a miss) and keeps it there until
     * the matching {@link #releaseContext}. Every piece of protocol processing of this QP runs between the two, with
     * the QP's monitor held.
     */
    public void acquireContext()
    {
        if (destroyed)
        {
            // its record may already belong to a new QP: loading it again would put one record in two lines
            throw new io.softnic.verbs.VerbsException("no QP " + qpn + " (destroyed)");
        }
        contexts.acquire(context);
    }

    public void releaseContext()
    {
        contexts.release(context);
    }

    /** For callers outside the pipelines (the CM, the tools): reads the QP's context under its monitor. */
    public <T> T read(final java.util.function.Function<QueuePair, T> reader)
    {
        synchronized (this)
        {
            acquireContext();
            try
            {
                return reader.apply(this);
            }
            finally
            {
                contexts.release(context);
            }
        }
    }

    /** The QP is destroyed: its context leaves the cache unwritten and its record goes back to its table. */
    public void dropContext()
    {
        synchronized (this)
        {
            destroyed = true;
            contexts.acquire(context);
            contexts.discard(context);
            contexts.release(context);
        }
        contextTable.free(context);
    }

    /** True once the QP was destroyed: late timers and doorbells naming it are ignored. */
    public boolean destroyed()
    {
        return destroyed;
    }

    public ConnectionContext context()
    {
        return context;
    }

    /** The PD it was created in (the context holds it too, for the data path); needs no context. */
    public int owningPd()
    {
        return owningPd;
    }

    @Override
    public long memberTag()
    {
        return busTag;
    }

    @Override
    public BusFlow flow()
    {
        return flow;
    }

    /** Control plane: the QP's transfers queue in this named flow from its next turn on. */
    public void flow(final BusFlow flow)
    {
        this.flow = flow;
    }

    @Override
    public int ownFlow()
    {
        return ownFlow;
    }

    @Override
    public void ownFlow(final int flow)
    {
        ownFlow = flow;
    }

    @Override
    public boolean turnQueued()
    {
        return turnQueued;
    }

    @Override
    public void turnQueued(final boolean queued)
    {
        turnQueued = queued;
    }

    /** Scheduler (TX thread): the send-queue index up to which this QP's posts have entered the look-ahead window. */
    public long announcedIndex()
    {
        return announcedIndex;
    }

    public void announcedIndex(final long index)
    {
        announcedIndex = index;
    }

    /** Scheduler (TX thread): the requester may fetch and send posted work up to this send-queue index. */
    public long releasedIndex()
    {
        return releasedIndex;
    }

    /** Whether the scheduler should skip its doorbells: it is in ERR, where what it posts is flushed anyway. */
    public boolean doorbellsIgnored()
    {
        return doorbellsIgnored;
    }

    /** Lets the requester go up to {@code index}; never moves back. */
    public void release(final long index)
    {
        if (index - releasedIndex > 0)
        {
            releasedIndex = index;
        }
    }

    public int qpn()
    {
        return qpn;
    }

    public int pdn()
    {
        return context.pdn();
    }

    public CompletionQueue sendCq()
    {
        return sendCq;
    }

    public CompletionQueue recvCq()
    {
        return recvCq;
    }

    /**
     * Control plane, before the QP is published: spreads its completions over {@code set}, one CQ per completion
     * vector (the CQ's own vector), out of {@code vectors}.
     */
    public void spreadCompletions(final CompletionQueue[] set, final int vectors, final int recvPolicy)
    {
        sendCqByVector = new CompletionQueue[vectors];
        recvCqByVector = new CompletionQueue[vectors];
        java.util.Arrays.fill(sendCqByVector, sendCq);
        java.util.Arrays.fill(recvCqByVector, recvCq);
        for (final CompletionQueue cq : set)
        {
            sendCqByVector[cq.compVector()] = cq;
            recvCqByVector[cq.compVector()] = cq;
        }
        cqSet = set.clone();
        recvCqPolicy = recvPolicy;
    }

    /** The CQ a send completes into, by the vector its WQE names (out of range: the send CQ). */
    public CompletionQueue sendCqFor(final int vector)
    {
        final CompletionQueue[] byVector = sendCqByVector;
        return byVector != null && vector < byVector.length ? byVector[vector] : sendCq;
    }

    /** The CQ the next receive message completes into, by the QP's policy and the vector its WQE names. */
    public CompletionQueue recvCqFor(final int vector)
    {
        switch (recvCqPolicy)
        {
            case RecvCqPolicy.BY_VECTOR ->
            {
                return vector < recvCqByVector.length ? recvCqByVector[vector] : recvCq;
            }
            case RecvCqPolicy.ROUND_ROBIN ->
            {
                final int next = context.recvRoundRobin();
                final CompletionQueue cq = cqSet[next];
                context.recvRoundRobin(next + 1 == cqSet.length ? 0 : next + 1);
                return cq;
            }
            default ->
            {
                return recvCq;
            }
        }
    }

    /** Every CQ this QP's completions can go to, each once. */
    public java.util.List<CompletionQueue> completionQueues()
    {
        final java.util.List<CompletionQueue> all = new java.util.ArrayList<>(2);
        all.add(sendCq);
        if (recvCq != sendCq)
        {
            all.add(recvCq);
        }
        if (cqSet != null)
        {
            for (final CompletionQueue cq : cqSet)
            {
                if (!all.contains(cq))
                {
                    all.add(cq);
                }
            }
        }
        return all;
    }

    /** True if any completion of this QP can go to {@code cq}. */
    public boolean usesCq(final CompletionQueue cq)
    {
        if (cq == sendCq || cq == recvCq)
        {
            return true;
        }
        if (cqSet != null)
        {
            for (final CompletionQueue c : cqSet)
            {
                if (c == cq)
                {
                    return true;
                }
            }
        }
        return false;
    }

    public boolean sqSigAll()
    {
        return sqSigAll;
    }

    public HostRing sendRing()
    {
        return sendRing;
    }

    public HostRing recvRing()
    {
        return recvRing;
    }

    public int maxSendSge()
    {
        return maxSendSge;
    }

    public int maxRecvSge()
    {
        return maxRecvSge;
    }

    public int maxInlineData()
    {
        return maxInlineData;
    }

    public IbvQpState state()
    {
        return context.state();
    }

    public Requester requester()
    {
        return requester;
    }

    public Completer completer()
    {
        return completer;
    }

    public Responder responder()
    {
        return responder;
    }

    public SendQueue sendQueue()
    {
        return sendQueue;
    }

    public AtomicBoolean scheduled()
    {
        return scheduled;
    }

    public int pkey()
    {
        return context.pkey();
    }

    public int destQpn()
    {
        return context.destQpn();
    }

    public int destIpv4()
    {
        return primary.destIpv4();
    }

    public int destUdpPort()
    {
        return primary.destUdpPort();
    }

    /** The local port the QP's packets leave from now (its primary path's). */
    public int portIndex()
    {
        return primary.portIndex();
    }

    public QpPath primaryPath()
    {
        return primary;
    }

    public QpPath alternatePath()
    {
        return alternate;
    }

    public IbvMigState migState()
    {
        return context.migState();
    }

    public int pathMtu()
    {
        return context.pathMtu();
    }

    public int accessFlags()
    {
        return context.accessFlags();
    }

    public int sourceUdpPort()
    {
        return primary.sourceUdpPort();
    }

    public int timeoutCode()
    {
        return context.timeoutCode();
    }

    public int retryCnt()
    {
        return context.retryCnt();
    }

    public int rnrRetry()
    {
        return context.rnrRetry();
    }

    public int minRnrTimer()
    {
        return context.minRnrTimer();
    }

    public int maxRdAtomic()
    {
        return context.maxRdAtomic();
    }

    public int maxDestRdAtomic()
    {
        return context.maxDestRdAtomic();
    }

    public int sqPsn()
    {
        return context.sqPsn();
    }

    public int rqPsn()
    {
        return context.rqPsn();
    }

    /** Control plane: applies attributes of a validated modify; called with the QP's monitor held. */
    public void applyPath(
        final int destQpn, final int destIpv4, final int destUdpPort, final int portIndex, final int sourceUdpPort)
    {
        context.destQpn(destQpn);
        primary.set(portIndex, destIpv4, destUdpPort, sourceUdpPort);
    }

    /** Control plane: loads the alternate path (IBV_QP_ALT_PATH); called with the QP's monitor held. */
    public void applyAlternatePath(
        final int destIpv4, final int destUdpPort, final int portIndex, final int sourceUdpPort)
    {
        alternate.set(portIndex, destIpv4, destUdpPort, sourceUdpPort);
    }

    /** Control plane: arms migration (needs an alternate path) or leaves it disarmed; monitor held. */
    public void migState(final IbvMigState state)
    {
        if (state != IbvMigState.MIGRATED && !alternate.isValid())
        {
            throw new IllegalStateException("QP " + qpn + " has no alternate path to arm");
        }
        context.migState(state == IbvMigState.REARM ? IbvMigState.ARMED : state); // no peer handshake to wait for
    }

    /**
     * Moves the connection to its alternate path (the old primary becomes the alternate, disarmed), as APM does
     * when the primary fails or the peer's packets arrive on the alternate. Returns the port it left, or -1 if it
     * was not armed. Monitor held.
     */
    public int migrate()
    {
        if (context.migState() != IbvMigState.ARMED)
        {
            return -1;
        }
        final int from = primary.portIndex();
        final int destIpv4 = primary.destIpv4();
        final int destUdpPort = primary.destUdpPort();
        final int sourceUdpPort = primary.sourceUdpPort();
        primary.copyFrom(alternate);
        alternate.set(from, destIpv4, destUdpPort, sourceUdpPort);
        context.migState(IbvMigState.MIGRATED);
        return from;
    }

    /**
     * Whether a packet from {@code sourceIpv4} on local port {@code portIndex} belongs to this connection: it came
     * along the primary path, or along the armed alternate — the peer has migrated, so this side follows (counted by
     * the caller through the returned port). Monitor held.
     *
     * @return {@link #PRIMARY}, {@link #STRANGER}, or the port left behind by a migration
     */
    public int admit(final int portIndex, final int sourceIpv4)
    {
        if (primary.carries(portIndex, sourceIpv4))
        {
            return PRIMARY;
        }
        if (context.migState() == IbvMigState.ARMED && alternate.carries(portIndex, sourceIpv4))
        {
            return migrate();
        }
        return STRANGER;
    }

    public void accessFlags(final int flags)
    {
        context.accessFlags(flags);
    }

    public void pathMtu(final int bytes)
    {
        context.pathMtu(bytes);
    }

    public void pkey(final int pkey)
    {
        context.pkey(pkey);
    }

    /** INIT to RTR: the responder's side opens at the peer's starting PSN. */
    public void toRtr(final int rqPsn, final int maxDestRdAtomic, final int minRnrTimer)
    {
        context.rqPsn(rqPsn);
        context.maxDestRdAtomic(maxDestRdAtomic);
        context.minRnrTimer(minRnrTimer);
        responder.open(rqPsn, maxDestRdAtomic);
        context.state(IbvQpState.RTR);
    }

    /** RTR to RTS: the requester opens at our starting PSN. */
    public void toRts(final int sqPsn, final int timeoutCode, final int retryCnt, final int rnrRetry, final int maxRdAtomic)
    {
        context.sqPsn(sqPsn);
        context.timeoutCode(timeoutCode);
        context.retryCnt(retryCnt);
        context.rnrRetry(rnrRetry);
        context.maxRdAtomic(maxRdAtomic);
        sendQueue.open(sqPsn);
        requester.reset();
        context.state(IbvQpState.RTS);
    }

    /** Attributes that RTS to RTS may change. */
    public void retune(final int timeoutCode, final int retryCnt, final int rnrRetry, final int minRnrTimer)
    {
        context.timeoutCode(timeoutCode);
        context.retryCnt(retryCnt);
        context.rnrRetry(rnrRetry);
        context.minRnrTimer(minRnrTimer);
    }

    public void toInit()
    {
        context.state(IbvQpState.INIT);
    }

    /**
     * Moves the QP to ERR: everything outstanding on both queues completes with WR_FLUSH_ERR. Caller holds the
     * QP's monitor.
     */
    public void toError()
    {
        if (context.state() != IbvQpState.ERR)
        {
            context.state(IbvQpState.ERR);
            doorbellsIgnored = true;
            requester.reset();
            transport.counters().increment(io.softnic.engine.counters.EngineCounters.QP_ERRORS);
            transport.timers().flushLater(this);
        }
        flush();
    }

    /** Completes with WR_FLUSH_ERR whatever the tenant posted since the last flush; for QPs in ERR. */
    public void flush()
    {
        flushedSendProducer = sendRing.producerAcquire();
        flushedRecvProducer = recvRing.producerAcquire();
        flushCurrent = true;
        sendQueue.flush();
        responder.flushReceives();
    }

    /**
     * Under the monitor, in ERR: false if a flush since the QP went to ERR found both rings' producers where they are
     * now, so there is nothing to flush (a QP in ERR takes no packets); needs no context, so the periodic pass over
     * thousands of QPs in ERR loads none of them.
     */
    public boolean postedSinceFlush()
    {
        return !flushCurrent || sendRing.producerAcquire() != flushedSendProducer
            || recvRing.producerAcquire() != flushedRecvProducer;
    }

    /** Back to RESET: posted work is discarded without completions, as ibverbs does. */
    public void toReset()
    {
        flushCurrent = false;
        context.state(IbvQpState.RESET);
        doorbellsIgnored = false;
        requester.reset(); // no retransmission or RNR deadline outlives the connection
        alternate.clear();
        context.migState(IbvMigState.MIGRATED);
        sendQueue.discard();
        responder.discard();
    }

    @Override
    public String toString()
    {
        return "QP " + qpn;
    }
}
