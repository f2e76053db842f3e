package io.softnic.engine.rc;

import io.softnic.engine.completion.CompletionQueue;
import io.softnic.hostif.HostRing;
import io.softnic.verbs.IbvQpState;
import io.softnic.verbs.RecvCqPolicy;

import java.net.InetSocketAddress;
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
    int destIpv4;
    int destUdpPort = 4791;
    int portIndex;
    int pkey = 0xFFFF;
    int timeoutCode = 14;
    int retryCnt = 7;
    int rnrRetry = 7;
    int minRnrTimer = 12;
    int maxRdAtomic = 1;
    int maxDestRdAtomic = 1;
    int sqPsn;
    int rqPsn;
    private InetSocketAddress destination;
    private int sourceUdpPort;

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
        return destIpv4;
    }

    public int destUdpPort()
    {
        return destUdpPort;
    }

    public int portIndex()
    {
        return portIndex;
    }

    public int pathMtu()
    {
        return pathMtu;
    }

    public int accessFlags()
    {
        return accessFlags;
    }

    public InetSocketAddress destination()
    {
        return destination;
    }

    public int sourceUdpPort()
    {
        return sourceUdpPort;
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
        this.destIpv4 = destIpv4;
        this.destUdpPort = destUdpPort;
        this.portIndex = portIndex;
        this.sourceUdpPort = sourceUdpPort;
        final byte[] ip = {(byte)(destIpv4 >>> 24), (byte)(destIpv4 >>> 16), (byte)(destIpv4 >>> 8), (byte)destIpv4};
        try
        {
            this.destination = new InetSocketAddress(java.net.InetAddress.getByAddress(ip), destUdpPort);
        }
        catch (final java.net.UnknownHostException ex)
        {
            throw new IllegalStateException(ex);
        }
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
        sendQueue.discard();
        responder.discard();
    }

    @Override
    public String toString()
    {
        return "QP " + qpn;
    }
}
