package io.softnic.tools;

import io.softnic.engine.EngineContext;
import io.softnic.engine.SoftnicEngine;
import io.softnic.engine.vnic.Vnic;
import io.softnic.hostif.DoorbellRing;
import io.softnic.hostif.HostRing;
import io.softnic.hostif.VnicMessages;
import io.softnic.tenant.Softnic;
import io.softnic.verbs.IbvAccess;
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
import io.softnic.verbs.VerbsException;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 3, items 3-5: a tenant in its own JVM attaches to a vNIC of an engine daemon and runs plain verbs code; its
 * RDMA WRITE and SEND reach an embedded peer engine, and the peer's land straight in the tenant's shared memory. The
 * data path costs the master nothing (control_ops stays still while data_ops moves). A second vNIC's tenant cannot
 * use the first one's lkey, rkey or QPN.
 */
@Tag("slow")
class TenantAttachTest
{
    private static final String ENGINE_ADDR = "127.0.0.70";
    private static final String PEER_ADDR = "127.0.0.71";

    /** The embedded peer's side of one connection. */
    private static final class PeerEnd
    {
        final IbvPd pd;
        final IbvCq cq;
        final MemorySegment buf;
        final IbvMr mr;
        final IbvQp qp;

        PeerEnd(final IbvContext ctx)
        {
            pd = ctx.allocPd();
            cq = ctx.createCq(256, 0);
            buf = ctx.allocateBuffer(1 << 20);
            mr = pd.regMr(buf, IbvAccess.LOCAL_WRITE | IbvAccess.ALL_REMOTE);
            final IbvQpInitAttr init = new IbvQpInitAttr();
            init.sendCq = cq;
            init.recvCq = cq;
            qp = pd.createQp(init);
        }
    }

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void tenantProcessWritesAndSendsZeroCopyAndIsIsolated(@TempDir final Path tmp) throws Exception
    {
        final Path dir = tmp.resolve("engine");
        final EngineConfig cfg = new EngineConfig().set("dir", dir.toString()).set("port", ENGINE_ADDR)
            .set("comp-vectors", "1");
        try (EngineDaemon daemon = EngineDaemon.start(cfg);
            SoftnicEngine peerEngine = SoftnicEngine.launch(new EngineContext().name("tenant-peer").port(PEER_ADDR));
            IbvContext peer = peerEngine.open())
        {
            final Vnic a = daemon.vnics().create("a", new VnicMessages.Quota(4, 4, 4, 8 << 20, 1));
            daemon.vnics().create("b", new VnicMessages.Quota(4, 4, 4, 8 << 20, 1));
            final Process tenant = spawnTenant(dir, "a");
            try
            {
                final BufferedReader out = new BufferedReader(new InputStreamReader(tenant.getInputStream(),
                    StandardCharsets.UTF_8));
                final PrintStream in = new PrintStream(tenant.getOutputStream(), true, StandardCharsets.UTF_8);
                final String[] ready = line(out, "READY").split(" ");
                final int tenantQpn = Integer.parseInt(ready[1]);
                final long tenantAddr = Long.parseLong(ready[2]);
                final int tenantRkey = Integer.parseInt(ready[3]);
                final int tenantLkey = Integer.parseInt(ready[4]);
                assertTrue(Files.exists(dir.resolve("vnic-a").resolve("doorbell")), "the vNIC's own doorbell ring");
                assertEquals(1, a.info().usedQps());
                assertEquals(1, a.info().usedMrs());

                final PeerEnd p = new PeerEnd(peer);
                final IbvRecvWr recv = new IbvRecvWr();
                recv.wrId = 9;
                recv.sge(p.mr.addr() + 512 * 1024, 64 * 1024, p.mr.lkey());
                TenantKit.connect(p.qp, TenantKit.ipv4(ENGINE_ADDR), tenantQpn, 0x200, 0x100);
                p.qp.postRecv(recv);
                in.println("PEER " + TenantKit.ipv4(PEER_ADDR) + " " + p.qp.qpNum() + " " + p.mr.addr() + " " +
                    p.mr.rkey());
                line(out, "CONNECTED");
                final long controlOps = a.controlOps();
                final long dataOps = a.dataOps();
                assertTrue(controlOps >= 7, "attach, PD, CQ, MR, QP and modify_qp went to the master: " + controlOps);

                // tenant -> peer: RDMA WRITE read straight from the tenant's file, SEND into the peer's receive
                in.println("GO");
                line(out, "SENT");
                assertEquals(-1, TenantMain.check(p.buf, 0, TenantMain.WRITE_LEN, 1), "RDMA WRITE data");
                final IbvWc[] wc = {new IbvWc()};
                poll(p.cq, wc);
                assertEquals(IbvWcStatus.SUCCESS, wc[0].status);
                assertEquals(TenantMain.SEND_LEN, wc[0].byteLen);
                assertEquals(-1, TenantMain.check(p.buf, 512 * 1024, TenantMain.SEND_LEN, 2), "SEND data");

                // peer -> tenant: the WRITE lands in the tenant's memory, the SEND in its posted receive
                TenantMain.fill(p.buf, 128 * 1024, TenantMain.INCOMING_WRITE_LEN, 3);
                TenantMain.fill(p.buf, 192 * 1024, TenantMain.INCOMING_SEND_LEN, 4);
                final IbvSendWr wr = new IbvSendWr();
                wr.opcode = IbvWrOpcode.RDMA_WRITE;
                wr.sendFlags = IbvSendFlags.SIGNALED;
                wr.remoteAddr = tenantAddr + TenantMain.INCOMING_WRITE_OFFSET;
                wr.rkey = tenantRkey;
                wr.sge(p.mr.addr() + 128 * 1024, TenantMain.INCOMING_WRITE_LEN, p.mr.lkey());
                p.qp.postSend(wr);
                final IbvSendWr send = new IbvSendWr();
                send.opcode = IbvWrOpcode.SEND;
                send.sendFlags = IbvSendFlags.SIGNALED;
                send.sge(p.mr.addr() + 192 * 1024, TenantMain.INCOMING_SEND_LEN, p.mr.lkey());
                p.qp.postSend(send);
                for (int i = 0; i < 2; i++)
                {
                    poll(p.cq, wc);
                    assertEquals(IbvWcStatus.SUCCESS, wc[0].status, wc[0]::toString);
                }
                assertEquals("RECEIVED ok", line(out, "RECEIVED"));
                assertEquals(controlOps, a.controlOps(), "the data path sent nothing to the master");
                assertTrue(a.dataOps() > dataOps, "the tenant's doorbells counted as its data operations");

                isolation(dir, daemon, peer, tenantQpn, tenantAddr, tenantLkey, tenantRkey);

                in.println("BYE");
                line(out, "CLOSED");
                assertTrue(tenant.waitFor(20, TimeUnit.SECONDS));
                assertEquals(0, tenant.exitValue());
                assertFalse(Files.exists(dir.resolve("vnic-a")), "detach removes the vNIC's files");
                assertEquals(0, a.info().usedQps());
            }
            finally
            {
                tenant.destroyForcibly();
            }
        }
    }

    /** Tenant of vNIC b (attached from this JVM) against vNIC a's keys and QPN. */
    private static void isolation(final Path dir, final EngineDaemon daemon, final IbvContext peer, final int aQpn,
        final long aAddr, final int aLkey, final int aRkey) throws Exception
    {
        final Path aMemory;
        try (var files = Files.list(dir.resolve("vnic-a")))
        {
            aMemory = files.filter(f -> f.getFileName().toString().startsWith("mem-")).findFirst().orElseThrow();
        }
        try (IbvContext b = Softnic.attach(dir, "b");
            Arena arena = Arena.ofShared();
            FileChannel aFile = FileChannel.open(aMemory, StandardOpenOption.READ))
        {
            final MemorySegment aView = aFile.map(FileChannel.MapMode.READ_ONLY, 0, 1 << 20, arena);
            assertThrows(VerbsException.class, () -> Softnic.attach(dir, "b"), "one tenant per vNIC");
            final IbvPd pd = b.allocPd();
            final IbvCq cq = b.createCq(64, 0);
            final MemorySegment buf = b.allocateBuffer(64 * 1024);
            final IbvMr mr = pd.regMr(buf, IbvAccess.LOCAL_WRITE | IbvAccess.ALL_REMOTE);
            assertThrows(VerbsException.class, () -> pd.regMr(MemorySegment.ofAddress(aAddr).reinterpret(4096),
                IbvAccess.LOCAL_WRITE), "memory that is not the tenant's own file is refused");
            final IbvQpInitAttr init = new IbvQpInitAttr();
            init.sendCq = cq;
            init.recvCq = cq;
            final IbvQp lkeyQp = pd.createQp(init);
            final IbvQp rkeyQp = pd.createQp(init);
            final PeerEnd p1 = new PeerEnd(peer);
            final PeerEnd p2 = new PeerEnd(peer);
            TenantKit.connect(lkeyQp, TenantKit.ipv4(PEER_ADDR), p1.qp.qpNum(), 1, 2);
            TenantKit.connect(p1.qp, TenantKit.ipv4(ENGINE_ADDR), lkeyQp.qpNum(), 2, 1);
            TenantKit.connect(rkeyQp, TenantKit.ipv4(PEER_ADDR), p2.qp.qpNum(), 3, 4);
            TenantKit.connect(p2.qp, TenantKit.ipv4(ENGINE_ADDR), rkeyQp.qpNum(), 4, 3);
            final byte before = aView.get(ValueLayout.JAVA_BYTE, 0);

            // b's WRITE gathering from a's memory with a's lkey: a local protection error, nothing sent
            final IbvSendWr wr = new IbvSendWr();
            wr.opcode = IbvWrOpcode.RDMA_WRITE;
            wr.sendFlags = IbvSendFlags.SIGNALED;
            wr.remoteAddr = p1.mr.addr();
            wr.rkey = p1.mr.rkey();
            wr.sge(aAddr, 4096, aLkey);
            lkeyQp.postSend(wr);
            final IbvWc[] wc = {new IbvWc()};
            poll(cq, wc);
            assertEquals(IbvWcStatus.LOC_PROT_ERR, wc[0].status, wc[0]::toString);

            // a's rkey through b's QP: the engine answers remote access error; a's memory is untouched
            final IbvSendWr attack = new IbvSendWr();
            attack.opcode = IbvWrOpcode.RDMA_WRITE;
            attack.sendFlags = IbvSendFlags.SIGNALED;
            attack.remoteAddr = aAddr;
            attack.rkey = aRkey;
            attack.sge(p2.mr.addr(), 4096, p2.mr.lkey());
            p2.qp.postSend(attack);
            poll(p2.cq, wc);
            assertEquals(IbvWcStatus.REM_ACCESS_ERR, wc[0].status, wc[0]::toString);
            assertEquals(-1, TenantMain.check(aView, 0, TenantMain.WRITE_LEN, 1), "a's memory unchanged");
            assertEquals(before, aView.get(ValueLayout.JAVA_BYTE, 0));

            // a's QPN rung on b's doorbell ring (a tenant writing its ring by hand): counted and ignored
            final long rejected = rejected(daemon);
            final Path bell = dir.resolve("vnic-b").resolve("doorbell");
            try (FileChannel ch = FileChannel.open(bell, StandardOpenOption.READ, StandardOpenOption.WRITE))
            {
                final DoorbellRing ring = new DoorbellRing(ch.map(FileChannel.MapMode.READ_WRITE, 0, ch.size(), arena),
                    DoorbellRing.capacityOf(ch.size()));
                assertTrue(ring.ring(aQpn, 1));
                assertTrue(ring.ring(0xFFFFFF, 1));
            }
            final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (rejected(daemon) < rejected + 2 && System.nanoTime() < deadline)
            {
                Thread.sleep(1);
            }
            assertEquals(rejected + 2, rejected(daemon), "foreign and unknown QPNs are counted and ignored");

            // garbage in b's own send ring (a WQE of 0xEE bytes, published and rung by hand): only that QP breaks
            final IbvQp garbageQp = pd.createQp(init);
            final PeerEnd p3 = new PeerEnd(peer);
            TenantKit.connect(garbageQp, TenantKit.ipv4(PEER_ADDR), p3.qp.qpNum(), 5, 6);
            TenantKit.connect(p3.qp, TenantKit.ipv4(ENGINE_ADDR), garbageQp.qpNum(), 6, 5);
            final Path sendRing;
            try (var files = Files.list(dir.resolve("vnic-b")))
            {
                // rings are numbered in creation order: this QP's send ring is the last but one
                final int newest = files.map(f -> f.getFileName().toString()).filter(f -> f.startsWith("ring-"))
                    .mapToInt(f -> Integer.parseInt(f.substring(5))).max().orElseThrow();
                sendRing = dir.resolve("vnic-b").resolve("ring-" + (newest - 1));
            }
            try (FileChannel ch = FileChannel.open(sendRing, StandardOpenOption.READ, StandardOpenOption.WRITE);
                FileChannel bellCh = FileChannel.open(bell, StandardOpenOption.READ, StandardOpenOption.WRITE))
            {
                final MemorySegment ring = ch.map(FileChannel.MapMode.READ_WRITE, 0, ch.size(), arena);
                ring.asSlice(HostRing.HEADER_LENGTH, Math.min(256, ch.size() - HostRing.HEADER_LENGTH))
                    .fill((byte)0xEE);
                ring.set(ValueLayout.JAVA_LONG, HostRing.PRODUCER_OFFSET, 1L);
                assertTrue(new DoorbellRing(bellCh.map(FileChannel.MapMode.READ_WRITE, 0, bellCh.size(), arena),
                    DoorbellRing.capacityOf(bellCh.size())).ring(garbageQp.qpNum(), 1));
            }
            final long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            boolean broken = false;
            while (!broken && System.nanoTime() < until)
            {
                broken = cq.poll(wc, 1) == 1 && wc[0].status != IbvWcStatus.SUCCESS ||
                    garbageQp.query(new io.softnic.verbs.IbvQpAttr()).qpState == io.softnic.verbs.IbvQpState.ERR;
            }
            assertTrue(broken, "the garbage WQE fails its own QP (error completion or ERR)");
            assertTrue(b.allocPd().handle() > 0, "the master still serves b");
        }
    }

    private static long rejected(final EngineDaemon daemon)
    {
        return daemon.engine().counters().snapshot().getOrDefault("vnic_doorbells_rejected", -1L);
    }

    private static void poll(final IbvCq cq, final IbvWc[] wc)
    {
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (cq.poll(wc, 1) == 0)
        {
            assertTrue(System.nanoTime() < deadline, "no completion within 20 s");
            Thread.onSpinWait();
        }
    }

    private static Process spawnTenant(final Path dir, final String vnic) throws Exception
    {
        final String java = ProcessHandle.current().info().command().orElse(
            Path.of(System.getProperty("java.home"), "bin", "java").toString());
        return new ProcessBuilder(java, "--enable-native-access=ALL-UNNAMED", "-Xmx128m", "-XX:TieredStopAtLevel=1",
            "-cp", System.getProperty("java.class.path"), TenantMain.class.getName(), dir.toString(), vnic)
            .redirectError(ProcessBuilder.Redirect.INHERIT).start();
    }

    /** The tenant's next line, which must start with {@code prefix}. */
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
