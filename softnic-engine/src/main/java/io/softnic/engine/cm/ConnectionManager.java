package io.softnic.engine.cm;

import io.softnic.cm.CmControl;
import io.softnic.cm.CmException;
import io.softnic.cm.CmParams;
import io.softnic.cm.CmPeer;
import io.softnic.cm.CmRequest;
import io.softnic.cm.CmState;
import io.softnic.engine.EngineContext;
import io.softnic.engine.control.ControlPlane;
import io.softnic.engine.counters.EngineCounters;
import io.softnic.engine.pipeline.MadHandler;
import io.softnic.engine.port.UdpPort;
import io.softnic.engine.rc.QpPath;
import io.softnic.engine.rc.QueuePair;
import io.softnic.verbs.IbvAhAttr;
import io.softnic.verbs.IbvMigState;
import io.softnic.verbs.IbvMtu;
import io.softnic.verbs.VerbsException;
import io.softnic.wire.Mtu;
import io.softnic.wire.Opcode;
import io.softnic.wire.PacketView;
import io.softnic.wire.cm.CmApr;
import io.softnic.wire.cm.CmDrep;
import io.softnic.wire.cm.CmDreq;
import io.softnic.wire.cm.CmIpPrivateData;
import io.softnic.wire.cm.CmLap;
import io.softnic.wire.cm.CmMra;
import io.softnic.wire.cm.CmPath;
import io.softnic.wire.cm.CmRej;
import io.softnic.wire.cm.CmRep;
import io.softnic.wire.cm.CmReq;
import io.softnic.wire.cm.CmRtu;
import io.softnic.wire.cm.CmTimeout;
import io.softnic.wire.cm.Gid;
import io.softnic.wire.cm.Mad;
import org.agrona.concurrent.Agent;
import org.agrona.concurrent.NanoClock;

import java.lang.foreign.MemorySegment;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The device's connection manager: the IB CM protocol (IBTA vol. 1 ch. 12) for RC QPs in MADs on QP1, with rdma_cm's
 * IP addressing on top (service id RDMA_PS_TCP | port, the IP header at the start of the REQ's private data).
 *
 * <p>Threads. The RX pipeline hands each MAD it finds to {@link #onMad} on the RX thread, which checks it and copies
 * it into a bounded single-producer/single-consumer {@link MadInbox} (never blocking, never allocating). The CM agent's
 * {@link #doWork} takes MADs from there and runs the connection state machines and their retry timers. The verbs-side
 * calls ({@link CmControl}) come from application threads. All connection state is guarded by one lock: the agent
 * only ever tries it (a busy lock costs it a duty cycle, never a wait) and callers hold it only for short steps,
 * never while waiting; they wait by running {@code idle}, which in INVOKER threading is the engine's own duty cycle.
 * MADs leave from the agent only (what a verbs call sends is queued for its next duty cycle), through the port's
 * socket for QP 1 ({@link MadSender}).
 *
 * <p>Alternate paths (APM). On a device with more than one port the active side offers another live port as the
 * local GID of the REQ's alternate path and leaves its remote GID zero: there is no subnet administrator to learn the
 * passive side's other ports from, so the passive side chooses. Once the connection is established the passive side,
 * if it has another live port, sends a LAP with that port as the alternate local GID and the active side's offer as
 * the alternate remote GID; the active side checks it (its port exists and is up), loads it into its QP (RTS to RTS
 * with ALT_PATH and path_mig_state ARMED) and answers with an APR (AP status 0, or why not), upon which the passive
 * side loads and arms its own. A lost LAP is resent on the connection's retry timer; a repeated LAP is answered with
 * the same APR. One-port devices offer nothing and send no LAP. The primary port of a connection made here follows
 * port affinity: a destination on the subnet of some ports takes one of those, otherwise any; among them a hash of
 * the QPN spreads connections over the ports that are up.
 *
 * <p>Failure semantics: a connect that is rejected or times out leaves the QP in RESET (rdma_cm leaves it as it was;
 * RESET lets the caller connect it again). A disconnect, or a DREQ from the peer, moves the QP to ERR, which flushes
 * its outstanding work with WR_FLUSH_ERR. Time comes from the engine's clock, so tests can drive it.
 */
public final class ConnectionManager implements Agent, CmControl, MadHandler
{
    /** First wait for a response to a REQ, REP or DREQ; doubled on each retry up to {@link #MAX_RESPONSE_TIMEOUT_NANOS}. */
    static final long RESPONSE_TIMEOUT_NANOS = TimeUnit.MILLISECONDS.toNanos(200);
    static final long MAX_RESPONSE_TIMEOUT_NANOS = TimeUnit.SECONDS.toNanos(1);
    /**
     * Resends of a REQ, REP or DREQ before the CM gives up on it: rdma_cm's CMA_MAX_CM_RETRIES. A connect gives up
     * sooner when its own timeout passes; the REP and the DREQ are repeated in the background.
     */
    static final int MAX_RETRIES = 15;
    /** How long a finished connection is remembered, to answer late duplicates (a DREQ gets its DREP again). */
    static final long TIMEWAIT_NANOS = TimeUnit.SECONDS.toNanos(20);
    /** How long a REQ waits for the consumer to accept or reject it once the active side has stopped repeating it. */
    static final long STALE_REQUEST_NANOS = TimeUnit.SECONDS.toNanos(10);
    /** Connection requests a listener holds before REQs are rejected with NO_RESOURCES. */
    static final int BACKLOG = 128;
    static final int INBOX_CAPACITY = 256;
    /** Service timeout we ask for in an MRA (4.096 us * 2^18, about 1 s) while a REQ waits for the consumer. */
    static final int MRA_SERVICE_TIMEOUT = 18;
    private static final int MAX_PEER_SERVICE_TIMEOUT = 22;
    private static final int WORK_BATCH = 64;
    /** How often the agent looks at the connections' timers (retries are hundreds of milliseconds apart). */
    private static final long SCAN_INTERVAL_NANOS = TimeUnit.MILLISECONDS.toNanos(5);
    private static final long SCAN_NANOS_PER_CONNECTION = 5_000;
    private static final long REARM_INTERVAL_NANOS = TimeUnit.SECONDS.toNanos(1);
    private static final int MAX_U8 = 255;
    private static final long CA_GUID_PREFIX = 0x5346_4E43_0000_0000L;

    private final EngineContext ctx;
    private final NanoClock clock;
    private final ControlPlane control;
    private final UdpPort[] ports;
    private final EngineCounters counters;
    private final Runnable idle;
    private final MadInbox inbox = new MadInbox(INBOX_CAPACITY);
    private final MadSender sender;
    private final CmMessages messages = new CmMessages();
    private final QpTransitions qps;
    private final ReentrantLock lock = new ReentrantLock();
    private final SplittableRandom random;
    private final long caGuid;

    // Guarded by lock.
    private final Map<Integer, CmConnection> byLocalCommId = new HashMap<>();
    private final Map<Long, CmConnection> byRemote = new HashMap<>();
    private final Map<Integer, CmConnection> byQpn = new HashMap<>();
    private final Map<Integer, CmListener> listeners = new HashMap<>();
    private final Map<Integer, CmListener> listenersByPort = new HashMap<>();
    private final MemorySegment scratch = MemorySegment.ofArray(new byte[Mad.MAD_LENGTH]);
    /** MADs the verbs calls produced, for the agent to send. */
    private final ArrayDeque<Outgoing> outbox = new ArrayDeque<>();
    /** True while the agent's duty cycle holds the lock: MADs go out at once. */
    private boolean agentRunning;
    private int nextCommId;
    private int nextListenerId = 1;
    private long nextScan;
    private volatile String lastError;

    // Views of received MADs: the RX thread's, and the agent's (under lock).
    private final Mad rxMad = new Mad();
    private final Mad mad = new Mad();
    private final CmReq req = new CmReq();
    private final CmRep rep = new CmRep();
    private final CmRtu rtu = new CmRtu();
    private final CmRej rej = new CmRej();
    private final CmDreq dreq = new CmDreq();
    private final CmDrep drep = new CmDrep();
    private final CmMra mra = new CmMra();
    private final CmLap lap = new CmLap();
    private final CmApr apr = new CmApr();
    private final CmIpPrivateData cma = new CmIpPrivateData();

    private record Outgoing(int portIndex, int dstIpv4, MemorySegment mad)
    {
    }

    public ConnectionManager(
        final EngineContext ctx,
        final ControlPlane control,
        final UdpPort[] ports,
        final EngineCounters counters,
        final Runnable idle)
    {
        this.ctx = ctx;
        this.clock = ctx.clock();
        this.control = control;
        this.ports = ports;
        this.counters = counters;
        this.idle = idle;
        this.sender = new MadSender(ctx.udpPort(), counters);
        this.qps = new QpTransitions(control, ctx.udpPort());
        final int ip = ports.length > 0 ? ports[0].ipv4() : 0;
        this.random = new SplittableRandom(System.nanoTime() ^ (long)ip << 17 ^ System.identityHashCode(this));
        this.caGuid = CA_GUID_PREFIX | (ip & 0xFFFF_FFFFL);
        this.nextCommId = random.nextInt();
        this.nextScan = clock.nanoTime();
    }

    @Override
    public String roleName()
    {
        return "softnic-cm";
    }

    /** The last unexpected error the agent survived while handling a MAD (diagnostics). */
    public String lastError()
    {
        return lastError;
    }

    // ------------------------------------------------------------------------------------------------- RX thread

    @Override
    public void onMad(final UdpPort port, final int srcIpv4, final int srcUdpPort, final PacketView packet)
    {
        try
        {
            if (packet.opcode() != Opcode.UD_SEND_ONLY ||
                packet.deth().qkey() != Mad.Q_KEY_GSI ||
                packet.payloadLength() < Mad.MAD_LENGTH)
            {
                counters.increment(EngineCounters.MALFORMED_DROPPED);
                return;
            }
            final Mad m = rxMad.wrap(packet.segment(), packet.payloadOffset());
            if (!m.isCm() || m.method() != Mad.METHOD_SEND || !isHandled(m.attributeId()))
            {
                counters.increment(EngineCounters.MALFORMED_DROPPED);
                return;
            }
            if (!inbox.offer(port.index(), srcIpv4, packet.segment(), packet.payloadOffset()))
            {
                counters.increment(EngineCounters.RX_BUFFERS_EXHAUSTED);
                return;
            }
            counters.increment(EngineCounters.CM_MADS_RECEIVED);
        }
        catch (final RuntimeException ex)
        {
            counters.increment(EngineCounters.MALFORMED_DROPPED);
        }
    }

    private static boolean isHandled(final int attributeId)
    {
        return switch (attributeId)
        {
            case Mad.ATTR_REQ, Mad.ATTR_MRA, Mad.ATTR_REJ, Mad.ATTR_REP, Mad.ATTR_RTU, Mad.ATTR_DREQ, Mad.ATTR_DREP,
                 Mad.ATTR_LAP, Mad.ATTR_APR -> true;
            default -> false;
        };
    }

    // ------------------------------------------------------------------------------------------------- agent

    @Override
    public int doWork()
    {
        if (!lock.tryLock())
        {
            return 0;
        }
        agentRunning = true;
        try
        {
            int work = flushOutbox();
            for (int i = 0; i < WORK_BATCH; i++)
            {
                final int slot = inbox.peek();
                if (slot < 0)
                {
                    break;
                }
                try
                {
                    dispatch(slot);
                }
                catch (final RuntimeException ex)
                {
                    lastError = ex.toString();
                    counters.increment(EngineCounters.MALFORMED_DROPPED);
                }
                finally
                {
                    inbox.release();
                }
                work++;
            }
            final long now = clock.nanoTime();
            if (now - nextScan >= 0)
            {
                // every 5 ms, or less often with many connections: about 200k connection visits a second at most,
                // so thousands of established connections cost the engine little (a timeout fires up to 80 ms
                // late with 16k connections, against 200 ms response timeouts)
                nextScan = now + Math.max(SCAN_INTERVAL_NANOS, byLocalCommId.size() * SCAN_NANOS_PER_CONNECTION);
                work += scanTimers(now);
            }
            return work;
        }
        finally
        {
            agentRunning = false;
            lock.unlock();
        }
    }

    private void dispatch(final int slot)
    {
        final MemorySegment seg = inbox.segment();
        final long off = inbox.offsetOf(slot);
        final int port = inbox.portIndex(slot);
        final int src = inbox.sourceIpv4(slot);
        switch (mad.wrap(seg, off).attributeId())
        {
            case Mad.ATTR_REQ -> onReq(req.wrap(seg, off), port, src);
            case Mad.ATTR_REP -> onRep(rep.wrap(seg, off), src);
            case Mad.ATTR_RTU -> onRtu(rtu.wrap(seg, off), src);
            case Mad.ATTR_REJ -> onRej(rej.wrap(seg, off), src);
            case Mad.ATTR_DREQ -> onDreq(dreq.wrap(seg, off), port, src);
            case Mad.ATTR_DREP -> onDrep(drep.wrap(seg, off), src);
            case Mad.ATTR_MRA -> onMra(mra.wrap(seg, off), src);
            case Mad.ATTR_LAP -> onLap(lap.wrap(seg, off), src);
            case Mad.ATTR_APR -> onApr(apr.wrap(seg, off), src);
            default -> unmatched();
        }
    }

    private void unmatched()
    {
        counters.increment(EngineCounters.MALFORMED_DROPPED);
    }

    // ---- passive side: REQ

    private void onReq(final CmReq m, final int port, final int src)
    {
        final int remoteCommId = m.localCommId();
        final CmConnection existing = byRemote.get(CmConnection.remoteKey(src, remoteCommId));
        if (existing != null)
        {
            duplicateReq(existing);
            return;
        }
        final long serviceId = m.serviceId();
        final CmListener listener =
            CmIpPrivateData.isIpServiceId(serviceId) &&
            CmIpPrivateData.servicePortSpace(serviceId) == CmIpPrivateData.RDMA_PS_TCP ?
            listenersByPort.get(CmIpPrivateData.servicePort(serviceId)) : null;
        if (listener == null)
        {
            rejectReq(m, port, src, CmRej.INVALID_SERVICE_ID);
            return;
        }
        if (m.transportServiceType() != CmReq.TRANSPORT_RC)
        {
            rejectReq(m, port, src, CmRej.INVALID_TRANSPORT_TYPE);
            return;
        }
        if (!Mtu.isValid(m.pathMtu()))
        {
            rejectReq(m, port, src, CmRej.INVALID_MTU);
            return;
        }
        cma.wrap(m.segment(), m.offset() + CmReq.PRIVATE_DATA_OFFSET);
        if (!cma.isIpv4() || m.localQpn() == 0)
        {
            rejectReq(m, port, src, CmRej.UNSUPPORTED_REQ);
            return;
        }
        if (listener.full())
        {
            rejectReq(m, port, src, CmRej.NO_RESOURCES);
            return;
        }
        final CmConnection c = new CmConnection(false, newCommId(), port, src);
        c.remoteCommId = remoteCommId;
        c.transactionId = m.transactionId();
        c.remoteQpn = m.localQpn();
        c.remoteStartingPsn = m.startingPsn();
        c.reqMtuCode = m.pathMtu();
        c.reqResponderResources = m.responderResources();
        c.reqInitiatorDepth = m.initiatorDepth();
        c.reqRetryCount = m.retryCount();
        c.reqRnrRetryCount = m.rnrRetryCount();
        c.reqLocalAckTimeout = m.primaryPath().localAckTimeout();
        final long altLocalGid = m.offset() + CmReq.ALTERNATE_PATH_OFFSET + CmPath.LOCAL_GID_OFFSET;
        final long altRemoteGid = m.offset() + CmReq.ALTERNATE_PATH_OFFSET + CmPath.REMOTE_GID_OFFSET;
        if (Gid.isIpv4Mapped(m.segment(), altLocalGid))
        {
            // the active side offers an alternate path from this port of its own; ours is chosen at the LAP,
            // unless the REQ already names one of our ports
            c.altRemoteIpv4 = Gid.ipv4FromMapped(m.segment(), altLocalGid);
            if (Gid.isIpv4Mapped(m.segment(), altRemoteGid))
            {
                c.altPortIndex = portByIpv4(Gid.ipv4FromMapped(m.segment(), altRemoteGid));
            }
        }
        final byte[] data = new byte[CmIpPrivateData.REQ_USER_DATA_LENGTH];
        MemorySegment.copy(m.segment(), m.offset() + CmReq.PRIVATE_DATA_OFFSET + CmIpPrivateData.USER_DATA_OFFSET,
            MemorySegment.ofArray(data), 0, data.length);
        c.request = new CmRequest(requestId(c), cma.srcIpv4(), cma.port(), c.remoteQpn, c.remoteStartingPsn,
            Mtu.bytes(c.reqMtuCode), c.reqResponderResources, c.reqInitiatorDepth, c.reqRetryCount,
            c.reqRnrRetryCount, c.reqLocalAckTimeout, data);
        c.listener = listener;
        c.state = CmState.REQ_RCVD;
        c.deadline = clock.nanoTime() + STALE_REQUEST_NANOS;
        byLocalCommId.put(c.localCommId, c);
        byRemote.put(CmConnection.remoteKey(src, remoteCommId), c);
        listener.pending.add(c);
    }

    private void duplicateReq(final CmConnection c)
    {
        switch (c.state)
        {
            case CmState.REQ_RCVD ->
            {
                // the consumer has not answered yet: ask the active side for more time
                c.deadline = clock.nanoTime() + STALE_REQUEST_NANOS;
                messages.mra(scratch, c.transactionId, c.localCommId, c.remoteCommId, CmMra.MESSAGE_REQ,
                    MRA_SERVICE_TIMEOUT);
                transmit(c.portIndex, c.remoteIpv4, scratch);
            }
            case CmState.REP_SENT -> resend(c, Mad.ATTR_REP);
            case CmState.REJECTED -> resend(c, Mad.ATTR_REJ);
            default ->
            {
                // established or gone: a stale duplicate
            }
        }
    }

    private void resend(final CmConnection c, final int attribute)
    {
        if (c.lastAttribute == attribute)
        {
            transmit(c.portIndex, c.remoteIpv4, c.lastMad);
        }
    }

    /** A REJ for a REQ we keep no state for (nothing listening, malformed). */
    private void rejectReq(final CmReq m, final int port, final int src, final int reason)
    {
        messages.rej(scratch, m.transactionId(), 0, m.localCommId(), CmRej.MESSAGE_REQ, reason);
        transmit(port, src, scratch);
        counters.increment(EngineCounters.CM_REJECTS_SENT);
    }

    // ---- active side: REP, MRA

    private void onRep(final CmRep m, final int src)
    {
        final CmConnection c = byLocalCommId.get(m.remoteCommId());
        if (c == null || !c.active || c.remoteIpv4 != src)
        {
            unmatched();
            return;
        }
        if (c.state == CmState.REQ_SENT)
        {
            applyRep(c, m);
        }
        else if (c.state == CmState.ESTABLISHED && m.localCommId() == c.remoteCommId)
        {
            resend(c, Mad.ATTR_RTU); // our RTU was lost: the passive side repeats its REP
        }
    }

    private void applyRep(final CmConnection c, final CmRep m)
    {
        final CmParams p = c.params;
        c.remoteCommId = m.localCommId();
        c.remoteQpn = m.localQpn();
        c.remoteStartingPsn = m.startingPsn();
        final int theirMtu = CmMessages.repMtuCode(m.segment(), m.offset());
        c.mtu = Mtu.isValid(theirMtu) ? Math.min(p.mtu(), Mtu.bytes(theirMtu)) : p.mtu();
        final int maxDestRdAtomic = clampRdAtomic(Math.min(p.responderResources(), m.initiatorDepth()));
        final int maxRdAtomic = clampRdAtomic(Math.min(p.initiatorDepth(), m.responderResources()));
        final byte[] data = new byte[CmRep.PRIVATE_DATA_LENGTH];
        m.getPrivateData(MemorySegment.ofArray(data), 0, data.length);
        try
        {
            if (!ownsQp(c))
            {
                throw new VerbsException("QP " + c.qpn + " was destroyed while connecting");
            }
            qps.toRtr(c.qpn, c.portIndex + 1, c.remoteQpn, c.remoteIpv4, c.remoteStartingPsn, c.mtu,
                maxDestRdAtomic, p.minRnrTimer());
            qps.toRts(c.qpn, c.startingPsn, p.timeout(), p.retryCount(), m.rnrRetryCount(), maxRdAtomic);
        }
        catch (final RuntimeException ex)
        {
            // the REP cannot be used: refuse it, so the passive side does not wait for an RTU
            final boolean qpGone = !ownsQp(c);
            messages.rej(c.lastMad, c.transactionId, c.localCommId, c.remoteCommId, CmRej.MESSAGE_REP,
                qpGone ? CmRej.NO_QP : CmRej.CONSUMER_DEFINED);
            c.lastAttribute = Mad.ATTR_REJ;
            transmit(c.portIndex, c.remoteIpv4, c.lastMad);
            counters.increment(EngineCounters.CM_REJECTS_SENT);
            if (!qpGone)
            {
                qps.toReset(c.qpn);
            }
            c.failure = "connect: the REP from " + IbvAhAttr.ipv4ToString(c.remoteIpv4) +
                " could not be applied to QP " + c.qpn + ": " + ex.getMessage();
            finish(c, CmState.IDLE, CmConnection.FAILED, clock.nanoTime());
            return;
        }
        messages.rtu(c.lastMad, c.transactionId, c.localCommId, c.remoteCommId);
        c.lastAttribute = Mad.ATTR_RTU;
        transmit(c.portIndex, c.remoteIpv4, c.lastMad);
        c.peer = new CmPeer(c.remoteIpv4, c.remoteQpn, c.remoteStartingPsn, c.mtu, data);
        c.disarm();
        c.state = CmState.ESTABLISHED;
        c.outcome = CmConnection.ESTABLISHED;
    }

    private void onMra(final CmMra m, final int src)
    {
        final CmConnection c = byLocalCommId.get(m.remoteCommId());
        if (c == null || c.remoteIpv4 != src)
        {
            unmatched();
            return;
        }
        if (c.active && c.state == CmState.REQ_SENT && m.messageMraed() == CmMra.MESSAGE_REQ)
        {
            // the passive side has our REQ and needs longer: wait its service timeout before repeating the REQ
            c.remoteCommId = m.localCommId();
            final long more = CmTimeout.nanos(Math.min(m.serviceTimeout(), MAX_PEER_SERVICE_TIMEOUT));
            c.retries = 0;
            c.timeoutNanos = RESPONSE_TIMEOUT_NANOS;
            c.deadline = clock.nanoTime() + more + RESPONSE_TIMEOUT_NANOS;
        }
    }

    // ---- both sides: RTU, REJ, DREQ, DREP

    /** The connection a message after the REQ/REP exchange is for, checked against its sender; null if none. */
    private CmConnection peerConnection(final int ourCommId, final int theirCommId, final int src)
    {
        final CmConnection c = byLocalCommId.get(ourCommId);
        return c != null && c.remoteCommId == theirCommId &&
            (c.remoteIpv4 == src || c.altAgreed && c.altRemoteIpv4 == src) ? c : null;
    }

    private void onRtu(final CmRtu m, final int src)
    {
        final CmConnection c = peerConnection(m.remoteCommId(), m.localCommId(), src);
        if (c == null || c.active)
        {
            unmatched();
            return;
        }
        if (c.state == CmState.REP_SENT)
        {
            establishPassive(c);
        }
    }

    private void establishPassive(final CmConnection c)
    {
        c.disarm();
        c.state = CmState.ESTABLISHED;
        c.outcome = CmConnection.ESTABLISHED;
        offerAlternatePath(c, clock.nanoTime());
    }

    // ---- alternate path: LAP, APR

    /**
     * Passive side, on establishment: if the active side offered an alternate port in its REQ and this device has
     * another live port, proposes the path between the two with a LAP (resent on the connection's timer until the
     * APR comes).
     */
    private void offerAlternatePath(final CmConnection c, final long now)
    {
        if (c.active || c.altRemoteIpv4 == 0 || c.apState != CmConnection.AP_NONE || !ownsQp(c))
        {
            return;
        }
        final int primary = c.qp.read(QueuePair::portIndex);
        final int alt = c.altPortIndex >= 0 && c.altPortIndex != primary && ports[c.altPortIndex].isUp() ?
            c.altPortIndex : otherLivePort(primary, c.qpn);
        if (alt < 0)
        {
            return;
        }
        c.altPortIndex = alt;
        c.lapPortIndex = alt;
        c.lapRemoteIpv4 = c.altRemoteIpv4;
        c.apTransactionId = random.nextLong();
        messages.lap(c.apMad, c.apTransactionId, c.localCommId, c.remoteCommId, c.remoteQpn, ports[alt].ipv4(),
            c.altRemoteIpv4, c.reqLocalAckTimeout);
        c.apAttribute = Mad.ATTR_LAP;
        c.apState = CmConnection.AP_LAP_SENT;
        send(c, c.apMad);
        c.arm(now, RESPONSE_TIMEOUT_NANOS);
    }

    /** Active side: a LAP. Checked, loaded into the QP and armed, and answered with an APR either way. */
    private void onLap(final CmLap m, final int src)
    {
        final CmConnection c = peerConnection(m.remoteCommId(), m.localCommId(), src);
        if (c == null || !c.active)
        {
            unmatched();
            return;
        }
        if (c.apAttribute == Mad.ATTR_APR && c.apTransactionId == m.transactionId())
        {
            send(c, c.apMad); // our APR was lost: the passive side repeats its LAP
            return;
        }
        if (c.state != CmState.ESTABLISHED)
        {
            unmatched(); // a LAP is for a connection that is up
            return;
        }
        int status = CmApr.AP_LOADED;
        int altPort = -1;
        int peerAlt = 0;
        if (m.remoteQpnEecn() != c.qpn || !ownsQp(c))
        {
            status = CmApr.INVALID_QPN_EECN;
        }
        else if (!m.altLocalGidIsIpv4() || (peerAlt = m.altLocalGidIpv4()) == 0 || !m.altRemoteGidIsIpv4())
        {
            status = CmApr.INVALID_GID;
        }
        else
        {
            altPort = portByIpv4(m.altRemoteGidIpv4());
            if (altPort < 0 || !ports[altPort].isUp() || altPort == c.qp.read(QueuePair::portIndex))
            {
                status = CmApr.INVALID_GID; // not one of our ports, down, or no alternative to the primary
            }
        }
        if (status == CmApr.AP_LOADED)
        {
            try
            {
                qps.loadAlternatePath(c.qpn, altPort + 1, peerAlt, m.altLocalAckTimeout());
            }
            catch (final RuntimeException ex)
            {
                lastError = "LAP for QP " + c.qpn + ": " + ex.getMessage();
                status = CmApr.AP_REJECTED;
            }
        }
        if (status == CmApr.AP_LOADED)
        {
            if (peerAlt != c.remoteIpv4)
            {
                // the peer's other address (a re-arm after a migration names the original one again)
                c.altPortIndex = altPort;
                c.altRemoteIpv4 = peerAlt;
            }
            c.altAgreed = true;
            c.apState = CmConnection.AP_LOADED;
        }
        else
        {
            c.apState = CmConnection.AP_FAILED;
        }
        c.apStatus = status;
        c.apTransactionId = m.transactionId();
        messages.apr(c.apMad, c.apTransactionId, c.localCommId, c.remoteCommId, status);
        c.apAttribute = Mad.ATTR_APR;
        send(c, c.apMad);
    }

    /** Passive side: the APR for our LAP. On success the alternate path is loaded and armed here too. */
    private void onApr(final CmApr m, final int src)
    {
        final CmConnection c = peerConnection(m.remoteCommId(), m.localCommId(), src);
        if (c == null || c.active)
        {
            unmatched();
            return;
        }
        if (c.state != CmState.ESTABLISHED || c.apState != CmConnection.AP_LAP_SENT ||
            m.transactionId() != c.apTransactionId)
        {
            return; // a late duplicate, or the connection is going down
        }
        c.disarm();
        c.apStatus = m.apStatus();
        if (c.apStatus != CmApr.AP_LOADED)
        {
            c.apState = CmConnection.AP_FAILED;
            return;
        }
        try
        {
            if (!ownsQp(c))
            {
                throw new VerbsException("QP " + c.qpn + " is gone");
            }
            qps.loadAlternatePath(c.qpn, c.lapPortIndex + 1, c.lapRemoteIpv4, c.reqLocalAckTimeout);
            c.altAgreed = true;
            c.apState = CmConnection.AP_LOADED;
        }
        catch (final RuntimeException ex)
        {
            lastError = "APR for QP " + c.qpn + ": " + ex.getMessage();
            c.apState = CmConnection.AP_FAILED;
        }
    }

    private void onRej(final CmRej m, final int src)
    {
        CmConnection c;
        if (m.remoteCommId() != 0)
        {
            c = byLocalCommId.get(m.remoteCommId());
            if (c != null && (c.remoteIpv4 != src ||
                (c.state != CmState.REQ_SENT && c.remoteCommId != m.localCommId())))
            {
                c = null;
            }
        }
        else
        {
            // a REJ sent before its sender learnt our comm id (the active side timing out): find it by theirs
            c = byRemote.get(CmConnection.remoteKey(src, m.localCommId()));
        }
        if (c == null)
        {
            unmatched();
            return;
        }
        counters.increment(EngineCounters.CM_REJECTS_RECEIVED);
        final long now = clock.nanoTime();
        c.rejectReason = m.reason();
        switch (c.state)
        {
            case CmState.REQ_SENT ->
            {
                if (ownsQp(c))
                {
                    qps.toReset(c.qpn);
                }
                finish(c, CmState.REJECTED, CmConnection.REJECTED, now);
            }
            case CmState.REQ_RCVD -> finish(c, CmState.REJECTED, CmConnection.REJECTED, now);
            case CmState.REP_SENT ->
            {
                if (ownsQp(c))
                {
                    qps.toError(c.qpn);
                }
                finish(c, CmState.REJECTED, CmConnection.REJECTED, now);
            }
            case CmState.ESTABLISHED, CmState.DREQ_SENT ->
            {
                if (ownsQp(c))
                {
                    qps.toError(c.qpn);
                }
                finish(c, CmState.DISCONNECTED, c.outcome, now);
            }
            default ->
            {
                // already finished
            }
        }
    }

    private void onDreq(final CmDreq m, final int port, final int src)
    {
        final CmConnection c = peerConnection(m.remoteCommId(), m.localCommId(), src);
        if (c == null)
        {
            // as ib_cm does: a DREQ for a connection we do not know is answered, so the peer can finish
            messages.drep(scratch, m.transactionId(), m.remoteCommId(), m.localCommId());
            transmit(port, src, scratch);
            return;
        }
        if (m.remoteQpnEecn() != c.qpn)
        {
            unmatched();
            return;
        }
        switch (c.state)
        {
            case CmState.ESTABLISHED, CmState.REP_SENT, CmState.DREQ_SENT ->
            {
                c.state = CmState.DREQ_RCVD;
                if (ownsQp(c))
                {
                    qps.toError(c.qpn);
                }
                messages.drep(c.lastMad, m.transactionId(), c.localCommId, c.remoteCommId);
                c.lastAttribute = Mad.ATTR_DREP;
                send(c, c.lastMad);
                finish(c, CmState.DISCONNECTED, c.outcome, clock.nanoTime());
            }
            case CmState.DISCONNECTED, CmState.TIMEWAIT ->
            {
                // a repeated DREQ (our DREP was lost), or theirs crossing our late DREQ: answer again
                messages.drep(scratch, m.transactionId(), c.localCommId, c.remoteCommId);
                send(c, scratch);
                c.disarm();
            }
            default -> unmatched();
        }
    }

    private void onDrep(final CmDrep m, final int src)
    {
        final CmConnection c = peerConnection(m.remoteCommId(), m.localCommId(), src);
        if (c == null)
        {
            unmatched();
            return;
        }
        if (c.state == CmState.DREQ_SENT || c.state == CmState.DISCONNECTED && c.lastAttribute == Mad.ATTR_DREQ)
        {
            finish(c, CmState.DISCONNECTED, c.outcome, clock.nanoTime());
        }
    }

    // ---- timers

    private int scanTimers(final long now)
    {
        int work = 0;
        final Iterator<CmConnection> it = byLocalCommId.values().iterator();
        while (it.hasNext())
        {
            final CmConnection c = it.next();
            if (c.forgetAt != Long.MAX_VALUE && now - c.forgetAt >= 0)
            {
                it.remove();
                byRemote.remove(CmConnection.remoteKey(c.remoteIpv4, c.remoteCommId), c);
                if (c.qp != null && control.qp(c.qpn) != c.qp)
                {
                    byQpn.remove(c.qpn, c); // its QP is destroyed: nothing left to report a state for
                }
                work++;
                continue;
            }
            if ((c.state == CmState.ESTABLISHED || c.state == CmState.REP_SENT) && control.qp(c.qpn) != c.qp)
            {
                abandon(c, now);
                work++;
                continue;
            }
            try
            {
                if (c.state == CmState.REP_SENT && ownsQp(c) &&
                    QpTransitions.receivedSince(c.qp, c.remoteStartingPsn))
                {
                    establishPassive(c); // the first packet from the peer stands for the RTU (IBTA 12.6.5)
                    work++;
                    continue;
                }
                if (c.due(now))
                {
                    onTimeout(c, now);
                    work++;
                }
                else if (needsRearm(c, now))
                {
                    rearm(c, now);
                    work++;
                }
            }
            catch (final VerbsException ex)
            {
                lastError = "connection " + c.localCommId + ": " + ex.getMessage(); // its QP went meanwhile
            }
        }
        return work;
    }

    /**
     * Passive side: a connection whose QP migrated is no longer protected (its alternate, the path it left, is
     * disarmed). Once a second has passed since the last try, offer that path again with a LAP; the active side
     * loads it only if its end of the path is up, so a port still down just means another try a second later.
     */
    private boolean needsRearm(final CmConnection c, final long now)
    {
        return !c.active && c.state == CmState.ESTABLISHED && c.apState != CmConnection.AP_LAP_SENT &&
            c.apState != CmConnection.AP_NONE && now - c.nextRearmAt >= 0 && ownsQp(c) &&
            c.qp.read(q -> q.migState() != IbvMigState.ARMED && q.alternatePath().isValid() &&
                ports[q.alternatePath().portIndex()].isUp());
    }

    private void rearm(final CmConnection c, final long now)
    {
        c.nextRearmAt = now + REARM_INTERVAL_NANOS;
        c.qp.read(q ->
        {
            final QpPath alternate = q.alternatePath();
            c.lapPortIndex = alternate.portIndex();
            c.lapRemoteIpv4 = alternate.destIpv4();
            return alternate;
        });
        c.apTransactionId = random.nextLong();
        messages.lap(c.apMad, c.apTransactionId, c.localCommId, c.remoteCommId, c.remoteQpn,
            ports[c.lapPortIndex].ipv4(), c.lapRemoteIpv4, c.reqLocalAckTimeout);
        c.apAttribute = Mad.ATTR_LAP;
        c.apState = CmConnection.AP_LAP_SENT;
        counters.increment(EngineCounters.CM_PATH_REARMS);
        send(c, c.apMad);
        c.arm(now, RESPONSE_TIMEOUT_NANOS);
    }

    private void onTimeout(final CmConnection c, final long now)
    {
        switch (c.state)
        {
            case CmState.REQ_SENT ->
            {
                if (c.retries >= MAX_RETRIES)
                {
                    giveUpConnect(c, "connect: no reply from " + IbvAhAttr.ipv4ToString(c.remoteIpv4) + " after " +
                        (MAX_RETRIES + 1) + " REQs", now);
                }
                else
                {
                    retry(c, now);
                }
            }
            case CmState.REP_SENT ->
            {
                if (c.retries >= MAX_RETRIES)
                {
                    // no RTU ever came: the connection did not happen
                    messages.rej(c.lastMad, c.transactionId, c.localCommId, c.remoteCommId, CmRej.MESSAGE_OTHER,
                        CmRej.TIMEOUT);
                    c.lastAttribute = Mad.ATTR_REJ;
                    transmit(c.portIndex, c.remoteIpv4, c.lastMad);
                    counters.increment(EngineCounters.CM_REJECTS_SENT);
                    if (ownsQp(c))
                    {
                        qps.toError(c.qpn);
                    }
                    c.rejectReason = CmRej.TIMEOUT;
                    finish(c, CmState.DISCONNECTED, CmConnection.TIMED_OUT, now);
                }
                else
                {
                    retry(c, now);
                }
            }
            case CmState.DREQ_SENT, CmState.DISCONNECTED ->
            {
                if (c.lastAttribute != Mad.ATTR_DREQ || c.retries >= MAX_RETRIES)
                {
                    finish(c, CmState.DISCONNECTED, c.outcome, now);
                }
                else
                {
                    retry(c, now);
                }
            }
            case CmState.REQ_RCVD ->
            {
                // neither taken nor answered, and the active side stopped asking: withdraw it
                c.rejectReason = CmRej.TIMEOUT;
                messages.rej(c.lastMad, c.transactionId, c.localCommId, c.remoteCommId, CmRej.MESSAGE_REQ,
                    CmRej.TIMEOUT);
                c.lastAttribute = Mad.ATTR_REJ;
                transmit(c.portIndex, c.remoteIpv4, c.lastMad);
                counters.increment(EngineCounters.CM_REJECTS_SENT);
                finish(c, CmState.REJECTED, CmConnection.TIMED_OUT, now);
            }
            case CmState.ESTABLISHED ->
            {
                if (c.apState == CmConnection.AP_LAP_SENT && c.retries < MAX_RETRIES)
                {
                    retry(c, c.apMad, now); // no APR yet: the LAP or the APR was lost
                }
                else
                {
                    if (c.apState == CmConnection.AP_LAP_SENT)
                    {
                        c.apState = CmConnection.AP_FAILED; // the connection stays up, without an alternate path
                    }
                    c.disarm();
                }
            }
            default -> c.disarm();
        }
    }

    /** The consumer destroyed the QP of a live connection: tell the peer with a DREQ, as rdma_destroy_id does. */
    private void abandon(final CmConnection c, final long now)
    {
        c.transactionId = random.nextLong();
        messages.dreq(c.lastMad, c.transactionId, c.localCommId, c.remoteCommId, c.remoteQpn);
        c.lastAttribute = Mad.ATTR_DREQ;
        send(c, c.lastMad);
        c.arm(now, RESPONSE_TIMEOUT_NANOS);
        c.forgetAt = now + TIMEWAIT_NANOS;
        c.state = CmState.DISCONNECTED; // repeated in the background until the DREP, like a disconnect that timed out
    }

    /**
     * Sends a MAD from the CM agent: at once when the agent itself is running, otherwise (a verbs call on an
     * application thread) as a copy the agent sends on its next duty cycle, so that only the agent writes to the wire.
     */
    private void transmit(final int portIndex, final int dstIpv4, final MemorySegment m)
    {
        if (agentRunning)
        {
            sender.send(ports[portIndex], dstIpv4, m, 0);
        }
        else
        {
            final MemorySegment copy = MemorySegment.ofArray(new byte[Mad.MAD_LENGTH]);
            MemorySegment.copy(m, 0, copy, 0, Mad.MAD_LENGTH);
            outbox.add(new Outgoing(portIndex, dstIpv4, copy));
        }
    }

    private int flushOutbox()
    {
        int sent = 0;
        Outgoing o;
        while ((o = outbox.poll()) != null)
        {
            sender.send(ports[o.portIndex()], o.dstIpv4(), o.mad(), 0);
            sent++;
        }
        return sent;
    }

    private void retry(final CmConnection c, final long now)
    {
        retry(c, c.lastMad, now);
    }

    private void retry(final CmConnection c, final MemorySegment m, final long now)
    {
        send(c, m);
        counters.increment(EngineCounters.CM_RETRIES);
        c.backoff(now, MAX_RESPONSE_TIMEOUT_NANOS);
    }

    /**
     * Sends a MAD of an established connection: along the path its QP takes now when an alternate path was agreed
     * (after a migration that is the old alternate, so that a DREQ still reaches the peer when the port the
     * connection was made on is down), otherwise between the ports the connection was made on.
     */
    private void send(final CmConnection c, final MemorySegment m)
    {
        if (c.altAgreed && ownsQp(c))
        {
            final long path = c.qp.read(q -> (long)q.primaryPath().portIndex() << 32 |
                (q.primaryPath().destIpv4() & 0xFFFF_FFFFL));
            final int portIndex = (int)(path >> 32);
            final int destIpv4 = (int)path;
            if (portIndex >= 0 && portIndex < ports.length && destIpv4 != 0 && ports[portIndex].isUp())
            {
                transmit(portIndex, destIpv4, m);
                return;
            }
        }
        transmit(c.portIndex, c.remoteIpv4, m);
    }

    /** Active side: no REP came. The QP goes back to RESET; the passive side is told with REJ(TIMEOUT). */
    private void giveUpConnect(final CmConnection c, final String why, final long now)
    {
        if (ownsQp(c))
        {
            qps.toReset(c.qpn);
        }
        messages.rej(c.lastMad, c.transactionId, c.localCommId, c.remoteCommId, CmRej.MESSAGE_OTHER, CmRej.TIMEOUT);
        c.lastAttribute = Mad.ATTR_REJ;
        transmit(c.portIndex, c.remoteIpv4, c.lastMad);
        counters.increment(EngineCounters.CM_REJECTS_SENT);
        c.failure = why;
        finish(c, CmState.IDLE, CmConnection.TIMED_OUT, now);
    }

    /** A connection reached an end state: no more timers; remembered for a while to answer duplicates. */
    private void finish(final CmConnection c, final int state, final int outcome, final long now)
    {
        c.disarm();
        c.forgetAt = now + TIMEWAIT_NANOS;
        if (c.listener != null)
        {
            c.listener.pending.remove(c);
        }
        c.state = state;
        c.outcome = outcome == CmConnection.PENDING ? CmConnection.FAILED : outcome;
    }

    /** True while the connection's QP is the one it was made for and no later connection took it over. */
    private boolean ownsQp(final CmConnection c)
    {
        return c.qp != null && control.qp(c.qpn) == c.qp && byQpn.get(c.qpn) == c;
    }

    // ------------------------------------------------------------------------------------------------- verbs side

    @Override
    public int listen(final int port)
    {
        checkServicePort(port);
        lock.lock();
        try
        {
            if (listenersByPort.containsKey(port))
            {
                throw new VerbsException("port " + port + " is already listened on (EADDRINUSE)");
            }
            final CmListener listener = new CmListener(nextListenerId++, port, BACKLOG);
            listeners.put(listener.id, listener);
            listenersByPort.put(port, listener);
            return listener.id;
        }
        finally
        {
            lock.unlock();
        }
    }

    @Override
    public void closeListener(final int listenerId)
    {
        lock.lock();
        try
        {
            final CmListener listener = listeners.remove(listenerId);
            if (listener == null)
            {
                return;
            }
            listenersByPort.remove(listener.port, listener);
            final long now = clock.nanoTime();
            CmConnection c;
            while ((c = listener.pending.poll()) != null)
            {
                // requests nobody took: refused as if nothing had listened
                messages.rej(c.lastMad, c.transactionId, c.localCommId, c.remoteCommId, CmRej.MESSAGE_REQ,
                    CmRej.INVALID_SERVICE_ID);
                c.lastAttribute = Mad.ATTR_REJ;
                transmit(c.portIndex, c.remoteIpv4, c.lastMad);
                counters.increment(EngineCounters.CM_REJECTS_SENT);
                c.rejectReason = CmRej.INVALID_SERVICE_ID;
                finish(c, CmState.REJECTED, CmConnection.REJECTED, now);
            }
        }
        finally
        {
            lock.unlock();
        }
    }

    @Override
    public CmRequest getRequest(final int listenerId, final long timeoutNanos)
    {
        final long deadline = clock.nanoTime() + Math.max(0, timeoutNanos);
        boolean first = true;
        while (true)
        {
            lock.lock();
            try
            {
                final CmListener listener = listeners.get(listenerId);
                if (listener == null)
                {
                    if (first)
                    {
                        throw new VerbsException("no listener " + listenerId);
                    }
                    return null; // closed while we waited
                }
                CmConnection c;
                while ((c = listener.pending.poll()) != null)
                {
                    if (c.state == CmState.REQ_RCVD)
                    {
                        return c.request;
                    }
                }
            }
            finally
            {
                lock.unlock();
            }
            first = false;
            if (clock.nanoTime() - deadline >= 0)
            {
                return null;
            }
            idle.run();
        }
    }

    @Override
    public void accept(final long requestId, final int qpn, final CmParams params)
    {
        final byte[] data = checkParams(params, CmRep.PRIVATE_DATA_LENGTH, "a REP");
        lock.lock();
        try
        {
            final CmConnection c = request(requestId);
            final QueuePair qp = qps.requireFresh(qpn, "accept");
            requireNoConnection(qpn);
            final int mtu = Math.min(Mtu.bytes(c.reqMtuCode), params.mtu());
            final int maxDestRdAtomic = clampRdAtomic(Math.min(params.responderResources(), c.reqInitiatorDepth));
            final int maxRdAtomic = clampRdAtomic(Math.min(params.initiatorDepth(), c.reqResponderResources));
            final int startingPsn = random.nextInt() & 0xFF_FFFF;
            final int portNum = c.portIndex + 1;
            try
            {
                qps.toInit(qpn, portNum);
                qps.toRtr(qpn, portNum, c.remoteQpn, c.remoteIpv4, c.remoteStartingPsn, mtu, maxDestRdAtomic,
                    params.minRnrTimer());
                qps.toRts(qpn, startingPsn, c.reqLocalAckTimeout, c.reqRetryCount, c.reqRnrRetryCount, maxRdAtomic);
            }
            catch (final RuntimeException ex)
            {
                qps.toReset(qpn);
                throw new VerbsException("accept: cannot bring QP " + qpn + " to RTS for the request from " +
                    IbvAhAttr.ipv4ToString(c.remoteIpv4) + ": " + ex.getMessage(), ex);
            }
            c.qpn = qpn;
            c.qp = qp;
            c.params = params;
            c.startingPsn = startingPsn;
            c.mtu = mtu;
            byQpn.put(qpn, c);
            final int mtuCode = mtu < Mtu.bytes(c.reqMtuCode) ? Mtu.code(mtu) : 0;
            messages.rep(c.lastMad, c.transactionId, c.localCommId, c.remoteCommId, qpn, startingPsn,
                maxDestRdAtomic, maxRdAtomic, params.rnrRetryCount(), caGuid, mtuCode, data);
            c.lastAttribute = Mad.ATTR_REP;
            c.state = CmState.REP_SENT;
            transmit(c.portIndex, c.remoteIpv4, c.lastMad);
            c.arm(clock.nanoTime(), RESPONSE_TIMEOUT_NANOS);
        }
        finally
        {
            lock.unlock();
        }
    }

    @Override
    public void reject(final long requestId, final int reason)
    {
        if (reason < 0 || reason > 0xFFFF)
        {
            throw new VerbsException("reject reason " + reason + " out of range 0..65535");
        }
        lock.lock();
        try
        {
            final CmConnection c = request(requestId);
            messages.rej(c.lastMad, c.transactionId, c.localCommId, c.remoteCommId, CmRej.MESSAGE_REQ, reason);
            c.lastAttribute = Mad.ATTR_REJ;
            transmit(c.portIndex, c.remoteIpv4, c.lastMad);
            counters.increment(EngineCounters.CM_REJECTS_SENT);
            c.rejectReason = reason;
            finish(c, CmState.REJECTED, CmConnection.REJECTED, clock.nanoTime());
        }
        finally
        {
            lock.unlock();
        }
    }

    /** The passive connection of a request the consumer may still answer. */
    private CmConnection request(final long requestId)
    {
        final CmConnection c = requestId >= 0 && requestId <= 0xFFFF_FFFFL ? byLocalCommId.get((int)requestId) : null;
        if (c == null || c.active || requestId(c) != requestId)
        {
            throw new VerbsException("no connection request " + requestId + " (unknown, or answered long ago)");
        }
        if (c.state != CmState.REQ_RCVD)
        {
            if (c.outcome == CmConnection.TIMED_OUT)
            {
                throw new CmException("connection request " + requestId + " expired: it waited for an answer " +
                    "after " + IbvAhAttr.ipv4ToString(c.remoteIpv4) + " had stopped asking", CmRej.TIMEOUT);
            }
            if (c.state == CmState.REJECTED && c.lastAttribute != Mad.ATTR_REJ)
            {
                throw new CmException("connection request " + requestId + " was withdrawn by " +
                    IbvAhAttr.ipv4ToString(c.remoteIpv4) + " (" + CmRej.reasonName(c.rejectReason) + ")",
                    c.rejectReason);
            }
            throw new VerbsException("connection request " + requestId + " was already answered (CM state " +
                CmState.name(c.state) + ")");
        }
        return c;
    }

    private static long requestId(final CmConnection c)
    {
        return c.localCommId & 0xFFFF_FFFFL;
    }

    @Override
    public CmPeer connect(
        final int qpn, final int remoteIpv4, final int port, final CmParams params, final long timeoutNanos)
    {
        final CmConnection c = startConnect(qpn, remoteIpv4, port, params, timeoutNanos);
        CmPeer peer;
        while ((peer = pollConnect(c)) == null)
        {
            idle.run();
        }
        return peer;
    }

    /**
     * The first half of {@link #connect}, for callers that cannot block (the master serving an attached tenant):
     * sends the REQ and returns a handle for {@link #connectPoll}. The connect gives up when it is polled after
     * {@code timeoutNanos} without an answer (or when the REQ's retries run out).
     */
    public int connectStart(
        final int qpn, final int remoteIpv4, final int port, final CmParams params, final long timeoutNanos)
    {
        return startConnect(qpn, remoteIpv4, port, params, timeoutNanos).localCommId;
    }

    /**
     * The outcome of a connect started with {@link #connectStart}: the peer once established, null while pending;
     * throws {@link CmException} on REJ or timeout (the QP back in RESET) as {@link #connect} does. Never blocks.
     */
    public CmPeer connectPoll(final int handle)
    {
        final CmConnection c;
        lock.lock();
        try
        {
            c = byLocalCommId.get(handle);
        }
        finally
        {
            lock.unlock();
        }
        if (c == null || !c.active)
        {
            throw new VerbsException("no connect " + handle + " (unknown, or finished long ago)");
        }
        return pollConnect(c);
    }

    private CmConnection startConnect(
        final int qpn, final int remoteIpv4, final int port, final CmParams params, final long timeoutNanos)
    {
        final byte[] data = checkParams(params, CmIpPrivateData.REQ_USER_DATA_LENGTH,
            "a REQ (92 bytes less rdma_cm's 36-byte IP header)");
        checkServicePort(port);
        if (remoteIpv4 == 0)
        {
            throw new VerbsException("connect: no destination address");
        }
        if (timeoutNanos <= 0)
        {
            throw new VerbsException("connect: timeout must be positive: " + timeoutNanos + " ns");
        }
        final CmConnection c;
        lock.lock();
        try
        {
            final QueuePair qp = qps.requireFresh(qpn, "connect");
            requireNoConnection(qpn);
            final int portIndex = route(remoteIpv4, qpn);
            final int altPortIndex = otherLivePort(portIndex, qpn);
            qps.toInit(qpn, portIndex + 1);
            c = new CmConnection(true, newCommId(), portIndex, remoteIpv4);
            c.qpn = qpn;
            c.qp = qp;
            c.params = params;
            c.startingPsn = random.nextInt() & 0xFF_FFFF;
            c.transactionId = random.nextLong();
            c.altPortIndex = altPortIndex;
            c.servicePort = port;
            c.connectTimeoutNanos = timeoutNanos;
            c.connectDeadline = clock.nanoTime() + timeoutNanos;
            final int rdMax = ctx.maxRdAtomic();
            messages.req(c.lastMad, c.transactionId, c.localCommId, new CmMessages.ReqFields(
                CmIpPrivateData.tcpServiceId(port), caGuid, qpn, c.startingPsn,
                Math.min(params.responderResources(), Math.min(rdMax, MAX_U8)),
                Math.min(params.initiatorDepth(), Math.min(rdMax, MAX_U8)),
                params.retryCount(), params.rnrRetryCount(), IbvMtu.fromBytes(params.mtu()), params.timeout(),
                MAX_RETRIES, ports[portIndex].ipv4(), remoteIpv4, 0xC000 | (c.localCommId & 0x3FFF), data,
                altPortIndex >= 0 ? ports[altPortIndex].ipv4() : 0));
            c.lastAttribute = Mad.ATTR_REQ;
            byLocalCommId.put(c.localCommId, c);
            byQpn.put(qpn, c);
            c.state = CmState.REQ_SENT;
            transmit(portIndex, remoteIpv4, c.lastMad);
            c.arm(clock.nanoTime(), RESPONSE_TIMEOUT_NANOS);
        }
        finally
        {
            lock.unlock();
        }
        return c;
    }

    /** One look at an active connection: the peer, null while pending (giving up past its deadline), or throws. */
    private CmPeer pollConnect(final CmConnection c)
    {
        if (c.outcome == CmConnection.PENDING)
        {
            if (clock.nanoTime() - c.connectDeadline < 0)
            {
                return null;
            }
            lock.lock();
            try
            {
                if (c.outcome == CmConnection.PENDING)
                {
                    giveUpConnect(c, "connect: no reply from " + IbvAhAttr.ipv4ToString(c.remoteIpv4) + ":" +
                        c.servicePort + " within " + TimeUnit.NANOSECONDS.toMillis(c.connectTimeoutNanos) + " ms",
                        clock.nanoTime());
                }
            }
            finally
            {
                lock.unlock();
            }
        }
        return switch (c.outcome)
        {
            case CmConnection.ESTABLISHED -> c.peer;
            case CmConnection.REJECTED -> throw new CmException("connect to " +
                IbvAhAttr.ipv4ToString(c.remoteIpv4) + ":" + c.servicePort + " rejected: " +
                CmRej.reasonName(c.rejectReason) + " (" + c.rejectReason + ")" +
                (c.rejectReason == CmRej.INVALID_SERVICE_ID ? ": nothing listens on that port" : ""),
                c.rejectReason);
            case CmConnection.TIMED_OUT -> throw new CmException(c.failure, CmException.TIMEOUT);
            default -> throw new VerbsException(c.failure != null ? c.failure : "connect failed");
        };
    }

    @Override
    public void disconnect(final int qpn, final long timeoutNanos)
    {
        final long deadline = clock.nanoTime() + Math.max(0, timeoutNanos);
        disconnectStart(qpn);
        while (!disconnectPoll(qpn, clock.nanoTime() - deadline >= 0))
        {
            idle.run();
        }
    }

    /**
     * The first half of {@link #disconnect}, for callers that cannot block: QP to ERR and DREQ sent (nothing if the
     * connection is already going or gone); {@link #disconnectPoll} tells when the DREP came.
     */
    public void disconnectStart(final int qpn)
    {
        lock.lock();
        try
        {
            final CmConnection c = byQpn.get(qpn);
            if (c == null || !ownsQp(c))
            {
                throw new VerbsException("disconnect: QP " + qpn + " has no connection");
            }
            switch (c.state)
            {
                case CmState.ESTABLISHED, CmState.REP_SENT -> sendDreq(c);
                case CmState.DREQ_SENT, CmState.DREQ_RCVD, CmState.DISCONNECTED, CmState.TIMEWAIT ->
                {
                    // already going or gone
                }
                default -> throw new VerbsException("disconnect: QP " + qpn + " is not connected (CM state " +
                    CmState.name(c.state) + ")");
            }
        }
        finally
        {
            lock.unlock();
        }
    }

    /**
     * Whether the disconnect of the QP's connection is done (the DREP came, or the peer's DREQ crossed ours). With
     * {@code giveUp}, a disconnect still waiting for its DREP is done for the caller (the DREQ keeps being repeated in
     * the background until its retries run out). Never blocks.
     */
    public boolean disconnectPoll(final int qpn, final boolean giveUp)
    {
        lock.lock();
        try
        {
            final CmConnection c = byQpn.get(qpn);
            if (c == null || c.state != CmState.DREQ_SENT)
            {
                return true;
            }
            if (giveUp)
            {
                // no DREP yet: down for the caller; the DREQ keeps being repeated until its retries run out
                c.forgetAt = clock.nanoTime() + TIMEWAIT_NANOS;
                c.state = CmState.DISCONNECTED;
                return true;
            }
            return false;
        }
        finally
        {
            lock.unlock();
        }
    }

    /**
     * Disconnects the QP's connection if it is up (a DREQ the peer sees at once), without waiting: for the master
     * taking back what a tenant held. Returns whether a DREQ went out.
     */
    public boolean disconnectIfConnected(final int qpn)
    {
        lock.lock();
        try
        {
            final CmConnection c = byQpn.get(qpn);
            if (c == null || !ownsQp(c) || c.state != CmState.ESTABLISHED && c.state != CmState.REP_SENT)
            {
                return false;
            }
            sendDreq(c);
            return true;
        }
        finally
        {
            lock.unlock();
        }
    }

    /** Under the lock: QP to ERR (outstanding work flushes), DREQ sent and its retry timer armed. */
    private void sendDreq(final CmConnection c)
    {
        qps.toError(c.qpn);
        c.transactionId = random.nextLong();
        messages.dreq(c.lastMad, c.transactionId, c.localCommId, c.remoteCommId, c.remoteQpn);
        c.lastAttribute = Mad.ATTR_DREQ;
        c.state = CmState.DREQ_SENT;
        send(c, c.lastMad);
        c.arm(clock.nanoTime(), RESPONSE_TIMEOUT_NANOS);
    }

    @Override
    public int state(final int qpn)
    {
        lock.lock();
        try
        {
            final CmConnection c = byQpn.get(qpn);
            return c == null || control.qp(qpn) != c.qp ? CmState.IDLE : c.state;
        }
        finally
        {
            lock.unlock();
        }
    }

    // ------------------------------------------------------------------------------------------------- helpers

    private void requireNoConnection(final int qpn)
    {
        final CmConnection existing = byQpn.get(qpn);
        if (existing != null && ownsQp(existing) && !existing.isTerminal())
        {
            throw new VerbsException("QP " + qpn + " already has a connection (CM state " +
                CmState.name(existing.state) + ")");
        }
    }

    private int newCommId()
    {
        int id;
        do
        {
            id = nextCommId++;
        }
        while (id == 0 || byLocalCommId.containsKey(id));
        return id;
    }

    /**
     * The port a connection of QP {@code qpn} to an address starts on (port affinity): the port with that address
     * if it is one of ours; otherwise, among the live ports on the address's /24 (or all live ports when none is on
     * it), the one a hash of the QPN picks, so that connections spread over the ports. A port that is down is never
     * picked while another is up; with all down, the first port on the subnet, else the first.
     */
    int route(final int remoteIpv4, final int qpn)
    {
        for (final UdpPort p : ports)
        {
            if (p.ipv4() == remoteIpv4)
            {
                return p.index();
            }
        }
        int live = 0;
        int liveOnSubnet = 0;
        int firstOnSubnet = -1;
        for (final UdpPort p : ports)
        {
            final boolean onSubnet = sameSubnet(p, remoteIpv4);
            if (onSubnet && firstOnSubnet < 0)
            {
                firstOnSubnet = p.index();
            }
            if (p.isUp())
            {
                live++;
                liveOnSubnet += onSubnet ? 1 : 0;
            }
        }
        if (live == 0)
        {
            return Math.max(firstOnSubnet, 0);
        }
        final boolean subnetOnly = liveOnSubnet > 0;
        int pick = Integer.remainderUnsigned(spread(qpn), subnetOnly ? liveOnSubnet : live);
        for (final UdpPort p : ports)
        {
            if (p.isUp() && (!subnetOnly || sameSubnet(p, remoteIpv4)) && pick-- == 0)
            {
                return p.index();
            }
        }
        return 0;
    }

    /** A live port other than {@code exclude} for QP {@code qpn}'s alternate path (by the QPN's hash); -1 if none. */
    int otherLivePort(final int exclude, final int qpn)
    {
        int live = 0;
        for (final UdpPort p : ports)
        {
            live += p.index() != exclude && p.isUp() ? 1 : 0;
        }
        if (live == 0)
        {
            return -1;
        }
        int pick = Integer.remainderUnsigned(spread(qpn), live);
        for (final UdpPort p : ports)
        {
            if (p.index() != exclude && p.isUp() && pick-- == 0)
            {
                return p.index();
            }
        }
        return -1;
    }

    /** The index of our port with that address; -1 if none. */
    private int portByIpv4(final int ipv4)
    {
        for (final UdpPort p : ports)
        {
            if (p.ipv4() == ipv4)
            {
                return p.index();
            }
        }
        return -1;
    }

    private static boolean sameSubnet(final UdpPort p, final int ipv4)
    {
        return (p.ipv4() ^ ipv4) >>> 8 == 0;
    }

    /** A multiplicative hash of a QPN, so that consecutive QPNs spread evenly over the ports. */
    private static int spread(final int qpn)
    {
        final int h = qpn * 0x9E37_79B9;
        return h ^ h >>> 16;
    }

    private int clampRdAtomic(final int value)
    {
        return Math.max(0, Math.min(value, ctx.maxRdAtomic()));
    }

    private static void checkServicePort(final int port)
    {
        if (port < 1 || port > 0xFFFF)
        {
            throw new VerbsException("service port " + port + " out of range 1..65535");
        }
    }

    /** Checks what a side offers; returns its private data (never null). */
    private static byte[] checkParams(final CmParams params, final int room, final String carrier)
    {
        if (params == null)
        {
            throw new VerbsException("no connection parameters");
        }
        IbvMtu.fromBytes(params.mtu());
        check(params.responderResources() >= 0, "responder resources " + params.responderResources() + " < 0");
        check(params.initiatorDepth() >= 0, "initiator depth " + params.initiatorDepth() + " < 0");
        check(params.retryCount() >= 0 && params.retryCount() <= 7,
            "retry count " + params.retryCount() + " out of range 0..7");
        check(params.rnrRetryCount() >= 0 && params.rnrRetryCount() <= 7,
            "RNR retry count " + params.rnrRetryCount() + " out of range 0..7");
        check(params.timeout() >= 0 && params.timeout() <= 31, "timeout " + params.timeout() + " out of range 0..31");
        check(params.minRnrTimer() >= 0 && params.minRnrTimer() <= 31,
            "min RNR timer " + params.minRnrTimer() + " out of range 0..31");
        final byte[] data = params.privateData() == null ? new byte[0] : params.privateData();
        if (data.length > room)
        {
            throw new VerbsException("private data of " + data.length + " bytes does not fit: " + carrier +
                " carries at most " + room + " bytes of it");
        }
        return data;
    }

    private static void check(final boolean ok, final String message)
    {
        if (!ok)
        {
            throw new VerbsException(message);
        }
    }
}
