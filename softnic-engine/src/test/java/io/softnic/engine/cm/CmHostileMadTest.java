package io.softnic.engine.cm;

import io.softnic.cm.CmParams;
import io.softnic.cm.RdmaCm;
import io.softnic.engine.ThreadingMode;
import io.softnic.engine.counters.EngineCounters;
import io.softnic.verbs.IbvQp;
import io.softnic.verbs.IbvQpState;
import io.softnic.wire.Mtu;
import io.softnic.wire.cm.CmDrep;
import io.softnic.wire.cm.CmDreq;
import io.softnic.wire.cm.CmIpPrivateData;
import io.softnic.wire.cm.CmMra;
import io.softnic.wire.cm.CmRej;
import io.softnic.wire.cm.CmRep;
import io.softnic.wire.cm.CmReq;
import io.softnic.wire.cm.CmRtu;
import io.softnic.wire.cm.Mad;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.time.Duration;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

import static io.softnic.engine.cm.CmConnectTest.serve;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * MADs no honest CM sends, put on the wire towards the server engine: each is counted and dropped, or answered as
 * the IB CM answers it, and none hurts the engine: no agent error, and connections still work afterwards.
 */
@Timeout(30)
class CmHostileMadTest
{
    private static final int PORT = 9999;

    private CmSide server;
    private FakeCmPeer peer;
    private final MemorySegment mad = Arena.ofAuto().allocate(Mad.MAD_LENGTH);
    private long malformed;

    @BeforeEach
    void setUp()
    {
        server = new CmSide("cm-hostile", CmSide.SERVER, ThreadingMode.SHARED);
        try
        {
            peer = new FakeCmPeer(CmSide.FAKE_PEER);
        }
        catch (final RuntimeException ex)
        {
            server.close();
            throw ex;
        }
    }

    @AfterEach
    void tearDown()
    {
        peer.close();
        server.close();
    }

    /** Sends a MAD built by {@code build} and expects it counted as dropped, and nothing sent back. */
    private void dropped(final String what, final int length, final int qkey, final Consumer<Mad> build)
    {
        final Mad m = new Mad().wrap(mad, 0);
        m.initCm(Mad.ATTR_RTU, 1);
        build.accept(m);
        peer.send(mad, length, qkey, server.ipv4());
        malformed++;
        assertTrue(server.until(() -> server.counter(EngineCounters.MALFORMED_DROPPED) == malformed,
            Duration.ofSeconds(2)), what + " counted as dropped (" + server.counter(EngineCounters.MALFORMED_DROPPED) +
            " of " + malformed + ")");
        assertNull(peer.receive(20), what + ": no answer");
    }

    private void dropped(final String what, final Consumer<Mad> build)
    {
        dropped(what, Mad.MAD_LENGTH, Mad.Q_KEY_GSI, build);
    }

    @Test
    void malformedAndUnmatchedMadsAreCountedAndDropped()
    {
        try (RdmaCm.Listener ignored = server.cm.listen(PORT))
        {
            dropped("wrong Q_Key", Mad.MAD_LENGTH, 0x1234, m -> { });
            dropped("a MAD shorter than 256 bytes", 200, Mad.Q_KEY_GSI, m -> { });
            dropped("base version 2", m -> m.baseVersion(2));
            dropped("management class 0x04", m -> m.mgmtClass(0x04));
            dropped("class version 1", m -> m.classVersion(1));
            dropped("method GET", m -> m.method(Mad.METHOD_GET));
            dropped("method GET_RESP", m -> m.method(Mad.METHOD_GET_RESP));
            dropped("SIDR_REQ", m -> m.attributeId(Mad.ATTR_SIDR_REQ));
            dropped("LAP for an unknown comm id", m -> m.attributeId(Mad.ATTR_LAP));
            dropped("APR for an unknown comm id", m -> m.attributeId(Mad.ATTR_APR));
            dropped("attribute 0x99", m -> m.attributeId(0x99));
            dropped("REP for an unknown comm id", m ->
                new CmRep().wrap(mad, 0).init(5).localCommId(1).remoteCommId(0x5EED).localQpn(20).startingPsn(1));
            dropped("RTU for an unknown comm id", m ->
                new CmRtu().wrap(mad, 0).init(5).localCommId(1).remoteCommId(0x5EED));
            dropped("REJ for an unknown comm id", m ->
                new CmRej().wrap(mad, 0).init(5).localCommId(1).remoteCommId(0x5EED).reason(CmRej.TIMEOUT));
            dropped("DREP for an unknown comm id", m ->
                new CmDrep().wrap(mad, 0).init(5).localCommId(1).remoteCommId(0x5EED));
            dropped("MRA for an unknown comm id", m ->
                new CmMra().wrap(mad, 0).init(5).localCommId(1).remoteCommId(0x5EED));
            assertEquals(0, server.counter(EngineCounters.CM_MADS_SENT));

            // a DREQ for a connection nobody knows is answered, as ib_cm does, so the sender can finish
            new CmDreq().wrap(mad, 0).init(77).localCommId(0xAAAA).remoteCommId(0xBBBB).remoteQpnEecn(33);
            peer.send(mad, server.ipv4());
            final CmDrep drep = new CmDrep().wrap(peer.expect(Mad.ATTR_DREP, 2_000).mad(), 0);
            assertEquals(0xBBBB, drep.localCommId());
            assertEquals(0xAAAA, drep.remoteCommId());
            assertEquals(77, drep.transactionId());
            assertEquals(0, server.engine.errors());
        }
    }

    private int rejectReasonFor(final Consumer<CmReq> spoil)
    {
        new CmMessages().req(mad, 3, 0x4242, new CmMessages.ReqFields(CmIpPrivateData.tcpServiceId(PORT), 1, 0x99,
            0x10, 4, 4, 7, 7, Mtu.MTU_1024, 14, 15, peer.ipv4, server.ipv4(), 0xC001, new byte[0]));
        spoil.accept(new CmReq().wrap(mad, 0));
        final long before = server.counter(EngineCounters.CM_REJECTS_SENT);
        peer.send(mad, server.ipv4());
        final CmRej rej = new CmRej().wrap(peer.expect(Mad.ATTR_REJ, 2_000).mad(), 0);
        assertEquals(0x4242, rej.remoteCommId());
        assertEquals(CmRej.MESSAGE_REQ, rej.messageRejected());
        assertEquals(before + 1, server.counter(EngineCounters.CM_REJECTS_SENT));
        return rej.reason();
    }

    @Test
    void requestsThatCannotBeServedAreRejectedWithTheirReason()
    {
        assertEquals(CmRej.INVALID_SERVICE_ID, rejectReasonFor(r -> { }), "nothing listens");
        try (RdmaCm.Listener listener = server.cm.listen(PORT))
        {
            assertEquals(CmRej.INVALID_SERVICE_ID, rejectReasonFor(r -> r.serviceId(0x1234)), "not an IP service id");
            assertEquals(CmRej.INVALID_SERVICE_ID, rejectReasonFor(r -> r.serviceId(
                CmIpPrivateData.serviceId(CmIpPrivateData.RDMA_PS_UDP, PORT))), "another port space");
            assertEquals(CmRej.INVALID_MTU, rejectReasonFor(r -> r.pathMtu(0)));
            assertEquals(CmRej.INVALID_MTU, rejectReasonFor(r -> r.pathMtu(9)));
            assertEquals(CmRej.INVALID_TRANSPORT_TYPE, rejectReasonFor(r -> r.transportServiceType(CmReq.TRANSPORT_UC)));
            assertEquals(CmRej.UNSUPPORTED_REQ, rejectReasonFor(r ->
                new CmIpPrivateData().wrap(mad, CmReq.PRIVATE_DATA_OFFSET).ipVersion(6)));
            assertEquals(CmRej.UNSUPPORTED_REQ, rejectReasonFor(r -> r.localQpn(0)));
            assertNull(listener.getRequest(Duration.ofMillis(20)), "none of them reached the listener");
        }
    }

    @Test
    void randomGarbageHurtsNothing() throws Exception
    {
        final Random random = new Random(1234);
        final int[] attributes = {Mad.ATTR_REQ, Mad.ATTR_REP, Mad.ATTR_RTU, Mad.ATTR_REJ, Mad.ATTR_DREQ, Mad.ATTR_DREP,
            Mad.ATTR_MRA};
        try (RdmaCm.Listener listener = server.cm.listen(PORT))
        {
            for (int i = 0; i < 2_000; i++)
            {
                for (int b = 0; b < Mad.MAD_LENGTH; b++)
                {
                    mad.set(ValueLayout.JAVA_BYTE, b, (byte)random.nextInt());
                }
                final Mad m = new Mad().wrap(mad, 0);
                if (random.nextInt(4) != 0)
                {
                    m.baseVersion(1).mgmtClass(Mad.MGMT_CLASS_CM).classVersion(2).method(Mad.METHOD_SEND)
                        .attributeId(attributes[random.nextInt(attributes.length)]);
                    if (m.attributeId() == Mad.ATTR_REQ && random.nextBoolean())
                    {
                        new CmReq().wrap(mad, 0).serviceId(CmIpPrivateData.tcpServiceId(PORT));
                        new CmIpPrivateData().wrap(mad, CmReq.PRIVATE_DATA_OFFSET).version(0).ipVersion(4);
                    }
                }
                peer.send(mad, server.ipv4());
                if ((i & 63) == 0)
                {
                    Thread.sleep(1); // let the engine keep up: this is about content, not floods
                }
            }
            // drain what the garbage produced (REJs, MRAs, DREPs, requests) and check the engine still works
            while (peer.receive(200) != null)
            {
                // discard
            }
            RdmaCm.Request r;
            while ((r = listener.getRequest(Duration.ofMillis(50))) != null)
            {
                r.reject(CmRej.CONSUMER_DEFINED);
            }
            assertEquals(0, server.engine.errors());
            assertNull(((ConnectionManager)server.engine.controlPlane().embeddedDevice().cm()).lastError());

            try (CmSide client = new CmSide("cm-hostile-client", CmSide.CLIENT, ThreadingMode.SHARED))
            {
                final IbvQp cq = client.newQp();
                final IbvQp sq = server.newQp();
                final CompletableFuture<RdmaCm.Connection> accepted =
                    serve(listener, req -> req.accept(sq, CmParams.defaults()));
                client.cm.connect(cq, CmSide.SERVER, PORT, CmParams.defaults(), Duration.ofSeconds(10));
                accepted.get(10, TimeUnit.SECONDS);
                assertEquals(IbvQpState.RTS, client.query(cq).qpState);
                assertEquals(IbvQpState.RTS, server.query(sq).qpState);
            }
        }
    }
}
