package io.softnic.engine.cm;

import io.softnic.wire.Bth;
import io.softnic.wire.cm.CmDrep;
import io.softnic.wire.cm.CmDreq;
import io.softnic.wire.cm.CmIpPrivateData;
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
    private final CmIpPrivateData cma = new CmIpPrivateData();

    /** What goes into a REQ besides the connection's own fields. */
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
        byte[] userData)
    {
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
}
