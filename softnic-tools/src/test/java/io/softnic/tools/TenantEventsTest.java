package io.softnic.tools;

import io.softnic.engine.EngineContext;
import io.softnic.engine.SoftnicEngine;
import io.softnic.hostif.VnicMessages;
import io.softnic.tenant.Softnic;
import io.softnic.verbs.CqModeration;
import io.softnic.verbs.IbvAccess;
import io.softnic.verbs.IbvCompChannel;
import io.softnic.verbs.IbvContext;
import io.softnic.verbs.IbvCq;
import io.softnic.verbs.IbvMr;
import io.softnic.verbs.IbvPd;
import io.softnic.verbs.IbvQp;
import io.softnic.verbs.IbvQpInitAttr;
import io.softnic.verbs.IbvRecvWr;
import io.softnic.verbs.IbvSendFlags;
import io.softnic.verbs.IbvSendWr;
import io.softnic.verbs.IbvWc;
import io.softnic.verbs.IbvWcStatus;
import io.softnic.verbs.IbvWrOpcode;
import io.softnic.verbs.RecvCqPolicy;
import io.softnic.verbs.VerbsException;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 3 item 3 (arm CQ as a data operation) with issue 4's events for attached tenants: the vNIC's EQs are files
 * both sides map, the tenant arms in its CQ ring, the engine posts the EQE and wakes the sleeping handler through the
 * futex word; moderation is set over the command channel. Also issue 3 item 2: a vNIC created at attach when the
 * engine's policy allows, refused when it does not.
 */
class TenantEventsTest
{
    /** The peer side of one connection, embedded in its own engine. */
    private static final class Peer
    {
        final IbvCq cq;
        final IbvMr mr;
        final IbvQp qp;

        Peer(final IbvContext ctx)
        {
            final IbvPd pd = ctx.allocPd();
            cq = ctx.createCq(256, 0);
            final MemorySegment buf = ctx.allocateBuffer(64 * 1024);
            mr = pd.regMr(buf, IbvAccess.LOCAL_WRITE | IbvAccess.ALL_REMOTE);
            final IbvQpInitAttr init = new IbvQpInitAttr();
            init.sendCq = cq;
            init.recvCq = cq;
            qp = pd.createQp(init);
        }

        void send(final int flags) throws InterruptedException
        {
            final IbvSendWr wr = new IbvSendWr();
            wr.opcode = IbvWrOpcode.SEND;
            wr.sendFlags = IbvSendFlags.SIGNALED | flags;
            wr.sge(mr.addr(), 64, mr.lkey());
            qp.postSend(wr);
            final IbvWc[] wc = {new IbvWc()};
            final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (cq.poll(wc) == 0)
            {
                assertTrue(System.nanoTime() < deadline, "peer's SEND did not complete");
                Thread.sleep(1);
            }
            assertEquals(IbvWcStatus.SUCCESS, wc[0].status, wc[0]::toString);
        }
    }

    /** The attached tenant's side: a CQ on vector 0 with a completion channel, a QP, receives to post. */
    private static final class Tenant
    {
        final IbvCompChannel channel;
        final IbvCq cq;
        final IbvMr mr;
        final IbvQp qp;

        Tenant(final IbvContext ctx)
        {
            channel = ctx.createCompChannel();
            ctx.eventDispatcher().spinNanos(0); // sleep at once: every event must come through the futex
            final IbvPd pd = ctx.allocPd();
            cq = ctx.createCq(256, 0, channel);
            final MemorySegment buf = ctx.allocateBuffer(256 * 1024);
            mr = pd.regMr(buf, IbvAccess.LOCAL_WRITE | IbvAccess.ALL_REMOTE);
            final IbvQpInitAttr init = new IbvQpInitAttr();
            init.sendCq = cq;
            init.recvCq = cq;
            init.cap.maxRecvWr = 64;
            qp = pd.createQp(init);
        }

        void postRecvs(final int n)
        {
            for (int i = 0; i < n; i++)
            {
                final IbvRecvWr recv = new IbvRecvWr();
                recv.wrId = 1000 + i;
                recv.sge(mr.addr() + 4096L * i, 4096, mr.lkey());
                qp.postRecv(recv);
            }
        }

        void awaitCompletions(final long n) throws InterruptedException
        {
            final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (cq.completions() < n)
            {
                assertTrue(System.nanoTime() < deadline, "completions " + cq.completions() + " of " + n);
                Thread.sleep(1);
            }
        }

        int drain()
        {
            final IbvWc[] wc = new IbvWc[16];
            for (int i = 0; i < wc.length; i++)
            {
                wc[i] = new IbvWc();
            }
            int total = 0;
            for (int n = cq.poll(wc); n > 0; n = cq.poll(wc))
            {
                for (int i = 0; i < n; i++)
                {
                    assertEquals(IbvWcStatus.SUCCESS, wc[i].status, wc[i]::toString);
                }
                total += n;
            }
            return total;
        }
    }

    private static void connect(final Tenant t, final Peer p, final String engineAddr, final String peerAddr)
    {
        TenantKit.connect(t.qp, TenantKit.ipv4(peerAddr), p.qp.qpNum(), 0x100, 0x200);
        TenantKit.connect(p.qp, TenantKit.ipv4(engineAddr), t.qp.qpNum(), 0x200, 0x100);
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void attachedTenantSleepsInGetCqEventAndIsWokenBySolicitedOnlyAsArmed(@TempDir final Path tmp) throws Exception
    {
        final String engineAddr = "127.0.0.110";
        final String peerAddr = "127.0.0.111";
        final Path dir = tmp.resolve("engine");
        try (EngineDaemon daemon = EngineDaemon.start(new EngineConfig().set("dir", dir.toString())
                .set("port", engineAddr).set("comp-vectors", "2"));
            SoftnicEngine peerEngine = SoftnicEngine.launch(new EngineContext().name("ev-peer").port(peerAddr));
            IbvContext peer = peerEngine.open())
        {
            daemon.vnics().create("ev", new VnicMessages.Quota(4, 4, 4, 8 << 20, 2));
            try (IbvContext other = daemon.engine().open();
                IbvContext ctx = Softnic.attach(dir, "ev"))
            {
                for (int i = 0; i < 8; i++)
                {
                    other.createCq(16, 0); // CQNs past the tenant's CQ quota: its dispatcher must take them
                }
                assertEquals(2, ctx.numCompVectors(), "the vNIC's --eqs");
                assertTrue(Files.exists(dir.resolve("vnic-ev").resolve("eq-0")), "EQ ring files");
                assertTrue(Files.exists(dir.resolve("vnic-ev").resolve("eq-1")));
                final Tenant t = new Tenant(ctx);
                assertTrue(t.cq.cqn() > ctx.queryDevice().maxCq(), "CQN " + t.cq.cqn());
                final Peer p = new Peer(peer);
                connect(t, p, engineAddr, peerAddr);
                t.postRecvs(8);
                final long controlOps = daemon.vnics().find("ev").controlOps();

                // armed for any completion: getCqEvent sleeps (the handler on the futex) until the peer's SEND lands
                assertTrue(!t.cq.reqNotify(false), "nothing waiting yet");
                final CompletableFuture<IbvCq> waiter = CompletableFuture.supplyAsync(() ->
                    t.channel.getCqEvent(10, TimeUnit.SECONDS));
                Thread.sleep(200);
                assertTrue(!waiter.isDone(), "no event before a completion");
                assertTrue(ctx.eventDispatcher().sleeps(0) >= 1 || ctx.eventDispatcher().handlerThread(0)
                    .getState() != Thread.State.RUNNABLE, "the handler sleeps");
                final long sent = System.nanoTime();
                p.send(0);
                final IbvCq fired = waiter.get(5, TimeUnit.SECONDS);
                final long wokenMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - sent);
                assertSame(t.cq, fired);
                assertTrue(wokenMillis < 2_000, "woken in " + wokenMillis + " ms");
                t.channel.ackCqEvents(t.cq, 1);
                assertEquals(1, t.drain());
                assertTrue(ctx.eventDispatcher().interrupts(0) >= 1, "the engine woke the sleeping handler");
                assertEquals(1, t.cq.events());

                // solicited only: an unsolicited SEND completes but fires nothing; a solicited one does
                assertTrue(!t.cq.reqNotify(true));
                p.send(0);
                t.awaitCompletions(2);
                assertNull(t.channel.getCqEvent(300, TimeUnit.MILLISECONDS), "unsolicited completion fired");
                assertTrue(t.cq.armed(), "still armed for a solicited completion");
                assertEquals(1, t.drain());
                p.send(IbvSendFlags.SOLICITED);
                assertSame(t.cq, t.channel.getCqEvent(5, TimeUnit.SECONDS), "solicited completion fires");
                t.channel.ackCqEvents(t.cq, 1);
                assertEquals(1, t.drain());
                assertEquals(2, t.cq.events());
                assertEquals(controlOps, daemon.vnics().find("ev").controlOps(),
                    "arming and events cost the master nothing");

                // moderation over the channel: count threshold 4 (time threshold 1 s, far off)
                t.cq.modifyModeration(CqModeration.fixed(1_000_000, 4));
                assertEquals(controlOps + 1, daemon.vnics().find("ev").controlOps(), "moderation is a control op");
                assertTrue(!t.cq.reqNotify(false));
                for (int i = 0; i < 3; i++)
                {
                    p.send(0);
                }
                t.awaitCompletions(6);
                assertNull(t.channel.getCqEvent(200, TimeUnit.MILLISECONDS), "3 of 4 frames fired an event");
                p.send(0);
                assertSame(t.cq, t.channel.getCqEvent(5, TimeUnit.SECONDS), "the 4th frame fires");
                t.channel.ackCqEvents(t.cq, 1);
                assertEquals(4, t.drain());
                assertEquals(4, t.cq.moderationFrames(), "the engine applied the CQ's moderation");
                assertEquals(3, t.cq.events());
                t.cq.modifyModeration(null);
                ctx.modifyEqModeration(1, CqModeration.fixed(50, 8));
                assertThrows(VerbsException.class, () -> ctx.modifyEqModeration(2, CqModeration.NONE),
                    "vector beyond the vNIC's EQs");
                assertThrows(VerbsException.class, () -> ctx.createCq(16, 2), "CQ on a vector the vNIC lacks");

                // a dispatcher handler on the other vector: register, fire, re-armed by the dispatcher
                final IbvCq cq1 = ctx.createCq(16, 1);
                final int[] handled = {0};
                ctx.eventDispatcher().register(cq1, false, c ->
                {
                    synchronized (handled)
                    {
                        handled[0]++;
                        handled.notifyAll();
                    }
                });
                assertTrue(cq1.armed());
                cq1.close();
            }
            assertTrue(!Files.exists(dir.resolve("vnic-ev")), "detach removes the EQ files with the rest");
        }
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void attachedTenantSpreadsOneConnectionsCompletionsOverACqPerVector(@TempDir final Path tmp) throws Exception
    {
        final String engineAddr = "127.0.0.115";
        final String peerAddr = "127.0.0.116";
        final Path dir = tmp.resolve("engine");
        try (EngineDaemon daemon = EngineDaemon.start(new EngineConfig().set("dir", dir.toString())
                .set("port", engineAddr).set("comp-vectors", "2"));
            SoftnicEngine peerEngine = SoftnicEngine.launch(new EngineContext().name("set-peer").port(peerAddr));
            IbvContext peer = peerEngine.open())
        {
            daemon.vnics().create("set", new VnicMessages.Quota(4, 8, 4, 8 << 20, 2));
            daemon.vnics().create("other", new VnicMessages.Quota(4, 8, 4, 8 << 20, 2));
            try (IbvContext ctx = Softnic.attach(dir, "set");
                IbvContext otherCtx = Softnic.attach(dir, "other"))
            {
                final IbvPd pd = ctx.allocPd();
                final IbvCq cq0 = ctx.createCq(256, 0);
                final IbvCq cq1 = ctx.createCq(256, 1);
                final MemorySegment buf = ctx.allocateBuffer(64 * 1024);
                final IbvMr mr = pd.regMr(buf, IbvAccess.LOCAL_WRITE | IbvAccess.ALL_REMOTE);
                final IbvQpInitAttr init = new IbvQpInitAttr();
                init.sendCq = cq0;
                init.recvCq = cq0;
                init.cap.maxRecvWr = 64;

                // refused: a set that misses a vector, two CQs on one vector, another vNIC's CQ
                init.cqSet = new IbvCq[] {cq0};
                final VerbsException missing = assertThrows(VerbsException.class, () -> pd.createQp(init));
                assertTrue(missing.getMessage().contains("one CQ per vector"), missing.getMessage());
                init.cqSet = new IbvCq[] {cq0, ctx.createCq(16, 0)};
                assertThrows(VerbsException.class, () -> pd.createQp(init), "two CQs on vector 0");
                init.cqSet = new IbvCq[] {cq0, otherCtx.createCq(16, 1)};
                assertThrows(VerbsException.class, () -> pd.createQp(init), "another vNIC's CQ");
                final long qpsBefore = daemon.vnics().find("set").info().usedQps();
                assertEquals(0, qpsBefore, "refused requests created nothing");

                init.cqSet = new IbvCq[] {cq0, cq1};
                init.recvCqPolicy = RecvCqPolicy.ROUND_ROBIN;
                final IbvQp qp = pd.createQp(init);
                final Peer p = new Peer(peer);
                TenantKit.connect(qp, TenantKit.ipv4(peerAddr), p.qp.qpNum(), 0x100, 0x200);
                TenantKit.connect(p.qp, TenantKit.ipv4(engineAddr), qp.qpNum(), 0x200, 0x100);

                // sends name their vector: each completes on that vector's CQ, in posting order
                final IbvSendWr wr = new IbvSendWr();
                wr.opcode = IbvWrOpcode.RDMA_WRITE;
                wr.sendFlags = IbvSendFlags.SIGNALED;
                wr.remoteAddr = p.mr.addr();
                wr.rkey = p.mr.rkey();
                wr.sge(mr.addr(), 64, mr.lkey());
                for (int i = 0; i < 8; i++)
                {
                    wr.wrId = i;
                    wr.compVector = i % 3 == 0 ? 1 : 0;
                    qp.postSend(wr);
                }
                assertEquals(java.util.List.of(0L, 3L, 6L), wrIds(cq1, 3));
                assertEquals(java.util.List.of(1L, 2L, 4L, 5L, 7L), wrIds(cq0, 5));

                // receives go round robin over the set
                for (int i = 0; i < 4; i++)
                {
                    final IbvRecvWr recv = new IbvRecvWr();
                    recv.wrId = 100 + i;
                    recv.sge(mr.addr() + 4096L * (i + 1), 4096, mr.lkey());
                    qp.postRecv(recv);
                }
                for (int i = 0; i < 4; i++)
                {
                    p.send(0);
                }
                assertEquals(java.util.List.of(100L, 102L), wrIds(cq0, 2));
                assertEquals(java.util.List.of(101L, 103L), wrIds(cq1, 2));
                assertEquals(1, daemon.vnics().find("set").info().usedQps());
            }
        }
    }

    /** Polls {@code n} successful completions off {@code cq} and returns their work request ids in order. */
    private static java.util.List<Long> wrIds(final IbvCq cq, final int n) throws InterruptedException
    {
        final java.util.List<Long> ids = new java.util.ArrayList<>();
        final IbvWc[] wc = {new IbvWc()};
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (ids.size() < n)
        {
            if (cq.poll(wc) == 0)
            {
                assertTrue(System.nanoTime() < deadline, "CQ " + cq.cqn() + " has " + ids + " of " + n);
                Thread.sleep(1);
                continue;
            }
            assertEquals(IbvWcStatus.SUCCESS, wc[0].status, wc[0]::toString);
            ids.add(wc[0].wrId);
        }
        Thread.sleep(50);
        assertEquals(0, cq.poll(wc), "nothing more on CQ " + cq.cqn());
        return ids;
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void attachCreatesTheVnicWhenThePolicyAllowsAndRefusesOtherwise(@TempDir final Path tmp)
    {
        final Path dir = tmp.resolve("engine");
        try (EngineDaemon daemon = EngineDaemon.start(new EngineConfig().set("dir", dir.toString())
            .set("port", "127.0.0.112").set("comp-vectors", "2").set("max-qps", "64")))
        {
            final VerbsException refused = assertThrows(VerbsException.class,
                () -> Softnic.attach(dir, "auto", Softnic.DEFAULT_QUOTA));
            assertTrue(refused.getMessage().contains("--allow-attach-create"), refused.getMessage());
            assertNull(daemon.vnics().find("auto"), "nothing created");
            assertThrows(VerbsException.class, () -> Softnic.attach(dir, "auto"), "plain attach to a missing vNIC");

            assertTrue(new EngineConfig().set("allow-attach-create", "true").allowAttachCreate);
            assertTrue(!new EngineConfig().allowAttachCreate, "refused by default");
            assertThrows(IllegalArgumentException.class, () -> new EngineConfig().set("allow-attach-create", "maybe"));
            daemon.server().tenants().allowAttachCreate(true, new VnicMessages.Quota(8, 8, 8, 8 << 20, 1));
            try (IbvContext ctx = Softnic.attach(dir, "auto", new VnicMessages.Quota(4, 0, 0, 0, 2)))
            {
                final VnicMessages.Quota q = daemon.vnics().find("auto").quota();
                assertEquals(new VnicMessages.Quota(4, 8, 8, 8 << 20, 2), q, "asked quotas, defaults for 0");
                assertEquals(2, ctx.numCompVectors());
                assertEquals(4, ctx.queryDevice().maxQp());
                ctx.allocPd();
            }
            assertNotNull(daemon.vnics().find("auto"), "the vNIC stays after detach");
            try (IbvContext again = Softnic.attach(dir, "auto", new VnicMessages.Quota(1, 1, 1, 1, 1)))
            {
                assertEquals(4, again.queryDevice().maxQp(), "an existing vNIC keeps its quotas");
            }
            final VerbsException tooBig = assertThrows(VerbsException.class,
                () -> Softnic.attach(dir, "huge", new VnicMessages.Quota(1000, 0, 0, 0, 0)));
            assertTrue(tooBig.getMessage().contains("max QPs") || tooBig.getMessage().contains("QPs"),
                tooBig.getMessage());
            assertNull(daemon.vnics().find("huge"));
        }
    }

    @Test
    @Tag("slow")
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void tenantProcessSleepsOnItsEqFutexUntilAnEmbeddedPeersSend(@TempDir final Path tmp) throws Exception
    {
        final String engineAddr = "127.0.0.113";
        final String peerAddr = "127.0.0.114";
        final Path dir = tmp.resolve("engine");
        try (EngineDaemon daemon = EngineDaemon.start(new EngineConfig().set("dir", dir.toString())
                .set("port", engineAddr).set("comp-vectors", "1"));
            SoftnicEngine peerEngine = SoftnicEngine.launch(new EngineContext().name("ev-peer2").port(peerAddr));
            IbvContext peer = peerEngine.open())
        {
            daemon.vnics().create("evp", new VnicMessages.Quota(4, 4, 4, 8 << 20, 1));
            final String java = ProcessHandle.current().info().command().orElse(
                Path.of(System.getProperty("java.home"), "bin", "java").toString());
            final Process tenant = new ProcessBuilder(java, "--enable-native-access=ALL-UNNAMED", "-Xmx128m",
                "-XX:TieredStopAtLevel=1", "-cp", System.getProperty("java.class.path"),
                TenantEventsMain.class.getName(), dir.toString(), "evp")
                .redirectError(ProcessBuilder.Redirect.INHERIT).start();
            try
            {
                final BufferedReader out = new BufferedReader(new InputStreamReader(tenant.getInputStream(),
                    StandardCharsets.UTF_8));
                final PrintStream in = new PrintStream(tenant.getOutputStream(), true, StandardCharsets.UTF_8);
                final int tenantQpn = Integer.parseInt(line(out, "READY").split(" ")[1]);
                final Peer p = new Peer(peer);
                TenantKit.connect(p.qp, TenantKit.ipv4(engineAddr), tenantQpn, 0x200, 0x100);
                in.println("PEER " + TenantKit.ipv4(peerAddr) + " " + p.qp.qpNum());
                line(out, "ARMED");
                Thread.sleep(300); // the tenant's handler is asleep on the futex in eq-0 by now
                p.send(0);
                final String[] event = line(out, "EVENT").split(" ");
                assertEquals("1", event[2], "one completion");
                assertEquals("77", event[3], "the posted receive");
                assertEquals("SUCCESS", event[4]);
                assertTrue(Long.parseLong(event[8]) >= 1, "the engine woke it through the futex: " +
                    String.join(" ", event));
                in.println("BYE");
                line(out, "CLOSED");
                assertTrue(tenant.waitFor(20, TimeUnit.SECONDS));
                assertEquals(0, tenant.exitValue());
            }
            finally
            {
                tenant.destroyForcibly();
            }
        }
    }

    private static String line(final BufferedReader out, final String prefix) throws Exception
    {
        final String line = CompletableFuture.supplyAsync(() ->
        {
            try
            {
                final String l = out.readLine();
                return l == null ? "(tenant exited)" : l;
            }
            catch (final java.io.IOException ex)
            {
                return ex.toString();
            }
        }).get(30, TimeUnit.SECONDS);
        assertTrue(line.startsWith(prefix), "expected " + prefix + ", tenant said: " + line);
        return line;
    }
}
