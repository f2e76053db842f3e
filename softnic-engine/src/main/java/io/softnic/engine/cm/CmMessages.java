package io.softnic.engine.cm;

import io.softnic.wire.Bth;
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

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Writes the CM messages softnic sends into a 256-byte MAD buffer, filled in as rdma_cm's kernel side (ib_cm, cma)
 * fills them for an RC connection over RoCE. Flyweights reused; callers serialize (the CM's lock).
 */
final class CmMessages
{
    /** How long we take to answer, and allow the peer to take, as a CM timeout exponent (~268 ms). */
    static final int CM_RESPONSE_TIMEOUT = CmTimeout.exponent(ConnectionManager.RESPONSE_TIMEOUT_NANOS);
    /** Our responder's ACK turnaround, as rxe advertises it (local_ca_ack_delay 15). */
    static final int TARGET_ACK_DELAY = 15;
    static final int HOP_LIMIT = 64;
    /**
     * softnic extension: the REP's reserved byte after the local QPN carries, in its upper nibble, the path MTU code
     * the passive side chose when it is below the REQ's. The IB CM has no MTU negotiation (both ends take the path
     * record's); softnic's users set an MTU on each side, so the smaller one is told back. Zero, as any other CM
     * sends, means "the REQ's MTU".
     */
    static final int REP_MTU_OFFSET = CmRep.LOCAL_QPN_OFFSET + 3;
    private static final int REP_MTU_SHIFT = 4;

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

    /**
     * What goes into a REQ besides the connection's own fields. {@code altLocalIpv4} is the GID of the port the active
     * side offers for an alternate path (0: none, the alternate path stays all zero as on a one-port device); the
     * alternate path's remote GID is left zero for the passive side to choose (there is no subnet administrator to
     * ask for it), and the passive side answers with a LAP once the connection is up.
     */
    record ReqFields(
        long serviceId,
        long caGuid,
        int localQpn,
        int startingPsn,
        int responderResources,
        int initiatorDepth,
        int retryCount,
        int rnrRetryCount,
        int mtuCode,
        int localAckTimeout,
        int maxCmRetries,
        int localIpv4,
        int remoteIpv4,
        int sourcePort,
        byte[] userData,
        int altLocalIpv4)
    {
        ReqFields(
            final long serviceId,
            final long caGuid,
            final int localQpn,
            final int startingPsn,
            final int responderResources,
            final int initiatorDepth,
            final int retryCount,
            final int rnrRetryCount,
            final int mtuCode,
            final int localAckTimeout,
            final int maxCmRetries,
            final int localIpv4,
            final int remoteIpv4,
            final int sourcePort,
            final byte[] userData)
        {
            this(serviceId, caGuid, localQpn, startingPsn, responderResources, initiatorDepth, retryCount,
                rnrRetryCount, mtuCode, localAckTimeout, maxCmRetries, localIpv4, remoteIpv4, sourcePort, userData, 0);
        }
    }

    void req(final MemorySegment mad, final long tid, final int localCommId, final ReqFields f)
    {
        req.wrap(mad, 0).init(tid)
            .localCommId(localCommId)
            .serviceId(f.serviceId())
            .localCaGuid(f.caGuid())
            .localQKey(0)
            .localQpn(f.localQpn())
            .responderResources(f.responderResources())
            .localEecn(0)
            .initiatorDepth(f.initiatorDepth())
            .remoteEecn(0)
            .remoteCmResponseTimeout(CM_RESPONSE_TIMEOUT)
            .transportServiceType(CmReq.TRANSPORT_RC)
            .endToEndFlowControl(true)
            .startingPsn(f.startingPsn())
            .localCmResponseTimeout(CM_RESPONSE_TIMEOUT)
            .retryCount(f.retryCount())
            .partitionKey(Bth.DEFAULT_PKEY)
            .pathMtu(f.mtuCode())
            .rdcExists(false)
            .rnrRetryCount(f.rnrRetryCount())
            .maxCmRetries(f.maxCmRetries())
            .srq(false)
            .extendedTransportType(0);
        req.primaryPath()
            .localLid(CmPath.LID_PERMISSIVE)
            .remoteLid(CmPath.LID_PERMISSIVE)
            .localGidIpv4(f.localIpv4())
            .remoteGidIpv4(f.remoteIpv4())
            .flowLabel(0)
            .trafficClass(0)
            .hopLimit(HOP_LIMIT)
            .sl(0)
            .subnetLocal(false)
            .localAckTimeout(f.localAckTimeout());
        if (f.altLocalIpv4() != 0)
        {
            req.alternatePath()
                .localLid(CmPath.LID_PERMISSIVE)
                .remoteLid(CmPath.LID_PERMISSIVE)
                .localGidIpv4(f.altLocalIpv4())
                .flowLabel(0)
                .trafficClass(0)
                .hopLimit(HOP_LIMIT)
                .sl(0)
                .subnetLocal(false)
                .localAckTimeout(f.localAckTimeout());
        }
        cma.wrap(mad, CmReq.PRIVATE_DATA_OFFSET).ipv4(f.localIpv4(), f.sourcePort(), f.remoteIpv4());
        final byte[] data = f.userData();
        MemorySegment.copy(MemorySegment.ofArray(data), 0, mad,
            CmReq.PRIVATE_DATA_OFFSET + CmIpPrivateData.USER_DATA_OFFSET, data.length);
    }

    void rep(
        final MemorySegment mad,
        final long tid,
        final int localCommId,
        final int remoteCommId,
        final int localQpn,
        final int startingPsn,
        final int responderResources,
        final int initiatorDepth,
        final int rnrRetryCount,
        final long caGuid,
        final int mtuCode,
        final byte[] userData)
    {
        rep.wrap(mad, 0).init(tid)
            .localCommId(localCommId)
            .remoteCommId(remoteCommId)
            .localQKey(0)
            .localQpn(localQpn)
            .localEecn(0)
            .startingPsn(startingPsn)
            .responderResources(responderResources)
            .initiatorDepth(initiatorDepth)
            .targetAckDelay(TARGET_ACK_DELAY)
            .failoverAccepted(CmRep.FAILOVER_NOT_SUPPORTED)
            .endToEndFlowControl(true)
            .rnrRetryCount(rnrRetryCount)
            .srq(false)
            .localCaGuid(caGuid);
        rep.putPrivateData(MemorySegment.ofArray(userData), 0, userData.length);
        mad.set(ValueLayout.JAVA_BYTE, REP_MTU_OFFSET, (byte)(mtuCode << REP_MTU_SHIFT));
    }

    /** The MTU code a REP's softnic extension carries; 0 if none. */
    static int repMtuCode(final MemorySegment mad, final long offset)
    {
        return (mad.get(ValueLayout.JAVA_BYTE, offset + REP_MTU_OFFSET) & 0xFF) >>> REP_MTU_SHIFT;
    }

    void rtu(final MemorySegment mad, final long tid, final int localCommId, final int remoteCommId)
    {
        rtu.wrap(mad, 0).init(tid).localCommId(localCommId).remoteCommId(remoteCommId);
    }

    void rej(
        final MemorySegment mad,
        final long tid,
        final int localCommId,
        final int remoteCommId,
        final int messageRejected,
        final int reason)
    {
        rej.wrap(mad, 0).init(tid)
            .localCommId(localCommId)
            .remoteCommId(remoteCommId)
            .messageRejected(messageRejected)
            .rejectInfoLength(0)
            .reason(reason);
    }

    void dreq(final MemorySegment mad, final long tid, final int localCommId, final int remoteCommId, final int remoteQpn)
    {
        dreq.wrap(mad, 0).init(tid).localCommId(localCommId).remoteCommId(remoteCommId).remoteQpnEecn(remoteQpn);
    }

    void drep(final MemorySegment mad, final long tid, final int localCommId, final int remoteCommId)
    {
        drep.wrap(mad, 0).init(tid).localCommId(localCommId).remoteCommId(remoteCommId);
    }

    void mra(
        final MemorySegment mad,
        final long tid,
        final int localCommId,
        final int remoteCommId,
        final int messageMraed,
        final int serviceTimeout)
    {
        mra.wrap(mad, 0).init(tid)
            .localCommId(localCommId)
            .remoteCommId(remoteCommId)
            .messageMraed(messageMraed)
            .serviceTimeout(serviceTimeout);
    }

    /**
     * A LAP proposing the alternate path {@code altLocalIpv4} (the sender's port) to {@code altRemoteIpv4} (the
     * receiver's) for the receiver's QP {@code remoteQpn}.
     */
    void lap(
        final MemorySegment mad,
        final long tid,
        final int localCommId,
        final int remoteCommId,
        final int remoteQpn,
        final int altLocalIpv4,
        final int altRemoteIpv4,
        final int localAckTimeout)
    {
        lap.wrap(mad, 0).init(tid)
            .localCommId(localCommId)
            .remoteCommId(remoteCommId)
            .remoteQpnEecn(remoteQpn)
            .remoteCmResponseTimeout(CM_RESPONSE_TIMEOUT)
            .altLocalLid(CmPath.LID_PERMISSIVE)
            .altRemoteLid(CmPath.LID_PERMISSIVE)
            .altLocalGidIpv4(altLocalIpv4)
            .altRemoteGidIpv4(altRemoteIpv4)
            .altFlowLabel(0)
            .altTrafficClass(0)
            .altHopLimit(HOP_LIMIT)
            .altPacketRate(0)
            .altSl(0)
            .altSubnetLocal(false)
            .altLocalAckTimeout(localAckTimeout);
    }

    /** An APR answering the LAP of transaction {@code tid} with {@code status} ({@link CmApr#AP_LOADED} or why not). */
    void apr(final MemorySegment mad, final long tid, final int localCommId, final int remoteCommId, final int status)
    {
        apr.wrap(mad, 0).init(tid)
            .localCommId(localCommId)
            .remoteCommId(remoteCommId)
            .infoLength(0)
            .apStatus(status);
    }
}
