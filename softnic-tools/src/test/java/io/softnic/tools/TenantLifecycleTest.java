package io.softnic.tools;

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
import java.io.PrintStream;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 3, item 6: the lifecycle of tenants in other processes. A tenant JVM killed with -9 mid-transfer: the master
 * reclaims its vNIC within the bound (QPs to ERR and destroyed, CQs, MRs, PDs freed, files deleted, counted), its
 * embedded peer's QP exhausts its retries, another vNIC's tenant carries on and the vNIC can be attached again. The
 * engine killed with -9 (or stopped) while a tenant polls and calls: the tenant's calls fail with a clear error within
 * the bound and never hang; an engine restarted on the same directory takes the tenant back.
 */
@Tag("slow")
class TenantLifecycleTest
{
    private static final String ENGINE_ADDR = "127.0.0.80";
    private static final String PEER_ADDR = "127.0.0.81";
    private static final String PROCESS_ADDR = "127.0.0.82";
    private static final String RESTART_ADDR = "127.0.0.83";
    private static final long TENANT_TIMEOUT_MS = 2000;
    private static final Duration ENGINE_TIMEOUT = Duration.ofSeconds(2);

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
            cq = ctx.createCq(256, 0);
            buf = ctx.allocateBuffer(1 << 20);
            mr = pd.regMr(buf, IbvAccess.LOCAL_WRITE | IbvAccess.ALL_REMOTE);
            final IbvQpInitAttr init = new IbvQpInitAttr();
            init.sendCq = cq;
            init.recvCq = cq;
            qp = pd.createQp(init);
        }

        /** One signaled RDMA WRITE of 4 KiB into {@code to}; returns its completion's status. */
        IbvWcStatus write(final End to, final int wrId)
        {
            return write(to.mr.addr(), to.mr.rkey(), wrId);
        }

        IbvWcStatus write(final long addr, final int rkey, final int wrId)
        {
            final IbvSendWr wr = new IbvSendWr();
            wr.wrId = wrId;
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
                if (cq.poll(wc, 1) == 1 && wc[0].wrId == wrId)
                {
                    return wc[0].status;
                }
            }
        }
    }

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void tenantKilledMidTransferIsReclaimedAndOthersCarryOn(@TempDir final Path tmp) throws Exception
    {
        final Path dir = tmp.resolve("engine");
        final EngineConfig cfg = new EngineConfig().set("dir", dir.toString()).set("port", ENGINE_ADDR)
            .set("comp-vectors", "1").set("tenant-timeout", Long.toString(TENANT_TIMEOUT_MS));
        try (EngineDaemon daemon = EngineDaemon.start(cfg);
            SoftnicEngine peerEngine = SoftnicEngine.launch(new EngineContext().name("lifecycle-peer")
                .port(PEER_ADDR));
            IbvContext peer = peerEngine.open())
        {
            final Vnic a = daemon.vnics().create("a", new VnicMessages.Quota(4, 4, 4, 8 << 20, 1));
            daemon.vnics().create("b", new VnicMessages.Quota(4, 4, 4, 8 << 20, 1));
            final Process tenant = spawn(TenantStreamMain.class, dir.toString(), "a");
            try (IbvContext b = Softnic.attach(dir, "b"))
            {
                // vNIC b: a tenant of the same engine (this JVM), connected to the peer and working
                final End bEnd = new End(b);
                final End bPeer = new End(peer);
                TenantKit.connect(bEnd.qp, TenantKit.ipv4(PEER_ADDR), bPeer.qp.qpNum(), 0x10, 0x20);
                TenantKit.connect(bPeer.qp, TenantKit.ipv4(ENGINE_ADDR), bEnd.qp.qpNum(), 0x20, 0x10);
                assertEquals(IbvWcStatus.SUCCESS, bEnd.write(bPeer, 1));

                // vNIC a: the spawned tenant streams RDMA WRITEs into the peer
                final BufferedReader out = new BufferedReader(new InputStreamReader(tenant.getInputStream(),
                    StandardCharsets.UTF_8));
                final PrintStream in = new PrintStream(tenant.getOutputStream(), true, StandardCharsets.UTF_8);
                final String[] ready = line(out, "READY").split(" ");
                final int tenantQpn = Integer.parseInt(ready[1]);
                final long tenantAddr = Long.parseLong(ready[2]);
                final int tenantRkey = Integer.parseInt(ready[3]);
                final End aPeer = new End(peer);
                TenantKit.connect(aPeer.qp, TenantKit.ipv4(ENGINE_ADDR), tenantQpn, 0x400, 0x300);
                in.println("PEER " + TenantKit.ipv4(PEER_ADDR) + " " + aPeer.qp.qpNum() + " " + aPeer.mr.addr() +
                    " " + aPeer.mr.rkey());
                line(out, "CONNECTED");
                line(out, "STREAMING");
                final Path aDir = dir.resolve("vnic-a");
                assertTrue(Files.exists(aDir.resolve("heartbeat")), "the tenant's heartbeat file");
                assertEquals(1, a.info().usedQps());
                assertEquals(0, reclaimed(daemon));

                // kill -9 mid-transfer
                tenant.destroyForcibly();
                final long killed = System.nanoTime();
                assertTrue(tenant.waitFor(10, TimeUnit.SECONDS));
                final long bound = killed + TimeUnit.MILLISECONDS.toNanos(TENANT_TIMEOUT_MS + 2000);
                while (reclaimed(daemon) == 0 || Files.exists(aDir))
                {
                    assertTrue(System.nanoTime() < bound, "the engine reclaims the dead tenant's vNIC in time");
                    Thread.sleep(5);
                }
                final long took = System.nanoTime() - killed;
                assertEquals(1, reclaimed(daemon), "vnic_tenants_reclaimed");
                final VnicMessages.Info info = a.info();
                assertEquals(0, info.usedQps(), "QPs freed");
                assertEquals(0, info.usedCqs(), "CQs freed");
                assertEquals(0, info.usedMrs(), "MRs freed");
                assertEquals(0, info.usedMrBytes(), "MR bytes freed");
                assertFalse(Files.exists(aDir), "its files are deleted");
                final CliRun list = CliRun.of("vnic", "list", "--engine", dir.toString());
                assertEquals(0, list.exitCode(), list::toString);
                System.out.println("reclaimed in " + TimeUnit.NANOSECONDS.toMillis(took) + " ms; vnic list:\n" +
                    list.out());

                // the peer: its tenant QP is gone, so its next WRITE is never acknowledged: retries exhausted
                final IbvWcStatus lost = aPeer.write(tenantAddr, tenantRkey, 99);
                assertEquals(IbvWcStatus.RETRY_EXC_ERR, lost, "the peer sees its retries exhausted");
                assertEquals(IbvQpState.ERR, aPeer.qp.query(new IbvQpAttr()).qpState);

                // the other vNIC's tenant carries on, and vNIC a can be attached again
                assertEquals(IbvWcStatus.SUCCESS, bEnd.write(bPeer, 2));
                try (IbvContext again = Softnic.attach(dir, "a"))
                {
                    final End aEnd = new End(again);
                    assertEquals(1, a.info().usedQps());
                    assertTrue(aEnd.qp.qpNum() > 0);
                }
                assertEquals(0, a.info().usedQps(), "a clean detach frees it too");
                assertEquals(1, reclaimed(daemon), "a clean detach is not a reclaim");
            }
            finally
            {
                tenant.destroyForcibly();
            }
        }
    }

    @Test
    @Timeout(value = 90, unit = TimeUnit.SECONDS)
    void idleTenantLivesAndStoppedTenantIsReclaimedByItsHeartbeat(@TempDir final Path tmp) throws Exception
    {
        final Path dir = tmp.resolve("engine");
        final EngineConfig cfg = new EngineConfig().set("dir", dir.toString()).set("port", "127.0.0.84")
            .set("comp-vectors", "1").set("tenant-timeout", Long.toString(TENANT_TIMEOUT_MS));
        try (EngineDaemon daemon = EngineDaemon.start(cfg))
        {
            final Vnic a = daemon.vnics().create("a", new VnicMessages.Quota(4, 4, 4, 8 << 20, 1));
            final Process tenant = spawn(TenantStreamMain.class, dir.toString(), "a");
            try
            {
                final BufferedReader out = new BufferedReader(new InputStreamReader(tenant.getInputStream(),
                    StandardCharsets.UTF_8));
                line(out, "READY"); // then it blocks on stdin: neither polling nor calling
                Thread.sleep(2 * TENANT_TIMEOUT_MS);
                assertEquals(0, reclaimed(daemon), "an idle tenant beats from its heartbeat thread");
                assertEquals(1, a.info().usedQps());

                // stopped (SIGSTOP): its pid lives, its heartbeat stands still
                assertEquals(0, new ProcessBuilder("kill", "-STOP", Long.toString(tenant.pid())).start().waitFor());
                final long stopped = System.nanoTime();
                final long bound = stopped + TimeUnit.MILLISECONDS.toNanos(TENANT_TIMEOUT_MS + 2000);
                while (reclaimed(daemon) == 0)
                {
                    assertTrue(System.nanoTime() < bound, "a tenant whose heartbeat stopped is reclaimed in time");
                    Thread.sleep(5);
                }
                final long took = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - stopped);
                assertTrue(took >= TENANT_TIMEOUT_MS - 150, "not before the tenant timeout: " + took + " ms");
                assertEquals(0, a.info().usedQps());
                assertFalse(Files.exists(dir.resolve("vnic-a")));
                assertTrue(tenant.isAlive(), "reclaimed while its process lives");
                System.out.println("stopped tenant reclaimed after " + took + " ms");
            }
            finally
            {
                tenant.destroyForcibly();
            }
        }
    }

    @Test
    @Timeout(value = 150, unit = TimeUnit.SECONDS)
    void engineKilledTenantCallsFailInTimeAndAttachAgainAfterRestart(@TempDir final Path tmp) throws Exception
    {
        final Path dir = tmp.resolve("engine");
        Process engine = startEngine(dir, PROCESS_ADDR);
        try
        {
            createVnic(dir, "t");
            final IbvContext ctx = Softnic.attach(dir, "t", ENGINE_TIMEOUT);
            final End end = new End(ctx);
            final AtomicReference<VerbsException> pollError = new AtomicReference<>();
            final AtomicReference<VerbsException> callError = new AtomicReference<>();
            final AtomicLong pollFailedAt = new AtomicLong();
            final AtomicLong callFailedAt = new AtomicLong();
            final AtomicLong calls = new AtomicLong();
            final Thread poller = Thread.ofPlatform().name("tenant-poller").start(() ->
            {
                final IbvWc[] wc = {new IbvWc()};
                try
                {
                    while (true)
                    {
                        end.cq.poll(wc, 1);
                        Thread.onSpinWait();
                    }
                }
                catch (final VerbsException ex)
                {
                    pollFailedAt.set(System.nanoTime());
                    pollError.set(ex);
                }
            });
            final Thread caller = Thread.ofPlatform().name("tenant-caller").start(() ->
            {
                final IbvQpAttr attr = new IbvQpAttr();
                try
                {
                    while (true)
                    {
                        end.qp.query(attr);
                        calls.incrementAndGet();
                        Thread.sleep(1);
                    }
                }
                catch (final VerbsException ex)
                {
                    callFailedAt.set(System.nanoTime());
                    callError.set(ex);
                }
                catch (final InterruptedException ex)
                {
                    Thread.currentThread().interrupt();
                }
            });
            final long start = System.nanoTime();
            while (calls.get() < 50)
            {
                assertTrue(System.nanoTime() - start < TimeUnit.SECONDS.toNanos(20), "control calls are served");
                Thread.sleep(5);
            }
            assertEquals(null, pollError.get(), "polls work while the engine lives");

            engine.destroyForcibly(); // kill -9
            final long killed = System.nanoTime();
            assertTrue(engine.waitFor(10, TimeUnit.SECONDS));
            poller.join(TimeUnit.SECONDS.toMillis(10));
            caller.join(TimeUnit.SECONDS.toMillis(10));
            assertFalse(poller.isAlive(), "polling ends with an error, it does not spin on");
            assertFalse(caller.isAlive(), "control calls end with an error, they do not hang");
            final long bound = TimeUnit.MILLISECONDS.toNanos(ENGINE_TIMEOUT.toMillis() + 1500);
            assertNotNull(pollError.get());
            assertNotNull(callError.get());
            assertTrue(pollFailedAt.get() - killed < bound, "poll fails within the bound: " +
                TimeUnit.NANOSECONDS.toMillis(pollFailedAt.get() - killed) + " ms");
            assertTrue(callFailedAt.get() - killed < bound, "calls fail within the bound: " +
                TimeUnit.NANOSECONDS.toMillis(callFailedAt.get() - killed) + " ms");
            assertTrue(pollError.get().getMessage().contains("the engine at " + dir), pollError.get()::getMessage);
            assertTrue(callError.get().getMessage().contains("the engine at " + dir), callError.get()::getMessage);
            System.out.println("after kill -9: poll failed in " +
                TimeUnit.NANOSECONDS.toMillis(pollFailedAt.get() - killed) + " ms, calls in " +
                TimeUnit.NANOSECONDS.toMillis(callFailedAt.get() - killed) + " ms: " + callError.get().getMessage());

            // later calls fail at once; a post writes only the tenant's rings; close does not hang
            assertTimeoutPreemptively(Duration.ofSeconds(5), () ->
            {
                assertThrows(VerbsException.class, ctx::allocPd);
                assertThrows(VerbsException.class, () -> end.cq.poll(new IbvWc[] {new IbvWc()}, 1));
                try
                {
                    end.write(end, 5);
                }
                catch (final VerbsException | AssertionError expected)
                {
                    // a QP never connected refuses the post, or the poll for it fails: either way no hang
                }
                ctx.close();
            });

            // a new engine on the same directory (the dead one's files are still there): the tenant attaches again
            engine = startEngine(dir, RESTART_ADDR);
            createVnic(dir, "t");
            try (IbvContext again = Softnic.attach(dir, "t", ENGINE_TIMEOUT))
            {
                final End fresh = new End(again);
                assertTrue(fresh.qp.qpNum() > 0);
                assertEquals(0, fresh.cq.poll(new IbvWc[] {new IbvWc()}, 1));

                // the engine stops answering (SIGSTOP): calls fail within the bound too
                assertEquals(0, new ProcessBuilder("kill", "-STOP", Long.toString(engine.pid())).start().waitFor());
                final long stopped = System.nanoTime();
                final VerbsException ex = assertTimeoutPreemptively(Duration.ofSeconds(10),
                    () -> assertThrows(VerbsException.class, () ->
                    {
                        while (true)
                        {
                            fresh.qp.query(new IbvQpAttr());
                        }
                    }));
                final long took = System.nanoTime() - stopped;
                assertTrue(took < bound, "a stopped engine is noticed within the bound: " +
                    TimeUnit.NANOSECONDS.toMillis(took) + " ms");
                assertTrue(ex.getMessage().contains("stopped answering"), ex::getMessage);
            }
        }
        finally
        {
            engine.destroyForcibly();
            engine.waitFor(10, TimeUnit.SECONDS);
        }
    }

    private static long reclaimed(final EngineDaemon daemon)
    {
        return daemon.engine().counters().snapshot().getOrDefault("vnic_tenants_reclaimed", -1L);
    }

    private static void createVnic(final Path dir, final String name)
    {
        final CliRun create = CliRun.of("vnic", "create", name, "--engine", dir.toString(), "--max-qps", "4",
            "--max-cqs", "4", "--max-mrs", "4", "--max-mr-bytes", "8M");
        assertEquals(0, create.exitCode(), create::toString);
    }

    private static Process startEngine(final Path dir, final String addr) throws Exception
    {
        final Process engine = spawnJava(SoftnicCli.class, "-Xmx256m", "engine", "--dir", dir.toString(), "--port",
            addr, "--idle", "park", "--comp-vectors", "1");
        final BufferedReader out = new BufferedReader(new InputStreamReader(engine.getInputStream(),
            StandardCharsets.UTF_8));
        final String ready = CompletableFuture.supplyAsync(() ->
        {
            try
            {
                String l;
                while ((l = out.readLine()) != null)
                {
                    if (l.startsWith("softnic engine ready"))
                    {
                        return l;
                    }
                    System.out.println("engine: " + l);
                }
                return "(exited)";
            }
            catch (final java.io.IOException ex)
            {
                return ex.toString();
            }
        }).get(30, TimeUnit.SECONDS);
        assertTrue(ready.startsWith("softnic engine ready"), ready);
        // keep draining its output so it never blocks on a full pipe
        Thread.ofPlatform().daemon().start(() ->
        {
            try
            {
                while (out.readLine() != null)
                {
                    // discard
                }
            }
            catch (final java.io.IOException ignore)
            {
                // the engine is gone
            }
        });
        return engine;
    }

    private static Process spawn(final Class<?> main, final String... args) throws Exception
    {
        return spawnJava(main, "-Xmx128m", args);
    }

    /** A JVM running {@code main}: the first argument is its heap flag, the rest go to main. */
    private static Process spawnJava(final Class<?> main, final String heap, final String... args) throws Exception
    {
        final String javaBin = ProcessHandle.current().info().command().orElse(
            Path.of(System.getProperty("java.home"), "bin", "java").toString());
        final List<String> cmd = new ArrayList<>(List.of(javaBin,
            "--enable-native-access=ALL-UNNAMED", heap, "-XX:TieredStopAtLevel=1", "-cp",
            System.getProperty("java.class.path"), main.getName()));
        cmd.addAll(List.of(args));
        return new ProcessBuilder(cmd).redirectErrorStream(true).start();
    }

    /** The process's next line, which must start with {@code prefix}. */
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
