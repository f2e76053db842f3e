package io.softnic.engine.rc;

import io.softnic.engine.completion.CompletionQueue;
import io.softnic.hostif.HostRing;
import io.softnic.verbs.IbvMigState;
import io.softnic.verbs.IbvQpState;
import io.softnic.verbs.RecvCqPolicy;

import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The device's context of one RC queue pair: its attributes and path, its rings in host memory, and its three state
 * machines (requester, completer, responder, as in rxe). All of its protocol processing runs with the QP's monitor
 * held, so the TX and RX pipelines may serve it from different threads; the lock is per QP, never shared.
 */
public final class QueuePair
{
    private final int qpn;
    private final int pdn;
    private final CompletionQueue sendCq;
    private final CompletionQueue recvCq;
    private final boolean sqSigAll;
    private final HostRing sendRing;
    private final HostRing recvRing;
    private final int maxSendSge;
    private final int maxRecvSge;
    private final int maxInlineData;
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
    /** Next CQ of the set for round-robin receives; advanced per message under the QP's monitor. */
    private int recvRoundRobin;

    private volatile IbvQpState state = IbvQpState.RESET;
    int accessFlags;
    int pathMtu = 1024;
    int destQpn;
    /** {@link #admit}: the packet came along the primary path. */
    public static final int PRIMARY = -1;
    /** {@link #admit}: the packet came from elsewhere and is not this connection's. */
    public static final int STRANGER = -2;

    /** Where packets go now, and where they go if this one fails (valid when armed). */
    private final QpPath primary = new QpPath();
    private final QpPath alternate = new QpPath();
    private volatile IbvMigState migState = IbvMigState.MIGRATED;
    int pkey = 0xFFFF;
    int timeoutCode = 14;
    int retryCnt = 7;
    int rnrRetry = 7;
    int minRnrTimer = 12;
    int maxRdAtomic = 1;
    int maxDestRdAtomic = 1;
    int sqPsn;
    int rqPsn;

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
        final Transport transport)
    {
        this.qpn = qpn;
        this.pdn = pdn;
        this.sendCq = sendCq;
        this.recvCq = recvCq;
        this.sqSigAll = sqSigAll;
        this.sendRing = sendRing;
        this.recvRing = recvRing;
        this.maxSendSge = maxSendSge;
        this.maxRecvSge = maxRecvSge;
        this.maxInlineData = maxInlineData;
        this.transport = transport;
        this.sendQueue = new SendQueue(this, transport);
        this.requester = new Requester(this, sendQueue, transport);
        this.completer = new Completer(this, sendQueue, transport);
        this.responder = new Responder(this, transport);
    }

    public int qpn()
    {
        return qpn;
    }

    public int pdn()
    {
        return pdn;
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
                final CompletionQueue cq = cqSet[recvRoundRobin];
                recvRoundRobin = recvRoundRobin + 1 == cqSet.length ? 0 : recvRoundRobin + 1;
                return cq;
            }
            default ->
            {
                return recvCq;
            }
        }
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
        return state;
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
        return pkey;
    }

    public int destQpn()
    {
        return destQpn;
    }

    public int destIpv4()
    {
        return primary.destIpv4;
    }

    public int destUdpPort()
    {
        return primary.destUdpPort;
    }

    /** The local port the QP's packets leave from now (its primary path's). */
    public int portIndex()
    {
        return primary.portIndex;
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
        return migState;
    }

    public int pathMtu()
    {
        return pathMtu;
    }

    public int accessFlags()
    {
        return accessFlags;
    }

    public int sourceUdpPort()
    {
        return primary.sourceUdpPort;
    }

    public int timeoutCode()
    {
        return timeoutCode;
    }

    public int retryCnt()
    {
        return retryCnt;
    }

    public int rnrRetry()
    {
        return rnrRetry;
    }

    public int minRnrTimer()
    {
        return minRnrTimer;
    }

    public int maxRdAtomic()
    {
        return maxRdAtomic;
    }

    public int maxDestRdAtomic()
    {
        return maxDestRdAtomic;
    }

    public int sqPsn()
    {
        return sqPsn;
    }

    public int rqPsn()
    {
        return rqPsn;
    }

    /** Control plane: applies attributes of a validated modify; called with the QP's monitor held. */
    public void applyPath(
        final int destQpn, final int destIpv4, final int destUdpPort, final int portIndex, final int sourceUdpPort)
    {
        this.destQpn = destQpn;
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
        migState = state == IbvMigState.REARM ? IbvMigState.ARMED : state;  // no peer handshake to wait for
    }

    /**
     * Moves the connection to its alternate path (the old primary becomes the alternate, disarmed), as APM does
     * when the primary fails or the peer's packets arrive on the alternate. Returns the port it left, or -1 if it
     * was not armed. Monitor held.
     */
    public int migrate()
    {
        if (migState != IbvMigState.ARMED)
        {
            return -1;
        }
        final int from = primary.portIndex;
        final int destIpv4 = primary.destIpv4;
        final int destUdpPort = primary.destUdpPort;
        final int sourceUdpPort = primary.sourceUdpPort;
        primary.copyFrom(alternate);
        alternate.set(from, destIpv4, destUdpPort, sourceUdpPort);
        migState = IbvMigState.MIGRATED;
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
        if (migState == IbvMigState.ARMED && alternate.carries(portIndex, sourceIpv4))
        {
            return migrate();
        }
        return STRANGER;
    }

    public void accessFlags(final int flags)
    {
        this.accessFlags = flags;
    }

    public void pathMtu(final int bytes)
    {
        this.pathMtu = bytes;
    }

    public void pkey(final int pkey)
    {
        this.pkey = pkey;
    }

    /** INIT to RTR: the responder's side opens at the peer's starting PSN. */
    public void toRtr(final int rqPsn, final int maxDestRdAtomic, final int minRnrTimer)
    {
        this.rqPsn = rqPsn;
        this.maxDestRdAtomic = maxDestRdAtomic;
        this.minRnrTimer = minRnrTimer;
        responder.open(rqPsn, maxDestRdAtomic);
        state = IbvQpState.RTR;
    }

    /** RTR to RTS: the requester opens at our starting PSN. */
    public void toRts(final int sqPsn, final int timeoutCode, final int retryCnt, final int rnrRetry, final int maxRdAtomic)
    {
        this.sqPsn = sqPsn;
        this.timeoutCode = timeoutCode;
        this.retryCnt = retryCnt;
        this.rnrRetry = rnrRetry;
        this.maxRdAtomic = maxRdAtomic;
        sendQueue.open(sqPsn);
        requester.reset();
        state = IbvQpState.RTS;
    }

    /** Attributes that RTS to RTS may change. */
    public void retune(final int timeoutCode, final int retryCnt, final int rnrRetry, final int minRnrTimer)
    {
        this.timeoutCode = timeoutCode;
        this.retryCnt = retryCnt;
        this.rnrRetry = rnrRetry;
        this.minRnrTimer = minRnrTimer;
    }

    public void toInit()
    {
        state = IbvQpState.INIT;
    }

    /**
     * Moves the QP to ERR: everything outstanding on both queues completes with WR_FLUSH_ERR. Caller holds the
     * QP's monitor.
     */
    public void toError()
    {
        if (state != IbvQpState.ERR)
        {
            state = IbvQpState.ERR;
            transport.counters().increment(io.softnic.engine.counters.EngineCounters.QP_ERRORS);
        }
        flush();
    }

    /** Completes with WR_FLUSH_ERR whatever the tenant posted since the last flush; for QPs in ERR. */
    public void flush()
    {
        sendQueue.flush();
        responder.flushReceives();
    }

    /** Back to RESET: posted work is discarded without completions, as ibverbs does. */
    public void toReset()
    {
        state = IbvQpState.RESET;
        alternate.clear();
        migState = IbvMigState.MIGRATED;
        sendQueue.discard();
        responder.discard();
    }

    @Override
    public String toString()
    {
        return "QP " + qpn;
    }
}
