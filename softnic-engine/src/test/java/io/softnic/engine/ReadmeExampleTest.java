package io.softnic.engine;

import io.softnic.cm.CmParams;
import io.softnic.cm.RdmaCm;
import io.softnic.verbs.IbvAccess;
import io.softnic.verbs.IbvContext;
import io.softnic.verbs.IbvCq;
import io.softnic.verbs.IbvMr;
import io.softnic.verbs.IbvPd;
import io.softnic.verbs.IbvQp;
import io.softnic.verbs.IbvQpInitAttr;
import io.softnic.verbs.IbvSendFlags;
import io.softnic.verbs.IbvSendWr;
import io.softnic.verbs.IbvWc;
import io.softnic.verbs.IbvWcStatus;
import io.softnic.verbs.IbvWrOpcode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

/** The README's verbs example, runnable: a server hands out its buffer's address and rkey, the client writes into it. */
@Timeout(30)
class ReadmeExampleTest
{
    @Test
    void clientWritesIntoTheServersBuffer() throws Exception
    {
        try (SoftnicEngine serverEngine = SoftnicEngine.launch(new EngineContext().name("server").port("127.0.0.2"));
             SoftnicEngine clientEngine = SoftnicEngine.launch(new EngineContext().name("nic0").port("127.0.0.3"));
             IbvContext server = serverEngine.open();
             IbvContext ctx = clientEngine.open())
        {
            // server: a buffer peers may write into, a QP, and a listener that accepts one connection
            final IbvPd spd = server.allocPd();
            final IbvCq scq = server.createCq(256, 0);
            final MemorySegment sbuf = server.allocateBuffer(1 << 20);
            final IbvMr smr = spd.regMr(sbuf, IbvAccess.LOCAL_WRITE | IbvAccess.REMOTE_WRITE | IbvAccess.REMOTE_READ);
            final IbvQpInitAttr sinit = new IbvQpInitAttr();
            sinit.sendCq = scq;
            sinit.recvCq = scq;
            final IbvQp sqp = spd.createQp(sinit);
            final RdmaCm.Listener listener = server.cm().listen(18515);
            final MemorySegment offer = MemorySegment.ofArray(new long[2]);
            offer.set(ValueLayout.JAVA_LONG, 0, smr.addr());
            offer.set(ValueLayout.JAVA_LONG, 8, smr.rkey());
            final CompletableFuture<RdmaCm.Connection> accepted = CompletableFuture.supplyAsync(() ->
            {
                final RdmaCm.Request request = listener.getRequest(Duration.ofSeconds(10));
                return request.accept(sqp, CmParams.defaults().withPrivateData(offer.toArray(ValueLayout.JAVA_BYTE)));
            });

            // client: the README's code
            final IbvPd pd = ctx.allocPd();
            final IbvCq cq = ctx.createCq(256, 0);
            final MemorySegment buf = ctx.allocateBuffer(1 << 20);
            final IbvMr mr = pd.regMr(buf, IbvAccess.LOCAL_WRITE | IbvAccess.REMOTE_WRITE | IbvAccess.REMOTE_READ);
            final IbvQpInitAttr init = new IbvQpInitAttr();
            init.sendCq = cq;
            init.recvCq = cq;
            final IbvQp qp = pd.createQp(init);
            final RdmaCm.Connection conn =
                ctx.cm().connect(qp, "127.0.0.2", 18515, CmParams.defaults(), Duration.ofSeconds(5));
            final MemorySegment peer = MemorySegment.ofArray(conn.peer().privateData());
            final long remoteAddr = peer.get(ValueLayout.JAVA_LONG_UNALIGNED, 0);
            final int remoteRkey = (int)peer.get(ValueLayout.JAVA_LONG_UNALIGNED, 8);
            assertNotNull(accepted.get(10, TimeUnit.SECONDS));

            buf.asSlice(0, 4096).fill((byte)0x5A);
            final IbvSendWr wr = new IbvSendWr();
            wr.opcode = IbvWrOpcode.RDMA_WRITE;
            wr.sendFlags = IbvSendFlags.SIGNALED;
            wr.remoteAddr = remoteAddr;
            wr.rkey = remoteRkey;
            wr.sge(mr.addr(), 4096, mr.lkey());
            qp.postSend(wr);

            final IbvWc[] wc = {new IbvWc()};
            final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (cq.poll(wc, 1) == 0 && System.nanoTime() < deadline)
            {
                Thread.onSpinWait();
            }
            assertEquals(IbvWcStatus.SUCCESS, wc[0].status, wc[0].toString());
            assertEquals(-1, MemorySegment.mismatch(buf, 0, 4096, sbuf, 0, 4096), "the server's buffer holds the data");
            conn.disconnect();
            listener.close();
        }
    }
}
