package io.softnic.engine.cm;

import io.softnic.cm.CmParams;
import io.softnic.cm.CmState;
import io.softnic.cm.RdmaCm;
import io.softnic.engine.ThreadingMode;
import io.softnic.engine.counters.EngineCounters;
import io.softnic.verbs.IbvMigState;
import io.softnic.verbs.IbvQp;
import io.softnic.verbs.IbvQpAttr;
import io.softnic.verbs.IbvRecvWr;
import io.softnic.verbs.IbvSendFlags;
import io.softnic.verbs.IbvSendWr;
import io.softnic.verbs.IbvWc;
import io.softnic.verbs.IbvWcOpcode;
import io.softnic.verbs.IbvWcStatus;
import io.softnic.verbs.IbvWrOpcode;
import io.softnic.wire.Mtu;
import io.softnic.wire.cm.CmApr;
import io.softnic.wire.cm.CmIpPrivateData;
import io.softnic.wire.cm.CmLap;
import io.softnic.wire.cm.CmPath;
import io.softnic.wire.cm.CmRep;
import io.softnic.wire.cm.CmReq;
import io.softnic.wire.cm.CmRtu;
import io.softnic.wire.cm.Mad;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static io.softnic.engine.cm.CmConnectTest.serve;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The alternate path agreed through the CM (REQ alternate path offered by the active side, LAP from the passive side,
 * APR back), between engines with two ports each and against a fake CM peer that shows the MADs on the wire; port
 * affinity of the primary path. Loopback addresses 127.0.0.50-59.
 */
@Timeout(60)
class CmAlternatePathTest
{
    private static final int PORT = 7500;
    private static final String A1 = "127.0.0.50";
    private static final String A2 = "127.0.0.52";
    private static final String B1 = "127.0.0.51";
    private static final String B2 = "127.0.0.53";
    private static final String ONE = "127.0.0.54";
    private static final String P1 = "127.0.0.55";
    private static final String P2 = "127.0.0.56";
    private static final String FAKE = "127.0.0.59";
    /** The fake peer's "second port": only a GID in its messages, nothing listens there. */
    private static final int FAKE_ALT = 0x7F00_003A;
    private static final int FAKE_QPN = 0x4321;
    private static final int FAKE_PSN = 0x1234;
    private static final Duration WAIT = Duration.ofSeconds(10);

    private static CmSide twoPorts(final String name, final String first, final String second)
    {
        return new CmSide(name, first, ThreadingMode.SHARED, ec -> ec.port(second));
    }

    private static int ip(final String dotted)
    {
        final String[] p = dotted.split("\\.");
        return Integer.parseInt(p[0]) << 24 | Integer.parseInt(p[1]) << 16 | Integer.parseInt(p[2]) << 8 |
            Integer.parseInt(p[3]);
    }

    @Test
    void twoPortEnginesComeUpArmedAndSurviveAPortGoingDownMidStream() throws Exception
    {
        try (CmSide a = twoPorts("apm-a", A1, A2);
            CmSide b = twoPorts("apm-b", B1, B2);
            RdmaCm.Listener listener = b.cm.listen(PORT))
        {
            final IbvQp aq = a.newQp();
            final IbvQp bq = b.newQp();
            final CompletableFuture<RdmaCm.Connection> accepted =
                serve(listener, r -> r.accept(bq, CmParams.defaults().withMtu(1024)));
            final RdmaCm.Connection conn = a.cm.connect(aq, B1, PORT, CmParams.defaults().withMtu(1024), WAIT);
            final RdmaCm.Connection bconn = accepted.get(10, TimeUnit.SECONDS);
            assertTrue(b.until(() -> b.query(bq).pathMigState == IbvMigState.ARMED, WAIT), "b armed after the APR");
            assertTrue(a.until(() -> a.query(aq).pathMigState == IbvMigState.ARMED, WAIT), "a armed on the LAP");

            final IbvQpAttr qa = a.query(aq);
            final IbvQpAttr qb = b.query(bq);
            final int aPrimary = qa.portNum;
            final int aAlt = 3 - aPrimary;
            assertEquals(ip(B1), qa.ahAttr.dgidIpv4);
            assertEquals(aAlt, qa.altPortNum, "a's alternate leaves from its other port");
            assertEquals(ip(B2), qa.altAhAttr.dgidIpv4, "to b's other port, which b chose and named in its LAP");
            assertEquals(1, qb.portNum, "b's primary is the port the REQ came to");
            assertEquals(a.engine.port(aPrimary - 1).ipv4(), qb.ahAttr.dgidIpv4);
            assertEquals(2, qb.altPortNum);
            assertEquals(a.engine.port(aAlt - 1).ipv4(), qb.altAhAttr.dgidIpv4, "a's offer from the REQ");

            stream(a, aq, b, bq, () -> assertEquals(1, a.engine.portDown(aPrimary), "the armed QP migrated"));

            final IbvQpAttr after = a.query(aq);
            assertEquals(IbvMigState.MIGRATED, after.pathMigState);
            assertEquals(aAlt, after.portNum);
            assertEquals(ip(B2), after.ahAttr.dgidIpv4);
            assertTrue(b.until(() -> b.query(bq).pathMigState == IbvMigState.MIGRATED, WAIT), "b followed");
            assertEquals(2, b.query(bq).portNum);

            // the CM follows the connection onto the alternate path: the DREQ and DREP still get through
            conn.disconnect();
            assertTrue(b.until(() -> bconn.state() == CmState.DISCONNECTED, WAIT), "the DREQ reached b");
            assertEquals(0, a.engine.errors() + b.engine.errors());
        }
    }

    @Test
    void aPortThatComesBackIsArmedAgainSoASecondFailureIsSurvivedToo() throws Exception
    {
        try (CmSide a = twoPorts("apm-a", A1, A2);
            CmSide b = twoPorts("apm-b", B1, B2);
            RdmaCm.Listener listener = b.cm.listen(PORT))
        {
            final IbvQp aq = a.newQp();
            final IbvQp bq = b.newQp();
            final CompletableFuture<RdmaCm.Connection> accepted =
                serve(listener, r -> r.accept(bq, CmParams.defaults().withMtu(1024)));
            a.cm.connect(aq, B1, PORT, CmParams.defaults().withMtu(1024), WAIT);
            accepted.get(10, TimeUnit.SECONDS);
            assertTrue(a.until(() -> a.query(aq).pathMigState == IbvMigState.ARMED, WAIT), "a armed");
            final int first = a.query(aq).portNum;
            final int second = 3 - first;

            stream(a, aq, b, bq, () -> a.engine.portDown(first));
            assertEquals(second, a.query(aq).portNum);
            assertEquals(IbvMigState.MIGRATED, a.query(aq).pathMigState, "unprotected while the port is down");
            assertTrue(b.until(() -> b.query(bq).pathMigState == IbvMigState.MIGRATED, WAIT), "b followed");

            a.engine.portUp(first);
            assertTrue(a.until(() -> a.query(aq).pathMigState == IbvMigState.ARMED, WAIT),
                "the path through the port that came back is the alternate again, armed");
            assertTrue(b.until(() -> b.query(bq).pathMigState == IbvMigState.ARMED, WAIT), "on both sides");
            assertEquals(first, a.query(aq).altPortNum);
            assertTrue(b.engine.counters().get(io.softnic.engine.counters.EngineCounters.CM_PATH_REARMS) >= 1);

            stream(a, aq, b, bq, () -> a.engine.portDown(second));
            assertEquals(first, a.query(aq).portNum, "the second failure moved it back");
            assertEquals(0, a.engine.errors() + b.engine.errors());
        }
    }

    @Test
    void primaryPortsSpreadOverLivePortsByQpnAndAvoidADownPort() throws Exception
    {
        try (CmSide a = twoPorts("apm-a", A1, A2);
            CmSide b = twoPorts("apm-b", B1, B2);
            RdmaCm.Listener listener = b.cm.listen(PORT))
        {
            final Set<Integer> used = new TreeSet<>();
            for (int i = 0; i < 6; i++)
            {
                used.add(connect(a, b, listener).portNum);
            }
            assertEquals(Set.of(1, 2), used, "connections spread over both ports");

            a.engine.portDown(1);
            for (int i = 0; i < 4; i++)
            {
                final IbvQp bq = b.newQp();
                final IbvQp aq = a.newQp();
                final CompletableFuture<RdmaCm.Connection> accepted =
                    serve(listener, r -> r.accept(bq, CmParams.defaults()));
                a.cm.connect(aq, B1, PORT, CmParams.defaults(), WAIT);
                accepted.get(10, TimeUnit.SECONDS);
                final IbvQpAttr qa = a.query(aq);
                assertEquals(2, qa.portNum, "never a port that is down");
                assertTrue(b.until(() -> b.cmState(bq) == CmState.ESTABLISHED, WAIT));
                // with one live port a has no alternate to offer: neither side arms
                Thread.sleep(50);
                assertEquals(IbvMigState.MIGRATED, a.query(aq).pathMigState);
                assertEquals(IbvMigState.MIGRATED, b.query(bq).pathMigState);
            }
            a.engine.portUp(1);
        }
    }

    private static IbvQpAttr connect(final CmSide a, final CmSide b, final RdmaCm.Listener listener)
        throws Exception
    {
        final IbvQp aq = a.newQp();
        final IbvQp bq = b.newQp();
        final CompletableFuture<RdmaCm.Connection> accepted = serve(listener, r -> r.accept(bq, CmParams.defaults()));
        a.cm.connect(aq, B1, PORT, CmParams.defaults(), WAIT);
        accepted.get(10, TimeUnit.SECONDS);
        assertTrue(a.until(() -> a.query(aq).pathMigState == IbvMigState.ARMED, WAIT));
        return a.query(aq);
    }

    @Test
    void aLostLapIsResentAndTheApramsThePassiveSide()
    {
        try (CmSide p = twoPorts("apm-p", P1, P2);
            FakeCmPeer fake = new FakeCmPeer(FAKE);
            RdmaCm.Listener listener = p.cm.listen(PORT))
        {
            final IbvQp pq = p.newQp();
            final CompletableFuture<RdmaCm.Connection> accepted =
                serve(listener, r -> r.accept(pq, CmParams.defaults()));
            final MemorySegment mad = Arena.ofAuto().allocate(Mad.MAD_LENGTH);
            new CmMessages().req(mad, 0xBEEF, 0x5150, new CmMessages.ReqFields(CmIpPrivateData.tcpServiceId(PORT),
                0x1122L, FAKE_QPN, FAKE_PSN, 8, 8, 7, 7, Mtu.MTU_1024, 14, 5, fake.ipv4, ip(P1), 0xC123, new byte[0],
                FAKE_ALT));
            fake.send(mad, ip(P1));
            final CmRep rep = new CmRep().wrap(fake.expect(Mad.ATTR_REP, 5_000).mad(), 0);
            final int theirCommId = rep.localCommId();
            new CmRtu().wrap(mad, 0).init(0xBEEF).localCommId(0x5150).remoteCommId(theirCommId);
            fake.send(mad, ip(P1));

            final FakeCmPeer.Received first = fake.expect(Mad.ATTR_LAP, 5_000);
            final long firstAt = System.nanoTime();
            final CmLap lap = new CmLap().wrap(first.mad(), 0);
            assertEquals(theirCommId, lap.localCommId());
            assertEquals(0x5150, lap.remoteCommId());
            assertEquals(FAKE_QPN, lap.remoteQpnEecn());
            assertEquals(ip(P2), lap.altLocalGidIpv4(), "the passive side's other port");
            assertEquals(FAKE_ALT, lap.altRemoteGidIpv4(), "the alternate GID the REQ offered");
            assertEquals(CmPath.LID_PERMISSIVE, lap.altLocalLid());
            assertEquals(CmPath.LID_PERMISSIVE, lap.altRemoteLid());
            assertEquals(64, lap.altHopLimit());
            assertEquals(14, lap.altLocalAckTimeout());
            assertEquals(ip(P1), first.srcIpv4(), "sent along the primary path");
            // dropped: the LAP is repeated, as is, on the CM's retry timer
            final FakeCmPeer.Received second = fake.expect(Mad.ATTR_LAP, 5_000);
            assertTrue(System.nanoTime() - firstAt >= TimeUnit.MILLISECONDS.toNanos(100),
                "resent after the response timeout");
            assertEquals(MemorySegment.ofArray(first.mad().toArray(ValueLayout.JAVA_BYTE)).mismatch(second.mad()), -1,
                "the same LAP");
            assertTrue(p.counter(EngineCounters.CM_RETRIES) >= 1);
            assertEquals(IbvMigState.MIGRATED, p.query(pq).pathMigState, "nothing armed before the APR");

            new CmApr().wrap(mad, 0).init(lap.transactionId()).localCommId(0x5150).remoteCommId(theirCommId)
                .apStatus(CmApr.AP_LOADED);
            fake.send(mad, ip(P1));
            assertTrue(p.until(() -> p.query(pq).pathMigState == IbvMigState.ARMED, WAIT), "armed on the APR");
            final IbvQpAttr q = p.query(pq);
            assertEquals(1, q.portNum);
            assertEquals(fake.ipv4, q.ahAttr.dgidIpv4);
            assertEquals(2, q.altPortNum);
            assertEquals(FAKE_ALT, q.altAhAttr.dgidIpv4);
            final long retries = p.counter(EngineCounters.CM_RETRIES);
            final FakeCmPeer.Received more = fake.receive(700);
            assertTrue(more == null || more.attributeId() != Mad.ATTR_LAP, "no LAP after the APR");
            assertEquals(retries, p.counter(EngineCounters.CM_RETRIES));
            assertTrue(accepted.isDone());
        }
    }

    @Test
    void theActiveSideChecksLoadsAndAnswersLapsAndRepeatsItsAprForARepeatedLap() throws Exception
    {
        try (CmSide a = twoPorts("apm-q", P1, P2);
            FakeCmPeer fake = new FakeCmPeer(FAKE))
        {
            final IbvQp aq = a.newQp();
            final CompletableFuture<RdmaCm.Connection> connected = CompletableFuture.supplyAsync(() ->
                a.cm.connect(aq, FAKE, PORT, CmParams.defaults(), WAIT));
            final CmReq req = new CmReq().wrap(fake.expect(Mad.ATTR_REQ, 5_000).mad(), 0);
            final int primary = req.primaryPath().localGidIpv4();
            final int offered = req.alternatePath().localGidIpv4();
            assertTrue(primary == ip(P1) || primary == ip(P2));
            assertEquals(primary == ip(P1) ? ip(P2) : ip(P1), offered, "the other port offered as alternate");
            assertEquals(CmPath.LID_PERMISSIVE, req.alternatePath().localLid());
            final MemorySegment zeroGid = MemorySegment.ofArray(new byte[16]);
            assertEquals(-1, req.segment().asSlice(CmReq.ALTERNATE_PATH_OFFSET + CmPath.REMOTE_GID_OFFSET, 16)
                .mismatch(zeroGid), "the remote alternate GID is left to the passive side");
            final int theirCommId = req.localCommId();

            final MemorySegment mad = Arena.ofAuto().allocate(Mad.MAD_LENGTH);
            new CmMessages().rep(mad, req.transactionId(), 0x7007, theirCommId, FAKE_QPN, FAKE_PSN, 8, 8, 7, 0x99L,
                0, new byte[0]);
            fake.send(mad, primary);
            fake.expect(Mad.ATTR_RTU, 5_000);
            connected.get(10, TimeUnit.SECONDS);

            // a LAP for the wrong QP, and one naming a GID that is not a port of a: refused, nothing armed
            assertEquals(CmApr.INVALID_QPN_EECN, lapAndApr(fake, mad, primary, 1, theirCommId, aq.qpNum() + 1,
                offered).apStatus());
            assertEquals(CmApr.INVALID_GID, lapAndApr(fake, mad, primary, 2, theirCommId, aq.qpNum(), ip("127.0.0.99"))
                .apStatus());
            assertEquals(IbvMigState.MIGRATED, a.query(aq).pathMigState);

            final CmApr ok = lapAndApr(fake, mad, primary, 3, theirCommId, aq.qpNum(), offered);
            assertEquals(CmApr.AP_LOADED, ok.apStatus());
            assertEquals(3, ok.transactionId());
            assertEquals(theirCommId, ok.localCommId());
            assertEquals(0x7007, ok.remoteCommId());
            final IbvQpAttr q = a.query(aq);
            assertEquals(IbvMigState.ARMED, q.pathMigState);
            assertEquals(FAKE_ALT, q.altAhAttr.dgidIpv4);
            assertEquals(offered == ip(P1) ? 1 : 2, q.altPortNum);
            assertNotEquals(q.portNum, q.altPortNum);

            // the APR was "lost": the same LAP again gets the same APR, and nothing changes
            final CmApr again = lapAndApr(fake, mad, primary, 3, theirCommId, aq.qpNum(), offered);
            assertEquals(CmApr.AP_LOADED, again.apStatus());
            assertEquals(3, again.transactionId());
            assertEquals(IbvMigState.ARMED, a.query(aq).pathMigState);
            assertEquals(0, a.engine.errors());
        }
    }

    /** Sends a LAP (from the fake's alternate GID to {@code altRemote}) and returns the APR that answers it. */
    private static CmApr lapAndApr(final FakeCmPeer fake, final MemorySegment mad, final int to, final long tid,
        final int theirCommId, final int qpn, final int altRemote)
    {
        new CmMessages().lap(mad, tid, 0x7007, theirCommId, qpn, FAKE_ALT, altRemote, 14);
        fake.send(mad, to);
        final CmApr apr = new CmApr().wrap(fake.expect(Mad.ATTR_APR, 5_000).mad(), 0);
        assertEquals(tid, apr.transactionId(), "the APR carries the LAP's transaction id");
        return apr;
    }

    @Test
    void singlePortEnginesOfferNoAlternatePathAndSendNoLap() throws Exception
    {
        try (CmSide one = new CmSide("apm-one", ONE, ThreadingMode.SHARED);
            FakeCmPeer fake = new FakeCmPeer(FAKE);
            RdmaCm.Listener listener = one.cm.listen(PORT))
        {
            // active: the REQ's alternate path is all zero
            final IbvQp aq = one.newQp();
            final CompletableFuture<RdmaCm.Connection> connected = CompletableFuture.supplyAsync(() ->
                one.cm.connect(aq, FAKE, PORT, CmParams.defaults(), WAIT));
            final FakeCmPeer.Received r = fake.expect(Mad.ATTR_REQ, 5_000);
            assertEquals(-1, r.mad().asSlice(CmReq.ALTERNATE_PATH_OFFSET, CmPath.LENGTH)
                .mismatch(MemorySegment.ofArray(new byte[CmPath.LENGTH])), "no alternate path in the REQ");
            final CmReq req = new CmReq().wrap(r.mad(), 0);
            final MemorySegment mad = Arena.ofAuto().allocate(Mad.MAD_LENGTH);
            new CmMessages().rep(mad, req.transactionId(), 0x7008, req.localCommId(), FAKE_QPN, FAKE_PSN, 8, 8, 7,
                0x99L, 0, new byte[0]);
            fake.send(mad, ip(ONE));
            fake.expect(Mad.ATTR_RTU, 5_000);
            connected.get(10, TimeUnit.SECONDS);

            // passive, though the active side offers an alternate: no second port, so no LAP
            final IbvQp pq = one.newQp();
            final CompletableFuture<RdmaCm.Connection> accepted =
                serve(listener, x -> x.accept(pq, CmParams.defaults()));
            new CmMessages().req(mad, 0xBEEF, 0x5151, new CmMessages.ReqFields(CmIpPrivateData.tcpServiceId(PORT),
                0x1122L, FAKE_QPN + 1, FAKE_PSN, 8, 8, 7, 7, Mtu.MTU_1024, 14, 5, fake.ipv4, ip(ONE), 0xC124,
                new byte[0], FAKE_ALT));
            fake.send(mad, ip(ONE));
            final CmRep rep = new CmRep().wrap(fake.expect(Mad.ATTR_REP, 5_000).mad(), 0);
            new CmRtu().wrap(mad, 0).init(0xBEEF).localCommId(0x5151).remoteCommId(rep.localCommId());
            fake.send(mad, ip(ONE));
            accepted.get(10, TimeUnit.SECONDS);
            assertTrue(one.until(() -> one.cmState(pq) == CmState.ESTABLISHED, WAIT));
            final long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(800);
            while (System.nanoTime() < deadline)
            {
                final FakeCmPeer.Received m = fake.receive(50);
                assertTrue(m == null || m.attributeId() != Mad.ATTR_LAP, "a one-port engine sent a LAP");
            }
            assertEquals(IbvMigState.MIGRATED, one.query(pq).pathMigState);
            assertEquals(IbvMigState.MIGRATED, one.query(aq).pathMigState);
            assertEquals(0, one.engine.errors());
        }
    }

    private static final int MESSAGES = 256;
    private static final int WINDOW = 32;
    private static final int SIZE = 1000;
    private static final int SLOT = 1024;

    /**
     * a SENDs MESSAGES numbered messages to b in windows of WINDOW, pulling {@code cut} while the third window is in
     * flight; every message must arrive exactly once, in order, with its bytes.
     */
    private static void stream(final CmSide a, final IbvQp aq, final CmSide b, final IbvQp bq, final Runnable cut)
    {
        final IbvRecvWr rwr = new IbvRecvWr();
        final IbvSendWr swr = new IbvSendWr();
        for (int base = 0; base < MESSAGES; base += WINDOW)
        {
            for (int k = 0; k < WINDOW; k++)
            {
                rwr.numSge = 0;
                rwr.wrId = base + k;
                rwr.sge(b.mr.addr() + (long)k * SLOT, SLOT, b.mr.lkey());
                bq.postRecv(rwr);
            }
            for (int k = 0; k < WINDOW; k++)
            {
                final int i = base + k;
                for (int j = 0; j < SIZE; j++)
                {
                    a.buffer.set(ValueLayout.JAVA_BYTE, (long)k * SLOT + j, (byte)(i * 31 + j));
                }
                swr.reset();
                swr.wrId = i;
                swr.opcode = IbvWrOpcode.SEND;
                swr.sendFlags = IbvSendFlags.SIGNALED;
                swr.sge(a.mr.addr() + (long)k * SLOT, SIZE, a.mr.lkey());
                aq.postSend(swr);
            }
            if (base == 2 * WINDOW)
            {
                cut.run();
            }
            final List<IbvWc> got = b.await(b.recvCq, WINDOW, Duration.ofSeconds(20));
            assertEquals(WINDOW, got.size(), "stalled at window " + base + "; a: " + a.engine.counters().snapshot() +
                " b: " + b.engine.counters().snapshot());
            for (int k = 0; k < WINDOW; k++)
            {
                final IbvWc wc = got.get(k);
                final int i = base + k;
                assertEquals(IbvWcStatus.SUCCESS, wc.status, "receive " + i);
                assertEquals(IbvWcOpcode.RECV, wc.opcode);
                assertEquals(i, wc.wrId, "in order");
                assertEquals(SIZE, wc.byteLen);
                for (int j = 0; j < SIZE; j++)
                {
                    if (b.buffer.get(ValueLayout.JAVA_BYTE, (long)k * SLOT + j) != (byte)(i * 31 + j))
                    {
                        throw new AssertionError("message " + i + " differs at byte " + j);
                    }
                }
            }
            final List<IbvWc> sent = a.await(a.sendCq, WINDOW, Duration.ofSeconds(20));
            assertEquals(WINDOW, sent.size());
            for (int k = 0; k < WINDOW; k++)
            {
                assertEquals(IbvWcStatus.SUCCESS, sent.get(k).status, "send " + (base + k));
                assertEquals(base + k, sent.get(k).wrId);
            }
        }
        assertTrue(b.await(b.recvCq, 1, Duration.ofMillis(100)).isEmpty(), "nothing arrives twice");
    }
}
