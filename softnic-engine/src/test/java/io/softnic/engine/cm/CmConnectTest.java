package io.softnic.engine.cm;

import io.softnic.cm.CmException;
import io.softnic.cm.CmParams;
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
import io.softnic.verbs.IbvSendFlags;
import io.softnic.verbs.IbvSendWr;
import io.softnic.verbs.IbvWc;
import io.softnic.verbs.IbvWcStatus;
import io.softnic.verbs.IbvWrOpcode;
import io.softnic.wire.cm.CmRej;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * rdma_cm-style connection establishment between two engines (client a, server b, on two loopback addresses): the
 * QPs end in RTS with each other's QPN and starting PSN, private data travels both ways, REJ and disconnect do what
 * rdma_cm users expect. Subclasses run the same tests in other threading modes.
 */
@Timeout(30)
class CmConnectTest
{
    static final int PORT = 7471;
    static final Duration TIMEOUT = Duration.ofSeconds(10);

    CmSide client;
    CmSide server;
    /** In INVOKER mode the server engine has no thread of its own: this one drives it. */
    private Thread serverDriver;
    private volatile boolean running = true;

    ThreadingMode mode()
    {
        return ThreadingMode.SHARED;
    }

    @BeforeEach
    void setUp()
    {
        client = new CmSide("cm-a", CmSide.CLIENT, mode());
        try
        {
            server = new CmSide("cm-b", CmSide.SERVER, mode());
        }
        catch (final RuntimeException ex)
        {
            client.close();
            throw ex;
        }
        if (mode() == ThreadingMode.INVOKER)
        {
            serverDriver = Thread.ofPlatform().daemon().name("cm-b-driver").start(() ->
            {
                while (running)
                {
                    server.pause();
                }
            });
        }
    }

    @AfterEach
    void tearDown() throws InterruptedException
    {
        running = false;
        if (serverDriver != null)
        {
            serverDriver.join(5_000);
        }
        client.close();
        server.close();
    }

    /** The server's side of one connection, on a thread of its own: wait for the REQ, then answer it. */
    static <T> CompletableFuture<T> serve(
        final RdmaCm.Listener listener, final Function<RdmaCm.Request, T> answer)
    {
        final CompletableFuture<T> result = new CompletableFuture<>();
        Thread.ofPlatform().daemon().name("cm-server").start(() ->
        {
            try
            {
                final RdmaCm.Request r = listener.getRequest(TIMEOUT);
                if (r == null)
                {
                    throw new AssertionError("no connection request reached the server");
                }
                result.complete(answer.apply(r));
            }
            catch (final Throwable t)
            {
                result.completeExceptionally(t);
            }
        });
        return result;
    }

    static byte[] bytes(final String s)
    {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    static void assertPrefix(final byte[] expected, final byte[] actual)
    {
        assertTrue(actual.length >= expected.length, "private data too short: " + actual.length);
        assertArrayEquals(expected, Arrays.copyOf(actual, expected.length));
        for (int i = expected.length; i < actual.length; i++)
        {
            assertEquals(0, actual[i], "private data padding at " + i);
        }
    }

    @Test
    void connectBringsBothQpsToRtsWithEachOthersQpnAndPsn() throws Exception
    {
        final IbvQp cq = client.newQp();
        final IbvQp sq = server.newQp();
        final byte[] hello = bytes("hello from the client");
        final byte[] welcome = bytes("welcome, says the server");
        try (RdmaCm.Listener listener = server.cm.listen(PORT))
        {
            final CmRequest[] seen = new CmRequest[1];
            final CompletableFuture<RdmaCm.Connection> accepted = serve(listener, r ->
            {
                seen[0] = r.info();
                return r.accept(sq, CmParams.defaults().withMtu(2048).withPrivateData(welcome));
            });
            final RdmaCm.Connection conn = client.cm.connect(cq, CmSide.SERVER, PORT,
                CmParams.defaults().withMtu(4096).withPrivateData(hello), TIMEOUT);
            final RdmaCm.Connection serverConn = accepted.get(10, TimeUnit.SECONDS);

            final IbvQpAttr ca = client.query(cq);
            final IbvQpAttr sa = server.query(sq);
            assertEquals(IbvQpState.RTS, ca.qpState);
            assertEquals(IbvQpState.RTS, sa.qpState);
            assertEquals(sq.qpNum(), ca.destQpNum);
            assertEquals(cq.qpNum(), sa.destQpNum);
            assertEquals(ca.sqPsn, sa.rqPsn, "server expects the client's starting PSN");
            assertEquals(sa.sqPsn, ca.rqPsn, "client expects the server's starting PSN");
            assertEquals(server.ipv4(), ca.ahAttr.dgidIpv4);
            assertEquals(client.ipv4(), sa.ahAttr.dgidIpv4);
            // the smaller MTU wins on both sides
            assertEquals(IbvMtu.MTU_2048, ca.pathMtu);
            assertEquals(IbvMtu.MTU_2048, sa.pathMtu);
            assertEquals(2048, conn.peer().mtu());
            assertEquals(2048, serverConn.peer().mtu());

            assertEquals(sq.qpNum(), conn.peer().remoteQpn());
            assertEquals(sa.sqPsn, conn.peer().remoteStartingPsn());
            assertEquals(server.ipv4(), conn.peer().remoteIpv4());
            assertPrefix(welcome, conn.peer().privateData());

            final CmRequest info = seen[0];
            assertEquals(client.ipv4(), info.remoteIpv4());
            assertEquals(cq.qpNum(), info.remoteQpn());
            assertEquals(ca.sqPsn, info.startingPsn());
            assertEquals(4096, info.mtu());
            assertEquals(CmParams.defaults().retryCount(), info.retryCount());
            assertEquals(CmParams.defaults().rnrRetryCount(), info.rnrRetryCount());
            assertTrue(info.remotePort() != 0);
            assertPrefix(hello, info.privateData());

            assertEquals(CmState.ESTABLISHED, conn.state());
            assertTrue(server.until(() -> serverConn.state() == CmState.ESTABLISHED, TIMEOUT), "RTU reached the server");
            assertTrue(client.counter(EngineCounters.CM_MADS_SENT) >= 2, "REQ and RTU");
            assertTrue(server.counter(EngineCounters.CM_MADS_SENT) >= 1, "REP");
            assertTrue(server.counter(EngineCounters.CM_MADS_RECEIVED) >= 2, "REQ and RTU");
            assertEquals(0, client.engine.errors() + server.engine.errors());
        }
    }

    @Test
    void connectToAPortNobodyListensOnIsRefusedQuickly()
    {
        final IbvQp cq = client.newQp();
        final long t0 = System.nanoTime();
        final CmException ex = assertThrows(CmException.class, () ->
            client.cm.connect(cq, CmSide.SERVER, PORT + 1, CmParams.defaults(), TIMEOUT));
        final long millis = (System.nanoTime() - t0) / 1_000_000;
        assertEquals(CmRej.INVALID_SERVICE_ID, ex.reason(), ex.getMessage());
        assertTrue(ex.getMessage().contains("INVALID_SERVICE_ID"), ex.getMessage());
        assertTrue(millis < 2_000, "refused in " + millis + " ms");
        assertEquals(IbvQpState.RESET, client.query(cq).qpState, "the QP is left reusable");
        assertEquals(CmState.REJECTED, client.cmState(cq));
        assertEquals(1, server.counter(EngineCounters.CM_REJECTS_SENT));
        assertEquals(1, client.counter(EngineCounters.CM_REJECTS_RECEIVED));
    }

    @Test
    void theServerRejects() throws Exception
    {
        final IbvQp cq = client.newQp();
        try (RdmaCm.Listener listener = server.cm.listen(PORT))
        {
            final CompletableFuture<Boolean> rejected = serve(listener, r ->
            {
                r.reject(CmRej.CONSUMER_DEFINED);
                return true;
            });
            final CmException ex = assertThrows(CmException.class, () ->
                client.cm.connect(cq, CmSide.SERVER, PORT, CmParams.defaults(), TIMEOUT));
            assertEquals(CmRej.CONSUMER_DEFINED, ex.reason());
            assertTrue(ex.getMessage().contains("CONSUMER_DEFINED"), ex.getMessage());
            assertTrue(rejected.get(10, TimeUnit.SECONDS));
            assertEquals(IbvQpState.RESET, client.query(cq).qpState);
            assertEquals(1, server.counter(EngineCounters.CM_REJECTS_SENT));
            assertEquals(1, client.counter(EngineCounters.CM_REJECTS_RECEIVED));

            // the QP, back in RESET, connects on a second try
            final IbvQp sq = server.newQp();
            final CompletableFuture<RdmaCm.Connection> accepted =
                serve(listener, r -> r.accept(sq, CmParams.defaults()));
            final RdmaCm.Connection conn = client.cm.connect(cq, CmSide.SERVER, PORT, CmParams.defaults(), TIMEOUT);
            accepted.get(10, TimeUnit.SECONDS);
            assertEquals(sq.qpNum(), conn.peer().remoteQpn());
            assertEquals(IbvQpState.RTS, client.query(cq).qpState);
        }
    }

    @Test
    void disconnectTakesThePeerDownAndFlushesItsReceives() throws Exception
    {
        final IbvQp cq = client.newQp();
        final IbvQp sq = server.newQp();
        try (RdmaCm.Listener listener = server.cm.listen(PORT))
        {
            final CompletableFuture<RdmaCm.Connection> accepted =
                serve(listener, r -> r.accept(sq, CmParams.defaults()));
            final RdmaCm.Connection conn = client.cm.connect(cq, CmSide.SERVER, PORT, CmParams.defaults(), TIMEOUT);
            final RdmaCm.Connection serverConn = accepted.get(10, TimeUnit.SECONDS);
            assertTrue(server.until(() -> serverConn.state() == CmState.ESTABLISHED, TIMEOUT));
            final IbvRecvWr recv = new IbvRecvWr();
            for (int i = 0; i < 3; i++)
            {
                recv.wrId = 100 + i;
                recv.sge(server.mr.addr() + i * 256L, 256, server.mr.lkey());
                sq.postRecv(recv);
            }
            recv.wrId = 7;
            recv.sge(client.mr.addr(), 256, client.mr.lkey());
            cq.postRecv(recv);

            conn.disconnect();
            assertEquals(CmState.DISCONNECTED, conn.state());
            assertEquals(IbvQpState.ERR, client.query(cq).qpState);
            assertTrue(server.until(() -> serverConn.state() == CmState.DISCONNECTED, TIMEOUT), "DREQ reached the server");
            assertEquals(IbvQpState.ERR, server.query(sq).qpState);
            final List<IbvWc> flushed = server.await(server.recvCq, 3, TIMEOUT);
            assertEquals(3, flushed.size(), "the server's posted receives are flushed");
            for (final IbvWc wc : flushed)
            {
                assertEquals(IbvWcStatus.WR_FLUSH_ERR, wc.status);
            }
            final List<IbvWc> own = client.await(client.recvCq, 1, TIMEOUT);
            assertEquals(1, own.size());
            assertEquals(IbvWcStatus.WR_FLUSH_ERR, own.get(0).status);
            // a second disconnect is harmless
            server.engine.controlPlane().embeddedDevice().cm().disconnect(sq.qpNum(), 1_000_000_000L);
            assertEquals(CmState.DISCONNECTED, serverConn.state());
        }
    }

    @Test
    void destroyingTheQpOfAConnectionDisconnectsThePeer() throws Exception
    {
        final IbvQp cq = client.newQp();
        final IbvQp sq = server.newQp();
        try (RdmaCm.Listener listener = server.cm.listen(PORT))
        {
            final CompletableFuture<RdmaCm.Connection> accepted =
                serve(listener, r -> r.accept(sq, CmParams.defaults()));
            final RdmaCm.Connection conn = client.cm.connect(cq, CmSide.SERVER, PORT, CmParams.defaults(), TIMEOUT);
            accepted.get(10, TimeUnit.SECONDS);
            sq.close();
            assertTrue(client.until(() -> conn.state() == CmState.DISCONNECTED, TIMEOUT), "a DREQ came");
            assertEquals(IbvQpState.ERR, client.query(cq).qpState);
            assertEquals(CmState.IDLE, server.engine.controlPlane().embeddedDevice().cm().state(sq.qpNum()));
        }
    }

    @Test
    void dataFlowsOverTheConnection() throws Exception
    {
        final IbvQp cq = client.newQp();
        final IbvQp sq = server.newQp();
        try (RdmaCm.Listener listener = server.cm.listen(PORT))
        {
            final CompletableFuture<RdmaCm.Connection> accepted = serve(listener, r ->
            {
                final RdmaCm.Connection c = r.accept(sq, CmParams.defaults().withMtu(1024));
                final IbvRecvWr recv = new IbvRecvWr();
                recv.wrId = 42;
                recv.sge(server.mr.addr(), 4096, server.mr.lkey());
                sq.postRecv(recv);
                return c;
            });
            client.cm.connect(cq, CmSide.SERVER, PORT, CmParams.defaults(), TIMEOUT);
            accepted.get(10, TimeUnit.SECONDS);
            for (int i = 0; i < 3000; i++)
            {
                client.buffer.set(ValueLayout.JAVA_BYTE, i, (byte)(i * 7));
            }
            final IbvSendWr send = new IbvSendWr();
            send.wrId = 9;
            send.opcode = IbvWrOpcode.SEND;
            send.sendFlags = IbvSendFlags.SIGNALED;
            send.sge(client.mr.addr(), 3000, client.mr.lkey());
            cq.postSend(send);
            final List<IbvWc> sent = client.await(client.sendCq, 1, TIMEOUT);
            final List<IbvWc> received = server.await(server.recvCq, 1, TIMEOUT);
            assertEquals(1, sent.size(), "send completion; counters " + client.engine.counters().snapshot());
            assertEquals(IbvWcStatus.SUCCESS, sent.get(0).status);
            assertEquals(1, received.size(), "receive completion; counters " + server.engine.counters().snapshot());
            assertEquals(IbvWcStatus.SUCCESS, received.get(0).status);
            assertEquals(3000, received.get(0).byteLen);
            for (int i = 0; i < 3000; i++)
            {
                assertEquals((byte)(i * 7), server.buffer.get(ValueLayout.JAVA_BYTE, i), "byte " + i);
            }
            // the data packets count as the RTU at the latest
            assertEquals(CmState.ESTABLISHED, server.cmState(sq));
        }
    }

    @Test
    void getRequestTimesOutWithNull()
    {
        try (RdmaCm.Listener listener = server.cm.listen(PORT))
        {
            final long t0 = System.nanoTime();
            assertNull(listener.getRequest(Duration.ofMillis(100)));
            assertTrue(System.nanoTime() - t0 >= 90_000_000L);
        }
    }
}
