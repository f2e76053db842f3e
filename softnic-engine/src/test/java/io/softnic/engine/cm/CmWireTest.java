package io.softnic.engine.cm;

import io.softnic.cm.CmException;
import io.softnic.cm.CmParams;
import io.softnic.cm.CmPeer;
import io.softnic.cm.CmRequest;
import io.softnic.cm.CmState;
import io.softnic.cm.RdmaCm;
import io.softnic.engine.ThreadingMode;
import io.softnic.engine.counters.EngineCounters;
import io.softnic.verbs.IbvMtu;
import io.softnic.verbs.IbvQp;
import io.softnic.verbs.IbvQpAttr;
import io.softnic.verbs.IbvQpState;
import io.softnic.verbs.IbvRecvWr;
import io.softnic.wire.Bth;
import io.softnic.wire.Mtu;
import io.softnic.wire.cm.CmDrep;
import io.softnic.wire.cm.CmDreq;
import io.softnic.wire.cm.CmIpPrivateData;
import io.softnic.wire.cm.CmMra;
import io.softnic.wire.cm.CmRej;
import io.softnic.wire.cm.CmRep;
import io.softnic.wire.cm.CmReq;
import io.softnic.wire.cm.CmRtu;
import io.softnic.wire.cm.Gid;
import io.softnic.wire.cm.Mad;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import static io.softnic.engine.cm.CmConnectTest.assertPrefix;
import static io.softnic.engine.cm.CmConnectTest.bytes;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The CM protocol as another implementation sees it on the wire: the test plays the peer over a plain UDP socket on
 * a loopback address of its own, reads every MAD the engine sends (headers, ICRC over the real source port, field by field) and answers,
 * loses or repeats messages at will. Covers retransmission of REQ, REP and DREQ, duplicate REQ/REP/DREQ handling and
 * the fields rdma_cm puts in a REQ.
 */
@Timeout(30)
class CmWireTest
{
    private static final int PORT = 18515;
    private static final int FAKE_QPN = 0x77;
    private static final int FAKE_PSN = 0xABCDE;
    private static final int FAKE_COMM_ID = 0x1234_5678;

    private final TestClock clock = new TestClock();
    private CmSide side;
    private FakeCmPeer peer;
    private final MemorySegment mad = Arena.ofAuto().allocate(Mad.MAD_LENGTH);

    @BeforeEach
    void setUp()
    {
        side = new CmSide("cm-wire", CmSide.CLIENT, ThreadingMode.SHARED, ec -> ec.clock(clock));
        try
        {
            peer = new FakeCmPeer(CmSide.FAKE_PEER);
        }
        catch (final RuntimeException ex)
        {
            side.close();
            throw ex;
        }
    }

    @AfterEach
    void tearDown()
    {
        peer.close();
        side.close();
    }

    @Test
    void activeSideSpeaksRdmaCmAndSurvivesLostMessages() throws Exception
    {
        final IbvQp qp = side.newQp();
        final byte[] hello = bytes("hi there");
        final CmParams params = CmParams.defaults().withMtu(1024).withRetry(5, 6, 17).withPrivateData(hello);
        final CompletableFuture<CmPeer> connected = CompletableFuture.supplyAsync(() -> side.engine.controlPlane()
            .embeddedDevice().cm().connect(qp.qpNum(), peer.ipv4, PORT, params, Duration.ofSeconds(10).toNanos()));

        final FakeCmPeer.Received first = peer.expect(Mad.ATTR_REQ, 2_000);
        assertEquals(side.ipv4(), first.srcIpv4());
        assertEquals(side.engine.port(0).madSourcePort(), first.srcPort(), "sent from the port's MAD socket");
        final CmReq req = new CmReq().wrap(first.mad(), 0);
        assertEquals(CmIpPrivateData.tcpServiceId(PORT), req.serviceId());
        assertEquals(0x0000_0000_0106_0000L | PORT, req.serviceId());
        assertEquals(qp.qpNum(), req.localQpn());
        assertEquals(CmReq.TRANSPORT_RC, req.transportServiceType());
        assertEquals(Mtu.MTU_1024, req.pathMtu());
        assertEquals(5, req.retryCount());
        assertEquals(6, req.rnrRetryCount());
        assertEquals(16, req.responderResources());
        assertEquals(16, req.initiatorDepth());
        assertEquals(Bth.DEFAULT_PKEY, req.partitionKey());
        assertEquals(17, req.primaryPath().localAckTimeout());
        assertEquals(side.ipv4(), req.primaryPath().localGidIpv4());
        assertEquals(peer.ipv4, req.primaryPath().remoteGidIpv4());
        assertTrue(Gid.isIpv4Mapped(first.mad(), CmReq.PRIMARY_PATH_OFFSET + 4));
        assertTrue(req.localCommId() != 0);
        final CmIpPrivateData cma = new CmIpPrivateData().wrap(first.mad(), CmReq.PRIVATE_DATA_OFFSET);
        assertTrue(cma.isIpv4());
        assertEquals(side.ipv4(), cma.srcIpv4());
        assertEquals(peer.ipv4, cma.dstIpv4());
        final byte[] user = new byte[CmIpPrivateData.REQ_USER_DATA_LENGTH];
        MemorySegment.copy(first.mad(), CmReq.PRIVATE_DATA_OFFSET + CmIpPrivateData.USER_DATA_OFFSET,
            MemorySegment.ofArray(user), 0, user.length);
        assertPrefix(hello, user);
        assertEquals(IbvQpState.INIT, side.query(qp).qpState, "INIT while the REQ is out");
        assertEquals(CmState.REQ_SENT, side.cmState(qp));

        // the REQ "is lost": it comes again, the same message
        final FakeCmPeer.Received again = peer.expect(Mad.ATTR_REQ, 1_000);
        assertEquals(-1L, first.mad().mismatch(again.mad()), "a retry resends the same REQ");
        assertTrue(side.counter(EngineCounters.CM_RETRIES) >= 1);

        // an MRA buys time: no REQ for a while
        new CmMra().wrap(mad, 0).init(req.transactionId()).localCommId(FAKE_COMM_ID).remoteCommId(req.localCommId())
            .messageMraed(CmMra.MESSAGE_REQ).serviceTimeout(17); // ~0.5 s
        peer.send(mad, side.ipv4());
        final long retriesAfterMra = side.counter(EngineCounters.CM_RETRIES);
        assertNull(peer.receive(350), "no REQ repeated within the MRA's service timeout");
        assertEquals(retriesAfterMra, side.counter(EngineCounters.CM_RETRIES));

        final byte[] welcome = bytes("welcome");
        rep(req.localCommId(), req.transactionId(), welcome, 0);
        peer.send(mad, side.ipv4());
        final FakeCmPeer.Received rtu = peer.expect(Mad.ATTR_RTU, 2_000);
        final CmRtu r = new CmRtu().wrap(rtu.mad(), 0);
        assertEquals(req.localCommId(), r.localCommId());
        assertEquals(FAKE_COMM_ID, r.remoteCommId());

        final CmPeer p = connected.get(5, TimeUnit.SECONDS);
        assertEquals(FAKE_QPN, p.remoteQpn());
        assertEquals(FAKE_PSN, p.remoteStartingPsn());
        assertEquals(peer.ipv4, p.remoteIpv4());
        assertEquals(1024, p.mtu());
        assertPrefix(welcome, p.privateData());
        final IbvQpAttr a = side.query(qp);
        assertEquals(IbvQpState.RTS, a.qpState);
        assertEquals(FAKE_QPN, a.destQpNum);
        assertEquals(FAKE_PSN, a.rqPsn);
        assertEquals(req.startingPsn(), a.sqPsn);
        assertEquals(peer.ipv4, a.ahAttr.dgidIpv4);
        assertEquals(IbvMtu.MTU_1024, a.pathMtu);
        assertEquals(2, a.maxDestRdAtomic, "min(our responder resources, their initiator depth)");
        assertEquals(4, a.maxRdAtomic, "min(our initiator depth, their responder resources)");
        assertEquals(5, a.retryCnt);
        assertEquals(3, a.rnrRetry, "the REP's RNR retry count");
        assertEquals(17, a.timeout);
        assertEquals(CmState.ESTABLISHED, side.cmState(qp));

        // our RTU "was lost": the REP comes again and is answered with the RTU again, nothing else changes
        peer.send(mad, side.ipv4());
        final FakeCmPeer.Received rtu2 = peer.expect(Mad.ATTR_RTU, 2_000);
        assertEquals(-1L, rtu.mad().mismatch(rtu2.mad()));
        assertEquals(IbvQpState.RTS, side.query(qp).qpState);

        // the peer disconnects: DREP, QP to ERR; a repeated DREQ gets a DREP again
        new CmDreq().wrap(mad, 0).init(99).localCommId(FAKE_COMM_ID).remoteCommId(req.localCommId())
            .remoteQpnEecn(qp.qpNum());
        peer.send(mad, side.ipv4());
        final CmDrep drep = new CmDrep().wrap(peer.expect(Mad.ATTR_DREP, 2_000).mad(), 0);
        assertEquals(req.localCommId(), drep.localCommId());
        assertEquals(FAKE_COMM_ID, drep.remoteCommId());
        assertEquals(99, drep.transactionId());
        assertTrue(side.until(() -> side.cmState(qp) == CmState.DISCONNECTED, Duration.ofSeconds(2)));
        assertEquals(IbvQpState.ERR, side.query(qp).qpState);
        peer.send(mad, side.ipv4());
        peer.expect(Mad.ATTR_DREP, 2_000);
        assertEquals(0, side.engine.errors());
    }

    /** A REP from the fake passive side into {@link #mad}. */
    private void rep(final int activeCommId, final long tid, final byte[] data, final int mtuCode)
    {
        new CmRep().wrap(mad, 0).init(tid)
            .localCommId(FAKE_COMM_ID)
            .remoteCommId(activeCommId)
            .localQpn(FAKE_QPN)
            .startingPsn(FAKE_PSN)
            .responderResources(4)
            .initiatorDepth(2)
            .rnrRetryCount(3)
            .putPrivateData(MemorySegment.ofArray(data), 0, data.length);
        mad.set(java.lang.foreign.ValueLayout.JAVA_BYTE, CmMessages.REP_MTU_OFFSET, (byte)(mtuCode << 4));
    }

    @Test
    void aSmallerMtuInTheRepIsHonoured() throws Exception
    {
        final IbvQp qp = side.newQp();
        final CompletableFuture<CmPeer> connected = CompletableFuture.supplyAsync(() -> side.engine.controlPlane()
            .embeddedDevice().cm().connect(qp.qpNum(), peer.ipv4, PORT, CmParams.defaults(),
                Duration.ofSeconds(10).toNanos()));
        final CmReq req = new CmReq().wrap(peer.expect(Mad.ATTR_REQ, 2_000).mad(), 0);
        assertEquals(Mtu.MTU_4096, req.pathMtu());
        rep(req.localCommId(), req.transactionId(), new byte[0], Mtu.MTU_512);
        peer.send(mad, side.ipv4());
        peer.expect(Mad.ATTR_RTU, 2_000);
        assertEquals(512, connected.get(5, TimeUnit.SECONDS).mtu());
        assertEquals(IbvMtu.MTU_512, side.query(qp).pathMtu);
    }

    @Test
    void passiveSideAnswersDuplicatesAndRepeatsItsRepUntilTheRtu() throws Exception
    {
        final IbvQp qp = side.newQp();
        final byte[] hello = bytes("knock knock");
        try (RdmaCm.Listener listener = side.cm.listen(PORT))
        {
            req(0x2222, hello);
            peer.send(mad, side.ipv4());
            final RdmaCm.Request request = listener.getRequest(Duration.ofSeconds(5));
            final CmRequest info = request.info();
            assertEquals(peer.ipv4, info.remoteIpv4());
            assertEquals(0xC123, info.remotePort());
            assertEquals(FAKE_QPN, info.remoteQpn());
            assertEquals(FAKE_PSN, info.startingPsn());
            assertEquals(2048, info.mtu());
            assertEquals(8, info.responderResources());
            assertEquals(3, info.initiatorDepth());
            assertEquals(6, info.retryCount());
            assertEquals(5, info.rnrRetryCount());
            assertEquals(16, info.timeout());
            assertPrefix(hello, info.privateData());

            // a duplicate REQ while the consumer thinks: an MRA, and no second request
            peer.send(mad, side.ipv4());
            final CmMra mra = new CmMra().wrap(peer.expect(Mad.ATTR_MRA, 2_000).mad(), 0);
            assertEquals(0x2222, mra.remoteCommId());
            assertEquals(CmMra.MESSAGE_REQ, mra.messageMraed());
            assertNull(listener.getRequest(Duration.ofMillis(50)));

            final byte[] welcome = bytes("come in");
            final RdmaCm.Connection conn = request.accept(qp,
                CmParams.defaults().withMtu(4096).withRetry(1, 2, 20).withPrivateData(welcome));
            assertEquals(CmState.REP_SENT, conn.state());
            final FakeCmPeer.Received first = peer.expect(Mad.ATTR_REP, 2_000);
            final CmRep rep = new CmRep().wrap(first.mad(), 0);
            final IbvQpAttr a = side.query(qp);
            assertEquals(IbvQpState.RTS, a.qpState);
            assertEquals(0x2222, rep.remoteCommId());
            assertEquals(0xBEEFL, rep.transactionId(), "the REP carries the REQ's transaction id");
            assertEquals(qp.qpNum(), rep.localQpn());
            assertEquals(a.sqPsn, rep.startingPsn());
            assertEquals(FAKE_QPN, a.destQpNum);
            assertEquals(FAKE_PSN, a.rqPsn);
            assertEquals(IbvMtu.MTU_2048, a.pathMtu);
            assertEquals(3, a.maxDestRdAtomic, "min(our responder resources, their initiator depth)");
            assertEquals(8, a.maxRdAtomic, "min(our initiator depth, their responder resources)");
            assertEquals(6, a.retryCnt, "the REQ's retry count");
            assertEquals(5, a.rnrRetry, "the REQ's RNR retry count");
            assertEquals(16, a.timeout, "the REQ's local ACK timeout");
            assertEquals(3, rep.responderResources());
            assertEquals(8, rep.initiatorDepth());
            assertEquals(2, rep.rnrRetryCount(), "what the passive side asks the active side to use");
            assertEquals(0, CmMessages.repMtuCode(first.mad(), 0), "no MTU extension when the REQ's MTU is taken");
            final byte[] pd = new byte[CmRep.PRIVATE_DATA_LENGTH];
            rep.getPrivateData(MemorySegment.ofArray(pd), 0, pd.length);
            assertPrefix(welcome, pd);

            // no RTU: the REP comes again by itself, and at once for a repeated REQ
            final FakeCmPeer.Received resent = peer.expect(Mad.ATTR_REP, 1_000);
            assertEquals(-1L, first.mad().mismatch(resent.mad()));
            assertTrue(side.counter(EngineCounters.CM_RETRIES) >= 1);
            peer.send(mad, side.ipv4());
            peer.expect(Mad.ATTR_REP, 150);
            assertNull(listener.getRequest(Duration.ofMillis(20)), "a duplicate REQ makes no second connection");

            new CmRtu().wrap(mad, 0).init(0xBEEF).localCommId(0x2222).remoteCommId(rep.localCommId());
            peer.send(mad, side.ipv4());
            assertTrue(side.until(() -> conn.state() == CmState.ESTABLISHED, Duration.ofSeconds(2)));

            // we disconnect; the DREQ is repeated until the DREP
            final CompletableFuture<Void> down = CompletableFuture.runAsync(conn::disconnect);
            final CmDreq dreq = new CmDreq().wrap(peer.expect(Mad.ATTR_DREQ, 2_000).mad(), 0);
            assertEquals(FAKE_QPN, dreq.remoteQpnEecn());
            assertEquals(0x2222, dreq.remoteCommId());
            assertEquals(rep.localCommId(), dreq.localCommId());
            assertEquals(IbvQpState.ERR, side.query(qp).qpState);
            peer.expect(Mad.ATTR_DREQ, 1_000);
            assertFalse(down.isDone());
            new CmDrep().wrap(mad, 0).init(dreq.transactionId()).localCommId(0x2222).remoteCommId(rep.localCommId());
            peer.send(mad, side.ipv4());
            down.get(5, TimeUnit.SECONDS);
            assertEquals(CmState.DISCONNECTED, conn.state());
            assertEquals(0, side.engine.errors());
        }
    }

    @Test
    void passiveSideGivesUpAfterItsRepRetries()
    {
        final IbvQp qp = side.newQp();
        try (RdmaCm.Listener listener = side.cm.listen(PORT))
        {
            req(0x3333, new byte[0]);
            peer.send(mad, side.ipv4());
            final RdmaCm.Connection conn = listener.getRequest(Duration.ofSeconds(5)).accept(qp, CmParams.defaults());
            int reps = 0;
            FakeCmPeer.Received r = peer.receive(2_000);
            while (r != null && r.attributeId() == Mad.ATTR_REP)
            {
                reps++;
                clock.advanceMillis(1_100); // past the longest retry interval
                r = peer.receive(2_000);
            }
            assertEquals(ConnectionManager.MAX_RETRIES + 1, reps, "the REP and its retries");
            assertTrue(r != null && r.attributeId() == Mad.ATTR_REJ, "then a REJ");
            final CmRej rej = new CmRej().wrap(r.mad(), 0);
            assertEquals(CmRej.TIMEOUT, rej.reason());
            assertEquals(0x3333, rej.remoteCommId());
            assertTrue(side.until(() -> conn.state() == CmState.DISCONNECTED, Duration.ofSeconds(2)));
            assertEquals(IbvQpState.ERR, side.query(qp).qpState);
            assertEquals(ConnectionManager.MAX_RETRIES, side.counter(EngineCounters.CM_RETRIES));
        }
    }

    @Test
    void activeSideGivesUpAfterItsReqRetries() throws Exception
    {
        final IbvQp qp = side.newQp();
        final CompletableFuture<CmPeer> connected = CompletableFuture.supplyAsync(() -> side.engine.controlPlane()
            .embeddedDevice().cm().connect(qp.qpNum(), peer.ipv4, PORT, CmParams.defaults(),
                Duration.ofSeconds(60).toNanos()));
        int reqs = 0;
        FakeCmPeer.Received r = peer.receive(2_000);
        while (r != null && r.attributeId() == Mad.ATTR_REQ)
        {
            reqs++;
            clock.advanceMillis(1_100);
            r = peer.receive(2_000);
        }
        assertEquals(ConnectionManager.MAX_RETRIES + 1, reqs, "the REQ and its retries");
        assertTrue(r != null && r.attributeId() == Mad.ATTR_REJ, "then a REJ telling the peer we gave up");
        assertEquals(CmRej.TIMEOUT, new CmRej().wrap(r.mad(), 0).reason());
        final ExecutionException ex = assertThrows(ExecutionException.class, () -> connected.get(5, TimeUnit.SECONDS));
        final CmException cause = assertInstanceOf(CmException.class, ex.getCause());
        assertEquals(CmException.TIMEOUT, cause.reason());
        assertTrue(cause.getMessage().contains(CmSide.FAKE_PEER), cause.getMessage());
        assertEquals(IbvQpState.RESET, side.query(qp).qpState);
        assertEquals(CmState.IDLE, side.cmState(qp));
        assertEquals(ConnectionManager.MAX_RETRIES, side.counter(EngineCounters.CM_RETRIES));
    }

    @Test
    void connectGivesUpAtItsTimeout()
    {
        final IbvQp qp = side.newQp();
        final long t0 = System.nanoTime();
        final CmException ex = assertThrows(CmException.class, () -> side.cm.connect(qp, CmSide.FAKE_PEER, PORT,
            CmParams.defaults(), Duration.ofMillis(300)));
        final long millis = (System.nanoTime() - t0) / 1_000_000;
        assertEquals(CmException.TIMEOUT, ex.reason());
        assertTrue(millis >= 290 && millis < 2_000, "gave up after " + millis + " ms");
        assertEquals(Mad.ATTR_REQ, peer.receive(500).attributeId());
        assertEquals(Mad.ATTR_REQ, peer.receive(500).attributeId(), "one retry at 200 ms");
        assertEquals(Mad.ATTR_REJ, peer.receive(500).attributeId());
        assertEquals(IbvQpState.RESET, side.query(qp).qpState);
    }

    @Test
    void theFirstDataPacketStandsForALostRtu()
    {
        final IbvQp qp = side.newQp();
        try (RdmaCm.Listener listener = side.cm.listen(PORT))
        {
            req(0x4444, new byte[0]);
            peer.send(mad, side.ipv4());
            final RdmaCm.Connection conn = listener.getRequest(Duration.ofSeconds(5)).accept(qp, CmParams.defaults());
            peer.expect(Mad.ATTR_REP, 2_000);
            final IbvRecvWr recv = new IbvRecvWr();
            recv.sge(side.mr.addr(), 64, side.mr.lkey());
            qp.postRecv(recv);
            assertEquals(CmState.REP_SENT, conn.state());
            peer.sendRc(side.ipv4(), qp.qpNum(), FAKE_PSN, new byte[]{1, 2, 3, 4, 5, 6, 7, 8});
            assertEquals(1, side.await(side.recvCq, 1, Duration.ofSeconds(5)).size(), "the SEND landed");
            assertTrue(side.until(() -> conn.state() == CmState.ESTABLISHED, Duration.ofMillis(150)),
                "established without an RTU, before the REP's first retry");
            assertEquals(0, side.counter(EngineCounters.CM_RETRIES));
        }
    }

    /** A REQ from the fake active side into {@link #mad}. */
    private void req(final int commId, final byte[] data)
    {
        new CmMessages().req(mad, 0xBEEF, commId, new CmMessages.ReqFields(CmIpPrivateData.tcpServiceId(PORT),
            0x1122L, FAKE_QPN, FAKE_PSN, 8, 3, 6, 5, Mtu.MTU_2048, 16, 5, peer.ipv4, side.ipv4(), 0xC123, data));
    }
}
