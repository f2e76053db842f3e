package io.softnic.engine.cm;

import io.softnic.cm.CmParams;
import io.softnic.cm.CmState;
import io.softnic.cm.RdmaCm;
import io.softnic.engine.ThreadingMode;
import io.softnic.engine.counters.EngineCounters;
import io.softnic.engine.fault.FaultInjector;
import io.softnic.verbs.IbvQp;
import io.softnic.verbs.IbvQpAttr;
import io.softnic.verbs.IbvQpState;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static io.softnic.engine.cm.CmConnectTest.assertPrefix;
import static io.softnic.engine.cm.CmConnectTest.bytes;
import static io.softnic.engine.cm.CmConnectTest.serve;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Connections made and torn down while the fault injector loses, repeats and reorders MADs: the CM's retries and its
 * handling of duplicates must get every connection up with consistent QPs on both sides, and every one down again.
 */
@Timeout(60)
class CmLossTest
{
    private static final int PORT = 4444;
    private static final int CONNECTIONS = 8;

    @Test
    void connectionsComeUpAndGoDownThoughTheServerLosesAThirdOfWhatItReceives() throws Exception
    {
        run(FaultInjector.Config.NONE, new FaultInjector.Config(0.3, 0, 0, 0, 11));
    }

    @Test
    void connectionsComeUpAndGoDownThoughBothSidesLoseRepeatAndReorder() throws Exception
    {
        run(new FaultInjector.Config(0.2, 0.1, 0.1, 0, 5), new FaultInjector.Config(0.2, 0.1, 0.1, 0, 6));
    }

    private static void run(final FaultInjector.Config clientFaults, final FaultInjector.Config serverFaults)
        throws Exception
    {
        try (CmSide client = new CmSide("cm-lossy-a", CmSide.CLIENT, ThreadingMode.SHARED, clientFaults);
            CmSide server = new CmSide("cm-lossy-b", CmSide.SERVER, ThreadingMode.SHARED, serverFaults);
            RdmaCm.Listener listener = server.cm.listen(PORT))
        {
            final List<RdmaCm.Connection> clients = new ArrayList<>();
            final List<RdmaCm.Connection> servers = new ArrayList<>();
            for (int i = 0; i < CONNECTIONS; i++)
            {
                final IbvQp cq = client.newQp();
                final IbvQp sq = server.newQp();
                final byte[] hello = bytes("hello #" + i);
                final CompletableFuture<RdmaCm.Connection> accepted = serve(listener, r ->
                {
                    assertPrefix(hello, r.privateData());
                    return r.accept(sq, CmParams.defaults().withPrivateData(bytes("welcome #" + r.info().remoteQpn())));
                });
                final RdmaCm.Connection conn = client.cm.connect(cq, CmSide.SERVER, PORT,
                    CmParams.defaults().withPrivateData(hello), Duration.ofSeconds(20));
                final RdmaCm.Connection serverConn = accepted.get(20, TimeUnit.SECONDS);
                assertPrefix(bytes("welcome #" + cq.qpNum()), conn.peer().privateData());
                final IbvQpAttr ca = client.query(cq);
                final IbvQpAttr sa = server.query(sq);
                assertEquals(IbvQpState.RTS, ca.qpState);
                assertEquals(IbvQpState.RTS, sa.qpState);
                assertEquals(sq.qpNum(), ca.destQpNum);
                assertEquals(cq.qpNum(), sa.destQpNum);
                assertEquals(ca.sqPsn, sa.rqPsn);
                assertEquals(sa.sqPsn, ca.rqPsn);
                clients.add(conn);
                servers.add(serverConn);
            }
            for (final RdmaCm.Connection s : servers)
            {
                assertTrue(server.until(() -> s.state() == CmState.ESTABLISHED, Duration.ofSeconds(10)),
                    "RTU (or a repeated REP answered by one) reached the server; state " + CmState.name(s.state()));
            }
            final long retries = client.counter(EngineCounters.CM_RETRIES) + server.counter(EngineCounters.CM_RETRIES);
            assertTrue(retries > 0, "lost MADs were resent");
            assertTrue(client.counter(EngineCounters.FAULT_DROPPED) + server.counter(EngineCounters.FAULT_DROPPED) > 0);

            for (int i = 0; i < CONNECTIONS; i++)
            {
                // every other connection is closed from the server's side
                final RdmaCm.Connection closer = (i & 1) == 0 ? clients.get(i) : servers.get(i);
                final RdmaCm.Connection other = (i & 1) == 0 ? servers.get(i) : clients.get(i);
                closer.disconnect();
                assertEquals(CmState.DISCONNECTED, closer.state());
                final CmSide otherSide = (i & 1) == 0 ? server : client;
                assertTrue(otherSide.until(() -> other.state() == CmState.DISCONNECTED, Duration.ofSeconds(10)),
                    "the DREQ reached the peer of connection " + i);
                assertEquals(IbvQpState.ERR, other.qp().query(new IbvQpAttr()).qpState);
                assertEquals(IbvQpState.ERR, closer.qp().query(new IbvQpAttr()).qpState);
            }
            assertEquals(0, client.engine.errors() + server.engine.errors());
        }
    }
}
