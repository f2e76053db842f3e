package io.softnic.tools;

import io.softnic.cm.CmException;
import io.softnic.cm.CmParams;
import io.softnic.cm.CmState;
import io.softnic.cm.RdmaCm;
import io.softnic.engine.EngineContext;
import io.softnic.engine.SoftnicEngine;
import io.softnic.engine.vnic.Vnic;
import io.softnic.hostif.VnicMessages;
import io.softnic.tenant.Softnic;
import io.softnic.verbs.IbvAccess;
import io.softnic.verbs.IbvContext;
import io.softnic.verbs.IbvCq;
import io.softnic.verbs.IbvMr;
import io.softnic.verbs.IbvPd;
import io.softnic.verbs.IbvQp;
import io.softnic.verbs.IbvQpAttr;
import io.softnic.verbs.IbvQpInitAttr;
import io.softnic.verbs.IbvQpState;
import io.softnic.verbs.IbvSendFlags;
import io.softnic.verbs.IbvSendWr;
import io.softnic.verbs.IbvWc;
import io.softnic.verbs.IbvWcStatus;
import io.softnic.verbs.IbvWrOpcode;
import io.softnic.verbs.VerbsException;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 3, item 3 (the CM) and the DREQ of item 6: attached tenants use {@link RdmaCm} through the command channel
 * as embedded code does (connect, listen, accept, reject, disconnect, private data, REJ as {@link CmException}), the
 * master never blocking for them; a tenant may only connect and accept with its own QPs; a tenant killed with -9
 * while connected is disconnected with a DREQ, so its peer's CM connection goes DISCONNECTED within a bound.
 */
class TenantCmTest
{
    private static final int CM_PORT = 7471;
    private static final Duration TIMEOUT = Duration.ofSeconds(10);

    /** One end of a connection in a context (embedded or attached). */
    private static final class End
    {
        final IbvCq cq;
        final MemorySegment buf;
        final IbvMr mr;
        final IbvQp qp;

        End(final IbvContext ctx)
        {
            final IbvPd pd = ctx.allocPd();
            cq = ctx.createCq(64, 0);
            buf = ctx.allocateBuffer(1 << 16);
            mr = pd.regMr(buf, IbvAccess.LOCAL_WRITE | IbvAccess.ALL_REMOTE);
            final IbvQpInitAttr init = new IbvQpInitAttr();
            init.sendCq = cq;
            init.recvCq = cq;
            qp = pd.createQp(init);
        }

        /** One signaled 4 KiB RDMA WRITE of {@code pattern} bytes into {@code to}; returns its status. */
        IbvWcStatus write(final End to, final byte pattern)
        {
            return write(to.mr.addr(), to.mr.rkey(), pattern);
        }

        IbvWcStatus write(final long addr, final int rkey, final byte pattern)
        {
            buf.asSlice(0, 4096).fill(pattern);
            final IbvSendWr wr = new IbvSendWr();
            wr.wrId = pattern;
            wr.opcode = IbvWrOpcode.RDMA_WRITE;
            wr.sendFlags = IbvSendFlags.SIGNALED;
            wr.remoteAddr = addr;
            wr.rkey = rkey;
            wr.sge(mr.addr(), 4096, mr.lkey());
            qp.postSend(wr);
            final IbvWc[] wc = {new IbvWc()};
            final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (true)
            {
                assertTrue(System.nanoTime() < deadline, "no completion within 20 s");
                if (cq.poll(wc, 1) == 1)
                {
                    return wc[0].status;
                }
            }
        }

        void assertFilled(final byte pattern)
        {
            for (int i = 0; i < 4096; i++)
            {
                assertEquals(pattern, buf.get(ValueLayout.JAVA_BYTE, i), "byte " + i);
            }
        }
    }

    private static EngineDaemon daemon(final Path tmp, final String addr)
    {
        final EngineConfig cfg = new EngineConfig().set("dir", tmp.resolve("engine").toString()).set("port", addr)
            .set("comp-vectors", "1").set("tenant-timeout", "2000");
        final EngineDaemon d = EngineDaemon.start(cfg);
        d.vnics().create("a", new VnicMessages.Quota(4, 4, 4, 8 << 20, 1));
        d.vnics().create("b", new VnicMessages.Quota(4, 4, 4, 8 << 20, 1));
        return d;
    }

    private static byte[] ascii(final String s)
    {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    private static String text(final byte[] data)
    {
        return new String(data, StandardCharsets.US_ASCII).trim();
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void tenantConnectsToAnEmbeddedListener(@TempDir final Path tmp) throws Exception
    {
        try (EngineDaemon d = daemon(tmp, "127.0.0.100");
            SoftnicEngine peerEngine = SoftnicEngine.launch(new EngineContext().name("cm-peer-1")
                .port("127.0.0.101"));
            IbvContext peer = peerEngine.open();
            IbvContext tenant = Softnic.attach(d.dir(), "a"))
        {
            final End t = new End(tenant);
            final End p = new End(peer);

            // nothing listens yet: the REJ reaches the tenant as a CmException, the QP back in RESET
            final CmException rej = assertThrows(CmException.class, () -> tenant.cm().connect(t.qp, "127.0.0.101",
                CM_PORT, CmParams.defaults(), TIMEOUT));
            assertTrue(rej.getMessage().contains("rejected"), rej.getMessage());
            assertEquals(IbvQpState.RESET, t.qp.query(new IbvQpAttr()).qpState);

            try (RdmaCm.Listener listener = peer.cm().listen(CM_PORT))
            {
                final CompletableFuture<RdmaCm.Connection> connecting = CompletableFuture.supplyAsync(() ->
                    tenant.cm().connect(t.qp, "127.0.0.101", CM_PORT,
                        CmParams.defaults().withPrivateData(ascii("hello from a tenant")), TIMEOUT));
                final RdmaCm.Request req = listener.getRequest(TIMEOUT);
                assertNotNull(req, "the REQ reaches the embedded listener");
                assertEquals("hello from a tenant", text(req.privateData()));
                final RdmaCm.Connection server = req.accept(p.qp,
                    CmParams.defaults().withPrivateData(ascii("welcome")));
                final RdmaCm.Connection client = connecting.get(20, TimeUnit.SECONDS);
                assertEquals("welcome", text(client.peer().privateData()));
                assertEquals(p.qp.qpNum(), client.peer().remoteQpn());
                assertEquals(IbvQpState.RTS, t.qp.query(new IbvQpAttr()).qpState);
                assertEquals(CmState.ESTABLISHED, client.state());

                // data both ways
                assertEquals(IbvWcStatus.SUCCESS, t.write(p, (byte)0x5A));
                p.assertFilled((byte)0x5A);
                assertEquals(IbvWcStatus.SUCCESS, p.write(t, (byte)0x3C));
                t.assertFilled((byte)0x3C);
                final long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
                while (server.state() != CmState.ESTABLISHED)
                {
                    assertTrue(System.nanoTime() < until, "the embedded side is established");
                    Thread.sleep(1);
                }

                // the tenant disconnects: DREQ/DREP, both sides down
                client.disconnect();
                assertEquals(CmState.DISCONNECTED, client.state());
                assertEquals(IbvQpState.ERR, t.qp.query(new IbvQpAttr()).qpState);
                waitFor(() -> server.state() == CmState.DISCONNECTED, 5, "the embedded side sees the DREQ");
            }
        }
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void embeddedClientConnectsToATenantListener(@TempDir final Path tmp) throws Exception
    {
        try (EngineDaemon d = daemon(tmp, "127.0.0.102");
            SoftnicEngine peerEngine = SoftnicEngine.launch(new EngineContext().name("cm-peer-2")
                .port("127.0.0.103"));
            IbvContext peer = peerEngine.open();
            IbvContext tenant = Softnic.attach(d.dir(), "a");
            IbvContext other = Softnic.attach(d.dir(), "b"))
        {
            final End t = new End(tenant);
            final End o = new End(other);
            final End p = new End(peer);
            final RdmaCm.Listener listener = tenant.cm().listen(CM_PORT);
            assertThrows(VerbsException.class, () -> other.cm().listen(CM_PORT), "the port is taken");
            assertNull(listener.getRequest(Duration.ofMillis(50)), "nothing pending yet");

            // one request rejected by the tenant: the embedded client gets the REJ with the tenant's reason
            final CompletableFuture<Void> refused = CompletableFuture.runAsync(() ->
            {
                final CmException ex = assertThrows(CmException.class, () -> peer.cm().connect(p.qp, "127.0.0.102",
                    CM_PORT, CmParams.defaults(), TIMEOUT));
                assertEquals(28, ex.reason(), ex.getMessage());
            });
            final RdmaCm.Request first = listener.getRequest(TIMEOUT);
            assertNotNull(first);
            first.reject(28); // consumer-defined
            refused.get(20, TimeUnit.SECONDS);
            assertEquals(IbvQpState.RESET, p.qp.query(new IbvQpAttr()).qpState);

            // then accepted, with private data both ways
            final CompletableFuture<RdmaCm.Connection> connecting = CompletableFuture.supplyAsync(() ->
                peer.cm().connect(p.qp, "127.0.0.102", CM_PORT, CmParams.defaults()
                    .withPrivateData(ascii("embedded here")), TIMEOUT));
            final RdmaCm.Request req = listener.getRequest(TIMEOUT);
            assertNotNull(req, "the REQ reaches the tenant's listener");
            assertEquals("embedded here", text(req.privateData()));
            // ownership: a QP of another vNIC cannot take the request
            final VerbsException notOurs = assertThrows(VerbsException.class, () -> req.accept(o.qp,
                CmParams.defaults()));
            assertTrue(notOurs.getMessage().contains("no QP"), notOurs.getMessage());
            final RdmaCm.Connection server = req.accept(t.qp, CmParams.defaults()
                .withPrivateData(ascii("tenant accepts")));
            final RdmaCm.Connection client = connecting.get(20, TimeUnit.SECONDS);
            assertEquals("tenant accepts", text(client.peer().privateData()));
            assertEquals(t.qp.qpNum(), client.peer().remoteQpn());

            assertEquals(IbvWcStatus.SUCCESS, p.write(t, (byte)0x77));
            t.assertFilled((byte)0x77);
            assertEquals(IbvWcStatus.SUCCESS, t.write(p, (byte)0x11));
            p.assertFilled((byte)0x11);
            waitFor(() -> server.state() == CmState.ESTABLISHED, 5, "the tenant's side is established");

            // ownership: another tenant cannot connect this tenant's QP
            assertThrows(VerbsException.class, () -> other.cm().connect(t.qp, "127.0.0.103", CM_PORT,
                CmParams.defaults(), TIMEOUT));

            // the embedded side disconnects: the tenant's connection sees it
            client.disconnect();
            waitFor(() -> server.state() == CmState.DISCONNECTED, 5, "the tenant's side sees the DREQ");
            listener.close();

            // a detach frees the tenant's listener: the port can be listened on again
            tenant.close();
            other.cm().listen(CM_PORT).close();
        }
    }

    @Test
    @Tag("slow")
    @Timeout(value = 90, unit = TimeUnit.SECONDS)
    void tenantKilledWhileConnectedIsDisconnectedWithADreq(@TempDir final Path tmp) throws Exception
    {
        try (EngineDaemon d = daemon(tmp, "127.0.0.104");
            SoftnicEngine peerEngine = SoftnicEngine.launch(new EngineContext().name("cm-peer-3")
                .port("127.0.0.105"));
            IbvContext peer = peerEngine.open();
            RdmaCm.Listener listener = peer.cm().listen(CM_PORT))
        {
            final End p = new End(peer);
            final Process tenant = spawn(TenantCmMain.class, d.dir().toString(), "a", "127.0.0.105",
                Integer.toString(CM_PORT));
            try
            {
                final RdmaCm.Request req = listener.getRequest(Duration.ofSeconds(30));
                assertNotNull(req, "the spawned tenant's REQ");
                assertEquals("tenant", text(req.privateData()));
                final RdmaCm.Connection server = req.accept(p.qp, CmParams.defaults()
                    .withPrivateData(ascii("ok")));
                final BufferedReader out = new BufferedReader(new InputStreamReader(tenant.getInputStream(),
                    StandardCharsets.UTF_8));
                final String[] connected = line(out, "CONNECTED").split(" ");
                assertEquals("ok", connected[4]);
                assertEquals(IbvWcStatus.SUCCESS, p.write(Long.parseLong(connected[2]),
                    Integer.parseInt(connected[3]), (byte)0x42));
                waitFor(() -> server.state() == CmState.ESTABLISHED, 5, "established");

                tenant.destroyForcibly(); // kill -9
                final long killed = System.nanoTime();
                assertTrue(tenant.waitFor(10, TimeUnit.SECONDS));
                waitFor(() -> server.state() == CmState.DISCONNECTED, 5,
                    "the peer's connection sees the DREQ of the dead tenant's engine");
                System.out.println("peer saw DISCONNECTED " + TimeUnit.NANOSECONDS.toMillis(System.nanoTime() -
                    killed) + " ms after kill -9");
                assertEquals(IbvQpState.ERR, p.qp.query(new IbvQpAttr()).qpState);
                final Vnic a = d.vnics().find("a");
                assertEquals(0, a.info().usedQps(), "reclaimed");
            }
            finally
            {
                tenant.destroyForcibly();
            }
        }
    }

    private interface Condition
    {
        boolean holds() throws Exception;
    }

    private static void waitFor(final Condition c, final int seconds, final String what) throws Exception
    {
        final long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        while (!c.holds())
        {
            assertTrue(System.nanoTime() < until, what + " within " + seconds + " s");
            Thread.sleep(2);
        }
    }

    private static Process spawn(final Class<?> main, final String... args) throws Exception
    {
        final String javaBin = ProcessHandle.current().info().command().orElse(
            Path.of(System.getProperty("java.home"), "bin", "java").toString());
        final List<String> cmd = new ArrayList<>(List.of(javaBin, "--enable-native-access=ALL-UNNAMED", "-Xmx128m",
            "-XX:TieredStopAtLevel=1", "-cp", System.getProperty("java.class.path"), main.getName()));
        cmd.addAll(List.of(args));
        return new ProcessBuilder(cmd).redirectErrorStream(true).start();
    }

    private static String line(final BufferedReader out, final String prefix) throws Exception
    {
        final String line = CompletableFuture.supplyAsync(() ->
        {
            try
            {
                String l;
                while ((l = out.readLine()) != null && l.startsWith("WARNING"))
                {
                    // JVM warnings on the merged stream
                }
                return l == null ? "(process exited)" : l;
            }
            catch (final java.io.IOException ex)
            {
                return ex.toString();
            }
        }).get(30, TimeUnit.SECONDS);
        assertTrue(line.startsWith(prefix), "expected " + prefix + ", process said: " + line);
        return line;
    }
}
