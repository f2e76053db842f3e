package io.softnic.tools;

import io.softnic.engine.EngineContext;
import io.softnic.engine.SoftnicEngine;
import io.softnic.hostif.CommandRing;
import io.softnic.hostif.TenantMessages;
import io.softnic.hostif.VnicMessages;
import io.softnic.tenant.Softnic;
import io.softnic.verbs.IbvAccess;
import io.softnic.verbs.IbvContext;
import io.softnic.verbs.IbvCq;
import io.softnic.verbs.IbvFlow;
import io.softnic.verbs.IbvMr;
import io.softnic.verbs.IbvPd;
import io.softnic.verbs.IbvQp;
import io.softnic.verbs.IbvQpInitAttr;
import io.softnic.verbs.IbvSendFlags;
import io.softnic.verbs.IbvSendWr;
import io.softnic.verbs.IbvWc;
import io.softnic.verbs.IbvWcStatus;
import io.softnic.verbs.IbvWrOpcode;
import io.softnic.verbs.VerbsException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Seed 3 for attached tenants: a tenant makes named bus flows in its vNIC's own namespace and puts its QPs into them
 * over the command channel; another tenant's flows and QPs are out of its reach (the same name is another flow, a
 * foreign flow id or QPN is refused), and the flow's traffic shows in its counters.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class TenantFlowTest
{
    @Test
    void tenantsMakeFlowsOfTheirOwnAndCannotJoinAnothers(@TempDir final Path tmp) throws Exception
    {
        final Path dir = tmp.resolve("engine");
        final String engineAddr = "127.0.0.117";
        final String peerAddr = "127.0.0.118";
        try (EngineDaemon daemon = EngineDaemon.start(new EngineConfig().set("dir", dir.toString())
                .set("port", engineAddr).set("comp-vectors", "1"));
            SoftnicEngine peerEngine = SoftnicEngine.launch(new EngineContext().name("flow-peer").port(peerAddr));
            IbvContext peer = peerEngine.open())
        {
            daemon.vnics().create("a", new VnicMessages.Quota(2, 4, 2, 8 << 20, 1));
            daemon.vnics().create("b", new VnicMessages.Quota(2, 4, 2, 8 << 20, 1));
            daemon.vnics().create("c", new VnicMessages.Quota(2, 4, 2, 8 << 20, 1));
            try (IbvContext a = Softnic.attach(dir, "a");
                IbvContext b = Softnic.attach(dir, "b");
                EngineClient raw = EngineClient.open(dir))
            {
                final IbvFlow rpc = a.createFlow("rpc", 0, 2);
                assertEquals(rpc.id(), a.createFlow("rpc", 0, 2).id(), "the same name again is the same flow");
                assertThrows(VerbsException.class, () -> a.createFlow("rpc", 3, 2), "taken with another class");
                assertThrows(VerbsException.class, () -> a.createFlow("rpc", 0, 5000), "weight out of range");
                final IbvFlow bRpc = b.createFlow("rpc", 1, 1);
                assertNotEquals(rpc.id(), bRpc.id(), "b's rpc is b's own flow");
                final VerbsException heavy = assertThrows(VerbsException.class, () -> b.createFlow("hog", 0, 17));
                assertTrue(heavy.getMessage().contains("at most 16"), heavy.getMessage());
                for (int i = 1; i < 8; i++)
                {
                    b.createFlow("f" + i, 1, 1);
                }
                final VerbsException many = assertThrows(VerbsException.class, () -> b.createFlow("f8", 1, 1));
                assertTrue(many.getMessage().contains("limit 8"), many.getMessage());

                final IbvPd pd = a.allocPd();
                final IbvCq cq = a.createCq(64, 0);
                final MemorySegment buf = a.allocateBuffer(64 * 1024);
                final IbvMr mr = pd.regMr(buf, IbvAccess.LOCAL_WRITE | IbvAccess.ALL_REMOTE);
                final IbvQpInitAttr init = new IbvQpInitAttr();
                init.sendCq = cq;
                init.recvCq = cq;
                init.flow = rpc;
                final IbvQp qp = pd.createQp(init);
                assertThrows(VerbsException.class, () -> qp.flow(bRpc), "b's flow belongs to another context");

                // by hand on the command channel, as a hostile tenant on vNIC c would: a's QP into a's flow, or
                // into c's own; a name field that lies about its length
                final long sessionC = session(raw, "c");
                assertEquals(CommandRing.NOT_FOUND, setQpFlow(raw, sessionC, qp.qpNum(), rpc.id()),
                    "c cannot move a's QP, not even into a's flow");
                final EngineClient.Response cRpc = raw.call(TenantMessages.CREATE_FLOW,
                    TenantMessages.CREATE_FLOW_LENGTH, at ->
                    {
                        raw.ring().region().set(ValueLayout.JAVA_LONG, at, sessionC);
                        raw.ring().region().set(ValueLayout.JAVA_INT, at + TenantMessages.ARG0, 0);
                        raw.ring().region().set(ValueLayout.JAVA_INT, at + TenantMessages.ARG1, 1);
                        VnicMessages.putName(raw.ring().region(), at + TenantMessages.FLOW_NAME_OFFSET, "rpc");
                    });
                assertEquals(CommandRing.OK, cRpc.status(), cRpc.message());
                assertNotEquals(rpc.id(), cRpc.payload().get(ValueLayout.JAVA_INT, 0), "c's rpc is c's own");
                assertEquals(CommandRing.NOT_FOUND, setQpFlow(raw, sessionC, qp.qpNum(),
                    cRpc.payload().get(ValueLayout.JAVA_INT, 0)), "nor into c's flow");
                final EngineClient.Response badName = raw.call(TenantMessages.CREATE_FLOW,
                    TenantMessages.CREATE_FLOW_LENGTH, at ->
                    {
                        raw.ring().region().set(ValueLayout.JAVA_LONG, at, sessionC);
                        raw.ring().region().set(ValueLayout.JAVA_SHORT, at + TenantMessages.FLOW_NAME_OFFSET,
                            (short)5000);
                    });
                assertEquals(CommandRing.MALFORMED, badName.status(), badName.message());

                // traffic in the flow: it shows in the flow's counters
                final IbvPd ppd = peer.allocPd();
                final IbvCq pcq = peer.createCq(64, 0);
                final IbvMr pmr = ppd.regMr(peer.allocateBuffer(64 * 1024), IbvAccess.LOCAL_WRITE | IbvAccess.ALL_REMOTE);
                final IbvQpInitAttr pinit = new IbvQpInitAttr();
                pinit.sendCq = pcq;
                pinit.recvCq = pcq;
                final IbvQp pqp = ppd.createQp(pinit);
                TenantKit.connect(qp, TenantKit.ipv4(peerAddr), pqp.qpNum(), 1, 2);
                TenantKit.connect(pqp, TenantKit.ipv4(engineAddr), qp.qpNum(), 2, 1);
                buf.set(ValueLayout.JAVA_LONG, 0, 0xF10EL);
                final IbvSendWr wr = new IbvSendWr();
                wr.opcode = IbvWrOpcode.RDMA_WRITE;
                wr.sendFlags = IbvSendFlags.SIGNALED;
                wr.remoteAddr = pmr.addr();
                wr.rkey = pmr.rkey();
                wr.sge(mr.addr(), 4096, mr.lkey());
                qp.postSend(wr);
                final IbvWc[] wc = {new IbvWc()};
                final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
                while (cq.poll(wc) == 0)
                {
                    assertTrue(System.nanoTime() < deadline, "the WRITE did not complete");
                    Thread.sleep(1);
                }
                assertEquals(IbvWcStatus.SUCCESS, wc[0].status, wc[0]::toString);
                assertEquals(0xF10EL, pmr.memory().get(ValueLayout.JAVA_LONG, 0));
                final String counter = "flow_vnic" + daemon.vnics().find("a").id() + "_rpc_bytes";
                long bytes = 0;
                while (bytes < 4096 && System.nanoTime() < deadline)
                {
                    Thread.sleep(5); // published from the TX pipeline's timer pass
                    bytes = daemon.engine().counters().snapshot().getOrDefault(counter, -1L);
                }
                assertTrue(bytes >= 4096, counter + " = " + bytes);
            }
            // the tenants detached: their flows went with them, so b's next tenant starts with none
            try (IbvContext b = Softnic.attach(dir, "b"))
            {
                b.createFlow("rpc", 3, 2); // b's old "rpc" (class 1) would refuse another class
                for (int i = 1; i < 8; i++)
                {
                    b.createFlow("g" + i, 1, 1);
                }
            }
        }
    }

    private static long session(final EngineClient raw, final String vnic)
    {
        final EngineClient.Response attach = raw.call(TenantMessages.ATTACH, TenantMessages.ATTACH_LENGTH,
            at -> VnicMessages.putName(raw.ring().region(), at, vnic));
        assertEquals(CommandRing.OK, attach.status(), attach.message());
        return attach.payload().get(ValueLayout.JAVA_LONG, 0);
    }

    private static int setQpFlow(final EngineClient raw, final long session, final int qpn, final int flow)
    {
        return raw.call(TenantMessages.SET_QP_FLOW, TenantMessages.SET_QP_FLOW_LENGTH, at ->
        {
            raw.ring().region().set(ValueLayout.JAVA_LONG, at, session);
            raw.ring().region().set(ValueLayout.JAVA_INT, at + TenantMessages.ARG0, qpn);
            raw.ring().region().set(ValueLayout.JAVA_INT, at + TenantMessages.ARG1, flow);
        }).status();
    }
}
