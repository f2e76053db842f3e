package io.softnic.tools;

import io.softnic.engine.vnic.Vnic;
import io.softnic.hostif.CommandRing;
import io.softnic.hostif.TenantMessages;
import io.softnic.hostif.VnicMessages;
import io.softnic.tenant.Softnic;
import io.softnic.verbs.IbvAccess;
import io.softnic.verbs.IbvContext;
import io.softnic.verbs.IbvCq;
import io.softnic.verbs.IbvPd;
import io.softnic.verbs.IbvQp;
import io.softnic.verbs.IbvQpInitAttr;
import io.softnic.verbs.VerbsException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The master's side of attached tenants, from this JVM: quotas, and requests a hostile tenant writes by hand on the
 * command channel (another vNIC's QPN, a stale session, memory files outside its directory, ranges past a file's end).
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class TenantControlTest
{
    @Test
    void quotasHoldAndForeignOrForgedRequestsAreRefused(@TempDir final Path tmp) throws Exception
    {
        final Path dir = tmp.resolve("engine");
        final EngineConfig cfg = new EngineConfig().set("dir", dir.toString()).set("port", "127.0.0.72")
            .set("comp-vectors", "1");
        try (EngineDaemon daemon = EngineDaemon.start(cfg))
        {
            final Vnic a = daemon.vnics().create("a", new VnicMessages.Quota(1, 2, 1, 1 << 20, 1));
            daemon.vnics().create("b", new VnicMessages.Quota(2, 2, 2, 1 << 20, 1));
            assertThrows(VerbsException.class, () -> Softnic.attach(dir, "nope"));
            try (IbvContext ctx = Softnic.attach(dir, "a");
                EngineClient raw = EngineClient.open(dir))
            {
                final IbvPd pd = ctx.allocPd();
                final IbvCq cq = ctx.createCq(16, 0);
                final IbvQpInitAttr init = new IbvQpInitAttr();
                init.sendCq = cq;
                init.recvCq = cq;
                final IbvQp qp = pd.createQp(init);
                final VerbsException quota = assertThrows(VerbsException.class, () -> pd.createQp(init));
                assertTrue(quota.getMessage().contains("out of QPs (quota 1)"), quota.getMessage());
                final MemorySegment buf = ctx.allocateBuffer(1 << 20);
                pd.regMr(buf.asSlice(0, 4096), IbvAccess.LOCAL_WRITE);
                assertThrows(VerbsException.class, () -> pd.regMr(buf.asSlice(4096, 4096), IbvAccess.LOCAL_WRITE),
                    "MR quota 1");
                assertEquals(1, a.info().usedQps());
                assertEquals(4096, a.info().usedMrBytes());

                // a hand-written tenant on vNIC b
                final EngineClient.Response attach = raw.call(TenantMessages.ATTACH, TenantMessages.ATTACH_LENGTH,
                    at -> VnicMessages.putName(raw.ring().region(), at, "b"));
                assertEquals(CommandRing.OK, attach.status(), attach.message());
                final long session = attach.payload().get(ValueLayout.JAVA_LONG, 0);
                final EngineClient.Response pdB = raw.call(TenantMessages.ALLOC_PD, 8,
                    at -> raw.ring().region().set(ValueLayout.JAVA_LONG, at, session));
                assertEquals(CommandRing.OK, pdB.status());
                final int pdnB = pdB.payload().get(ValueLayout.JAVA_INT, 0);

                assertStatus(CommandRing.NOT_FOUND, raw, TenantMessages.DESTROY_QP, session, qp.qpNum());
                assertStatus(CommandRing.NOT_FOUND, raw, TenantMessages.QUERY_QP, session, qp.qpNum());
                assertStatus(CommandRing.NOT_FOUND, raw, TenantMessages.DEALLOC_PD, session, pd.handle());
                assertStatus(CommandRing.NOT_FOUND, raw, TenantMessages.DESTROY_CQ, session, cq.cqn());
                assertStatus(CommandRing.NOT_FOUND, raw, TenantMessages.DESTROY_QP, session + (1L << 32), 16);
                assertEquals(CommandRing.MALFORMED, raw.call(TenantMessages.DESTROY_QP, 9,
                    at -> raw.ring().region().set(ValueLayout.JAVA_LONG, at, session)).status());

                // memory: only mem-PID-N files of b's own directory, within their size
                final Path bDir = dir.resolve("vnic-b");
                Files.write(bDir.resolve("mem-1-1"), new byte[4096]);
                Files.setPosixFilePermissions(bDir.resolve("mem-1-1"), PosixFilePermissions.fromString("rw-------"));
                Files.createSymbolicLink(bDir.resolve("mem-1-2"), dir.resolve("control"));
                assertEquals(CommandRing.OK, regMr(raw, session, pdnB, "mem-1-1", 0, 4096));
                assertEquals(CommandRing.BAD_VALUE, regMr(raw, session, pdnB, "mem-1-1", 4096, 1));
                assertEquals(CommandRing.BAD_VALUE, regMr(raw, session, pdnB, "mem-1-1", 1, Long.MAX_VALUE));
                assertEquals(CommandRing.BAD_VALUE, regMr(raw, session, pdnB, "../control", 0, 4096));
                assertEquals(CommandRing.BAD_VALUE, regMr(raw, session, pdnB, "mem-1-2", 0, 4096));
                final String aFile;
                try (var files = Files.list(dir.resolve("vnic-a")))
                {
                    aFile = files.map(f -> f.getFileName().toString()).filter(f -> f.startsWith("mem-"))
                        .findFirst().orElseThrow();
                }
                assertEquals(CommandRing.BAD_VALUE, regMr(raw, session, pdnB, aFile, 0, 4096),
                    "a's memory file is not in b's directory");

                assertEquals(CommandRing.OK, raw.call(TenantMessages.DETACH, 8,
                    at -> raw.ring().region().set(ValueLayout.JAVA_LONG, at, session)).status());
                assertTrue(!Files.exists(bDir), "detach removes b's files");
                qp.close();
            }
            assertTrue(!Files.exists(dir.resolve("vnic-a")));
            assertEquals(0, a.info().usedMrs());
        }
    }

    private static void assertStatus(final int status, final EngineClient raw, final int op, final long session,
        final int arg)
    {
        final EngineClient.Response r = raw.call(op, TenantMessages.ONE_ARG_LENGTH, at ->
        {
            raw.ring().region().set(ValueLayout.JAVA_LONG, at, session);
            raw.ring().region().set(ValueLayout.JAVA_INT, at + 8, arg);
        });
        assertEquals(status, r.status(), r.message());
    }

    private static int regMr(final EngineClient raw, final long session, final int pdn, final String file,
        final long offset, final long length)
    {
        return raw.call(TenantMessages.REG_MR, TenantMessages.REG_MR_LENGTH, at ->
        {
            final MemorySegment s = raw.ring().region();
            s.set(ValueLayout.JAVA_LONG, at, session);
            s.set(ValueLayout.JAVA_INT, at + TenantMessages.MR_PDN_OFFSET, pdn);
            s.set(ValueLayout.JAVA_INT, at + TenantMessages.MR_ACCESS_OFFSET, IbvAccess.LOCAL_WRITE);
            s.set(ValueLayout.JAVA_LONG, at + TenantMessages.MR_FILE_OFFSET_OFFSET, offset);
            s.set(ValueLayout.JAVA_LONG, at + TenantMessages.MR_LENGTH_OFFSET, length);
            s.set(ValueLayout.JAVA_LONG, at + TenantMessages.MR_IOVA_OFFSET, 0x10000);
            VnicMessages.putName(s, at + TenantMessages.MR_FILE_NAME_OFFSET, file);
        }).status();
    }
}
