package io.softnic.engine.cm;

import io.softnic.cm.CmControl;
import io.softnic.cm.CmParams;
import io.softnic.cm.CmState;
import io.softnic.cm.RdmaCm;
import io.softnic.engine.ThreadingMode;
import io.softnic.engine.counters.EngineCounters;
import io.softnic.verbs.IbvQp;
import io.softnic.verbs.IbvQpState;
import io.softnic.verbs.VerbsException;
import io.softnic.wire.cm.CmRej;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static io.softnic.engine.cm.CmConnectTest.serve;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** What the CM refuses, and how clearly: bad arguments and calls in the wrong state fail before anything is sent. */
@Timeout(30)
class CmApiTest
{
    private static final int PORT = 5555;
    private static final long SECOND = 1_000_000_000L;

    private CmSide client;
    private CmSide server;
    private CmControl cm;

    @BeforeEach
    void setUp()
    {
        client = new CmSide("cm-api-a", CmSide.CLIENT, ThreadingMode.SHARED);
        try
        {
            server = new CmSide("cm-api-b", CmSide.SERVER, ThreadingMode.SHARED);
        }
        catch (final RuntimeException ex)
        {
            client.close();
            throw ex;
        }
        cm = client.engine.controlPlane().embeddedDevice().cm();
    }

    @AfterEach
    void tearDown()
    {
        client.close();
        server.close();
    }

    private static String message(final Throwable t)
    {
        return t.getMessage();
    }

    @Test
    void badConnectArgumentsAreRefusedBeforeAnythingIsSent()
    {
        final IbvQp qp = client.newQp();
        final int ip = server.ipv4();
        final String tooLong = message(assertThrows(VerbsException.class, () ->
            cm.connect(qp.qpNum(), ip, PORT, CmParams.defaults().withPrivateData(new byte[57]), SECOND)));
        assertTrue(tooLong.contains("57") && tooLong.contains("56"), tooLong);
        assertTrue(message(assertThrows(VerbsException.class, () ->
            cm.connect(qp.qpNum(), ip, PORT, CmParams.defaults().withMtu(1500), SECOND))).contains("MTU"));
        assertTrue(message(assertThrows(VerbsException.class, () ->
            cm.connect(qp.qpNum(), ip, PORT, CmParams.defaults().withRetry(8, 7, 14), SECOND))).contains("retry"));
        assertTrue(message(assertThrows(VerbsException.class, () ->
            cm.connect(qp.qpNum(), ip, 0, CmParams.defaults(), SECOND))).contains("port"));
        assertTrue(message(assertThrows(VerbsException.class, () ->
            cm.connect(qp.qpNum(), ip, PORT, null, SECOND))).contains("parameters"));
        assertTrue(message(assertThrows(VerbsException.class, () ->
            cm.connect(qp.qpNum(), ip, PORT, CmParams.defaults(), 0))).contains("timeout"));
        assertTrue(message(assertThrows(VerbsException.class, () ->
            cm.connect(9999, ip, PORT, CmParams.defaults(), SECOND))).contains("no QP"));
        assertEquals(IbvQpState.RESET, client.query(qp).qpState);
        assertEquals(0, client.counter(EngineCounters.CM_MADS_SENT));
        assertEquals(CmState.IDLE, cm.state(qp.qpNum()));
        assertEquals(CmState.IDLE, cm.state(12345));
    }

    @Test
    void aConnectedQpCannotConnectAgainAndListenersAreExclusive() throws Exception
    {
        final IbvQp qp = client.newQp();
        final IbvQp sq = server.newQp();
        try (RdmaCm.Listener listener = server.cm.listen(PORT))
        {
            final String taken = message(assertThrows(VerbsException.class, () -> server.cm.listen(PORT)));
            assertTrue(taken.contains("already listened"), taken);
            final CompletableFuture<RdmaCm.Connection> accepted = serve(listener, r ->
            {
                final RdmaCm.Connection c = r.accept(sq, CmParams.defaults());
                // answered requests cannot be answered again
                assertThrows(VerbsException.class, () -> r.accept(server.newQp(), CmParams.defaults()));
                assertThrows(VerbsException.class, () -> r.reject(CmRej.CONSUMER_DEFINED));
                return c;
            });
            client.cm.connect(qp, CmSide.SERVER, PORT, CmParams.defaults(), Duration.ofSeconds(5));
            accepted.get(5, TimeUnit.SECONDS);
            final String busy = message(assertThrows(VerbsException.class, () ->
                cm.connect(qp.qpNum(), server.ipv4(), PORT, CmParams.defaults(), SECOND)));
            assertTrue(busy.contains("RESET or INIT"), busy);
            final IbvQp other = server.newQp();
            assertTrue(message(assertThrows(VerbsException.class, () ->
                server.engine.controlPlane().embeddedDevice().cm().disconnect(other.qpNum(), SECOND)))
                .contains("no connection"));
        }
        // a closed listener frees its port
        server.cm.listen(PORT).close();
        final CmControl scm = server.engine.controlPlane().embeddedDevice().cm();
        assertThrows(VerbsException.class, () -> scm.getRequest(4242, SECOND));
        assertThrows(VerbsException.class, () -> scm.accept(4242, server.newQp().qpNum(), CmParams.defaults()));
        assertThrows(VerbsException.class, () -> scm.reject(4242, CmRej.CONSUMER_DEFINED));
    }

    @Test
    void acceptChecksItsArgumentsAndLeavesTheRequestOpenOnError() throws Exception
    {
        final IbvQp qp = client.newQp();
        final IbvQp sq = server.newQp();
        try (RdmaCm.Listener listener = server.cm.listen(PORT))
        {
            final CompletableFuture<RdmaCm.Connection> accepted = serve(listener, r ->
            {
                final String tooLong = message(assertThrows(VerbsException.class, () ->
                    r.accept(sq, CmParams.defaults().withPrivateData(new byte[197]))));
                assertTrue(tooLong.contains("196"), tooLong);
                assertThrows(VerbsException.class, () -> r.reject(70_000));
                assertEquals(IbvQpState.RESET, sq.query(new io.softnic.verbs.IbvQpAttr()).qpState);
                return r.accept(sq, CmParams.defaults());
            });
            client.cm.connect(qp, CmSide.SERVER, PORT, CmParams.defaults(), Duration.ofSeconds(5));
            accepted.get(5, TimeUnit.SECONDS);
        }
    }

    @Test
    void closingAListenerRefusesWhatItHeld() throws Exception
    {
        final IbvQp qp = client.newQp();
        final RdmaCm.Listener listener = server.cm.listen(PORT);
        final CompletableFuture<Throwable> failed = CompletableFuture.supplyAsync(() ->
        {
            try
            {
                client.cm.connect(qp, CmSide.SERVER, PORT, CmParams.defaults(), Duration.ofSeconds(5));
                return null;
            }
            catch (final Throwable t)
            {
                return t;
            }
        });
        assertTrue(server.until(() -> server.counter(EngineCounters.CM_MADS_RECEIVED) >= 1, Duration.ofSeconds(5)));
        listener.close();
        final Throwable t = failed.get(5, TimeUnit.SECONDS);
        assertTrue(t instanceof io.softnic.cm.CmException, String.valueOf(t));
        assertEquals(CmRej.INVALID_SERVICE_ID, ((io.softnic.cm.CmException)t).reason());
    }
}
