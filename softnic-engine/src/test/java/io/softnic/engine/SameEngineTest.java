package io.softnic.engine;

import io.softnic.engine.counters.EngineCounters;
import io.softnic.engine.fault.FaultInjector;
import io.softnic.verbs.IbvAccess;
import io.softnic.verbs.IbvContext;
import io.softnic.verbs.IbvCq;
import io.softnic.verbs.IbvMr;
import io.softnic.verbs.IbvMtu;
import io.softnic.verbs.IbvPd;
import io.softnic.verbs.IbvQp;
import io.softnic.verbs.IbvQpAttr;
import io.softnic.verbs.IbvQpAttrMask;
import io.softnic.verbs.IbvQpInitAttr;
import io.softnic.verbs.IbvQpState;
import io.softnic.verbs.IbvRecvWr;
import io.softnic.verbs.IbvSendFlags;
import io.softnic.verbs.IbvSendWr;
import io.softnic.verbs.IbvWc;
import io.softnic.verbs.IbvWcStatus;
import io.softnic.verbs.IbvWrOpcode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Two QPs of one engine connected to each other through the engine's own address: their packets never reach the
 * kernel (no UDP datagram leaves the port) yet pass the same checks and state machines, with the same results —
 * including recovery when packets are lost on the way.
 */
@Timeout(60)
class SameEngineTest
{
    private static final int MESSAGES = 300;
    private static final int SIZE = 3000;   // three packets at MTU 1024, a multiple of 8

    /** One engine, two connected QPs on its port. */
    private static final class Loop implements AutoCloseable
    {
        final SoftnicEngine engine;
        final IbvContext ctx;
        final IbvCq cq;
        final IbvMr mrA;
        final IbvMr mrB;
        final MemorySegment a;
        final MemorySegment b;
        final IbvQp qpA;
        final IbvQp qpB;

        Loop(final EngineContext ec)
        {
            engine = SoftnicEngine.launch(ec);
            ctx = engine.open();
            final IbvPd pd = ctx.allocPd();
            cq = ctx.createCq(4096, 0);
            a = ctx.allocateBuffer(1 << 20);
            b = ctx.allocateBuffer(1 << 20);
            mrA = pd.regMr(a, IbvAccess.LOCAL_WRITE | IbvAccess.ALL_REMOTE);
            mrB = pd.regMr(b, IbvAccess.LOCAL_WRITE | IbvAccess.ALL_REMOTE);
            final IbvQpInitAttr init = new IbvQpInitAttr();
            init.sendCq = cq;
            init.recvCq = cq;
            init.cap.maxSendWr = 1024;
            init.cap.maxRecvWr = 1024;
            qpA = pd.createQp(init);
            qpB = pd.createQp(init);
            connect(qpA, qpB);
            connect(qpB, qpA);
        }

        private void connect(final IbvQp local, final IbvQp remote)
        {
            final IbvQpAttr attr = new IbvQpAttr();
            attr.qpState = IbvQpState.INIT;
            attr.portNum = 1;
            attr.qpAccessFlags = IbvAccess.LOCAL_WRITE | IbvAccess.ALL_REMOTE;
            local.modify(attr, IbvQpAttrMask.RC_RESET_TO_INIT);
            attr.qpState = IbvQpState.RTR;
            attr.pathMtu = IbvMtu.MTU_1024;
            attr.destQpNum = remote.qpNum();
            attr.maxDestRdAtomic = 4;
            attr.minRnrTimer = 1;
            attr.ahAttr.dgidIpv4 = engine.port(0).ipv4();     // this very engine
            local.modify(attr, IbvQpAttrMask.RC_INIT_TO_RTR);
            attr.qpState = IbvQpState.RTS;
            attr.timeout = 10;
            attr.retryCnt = 7;
            attr.maxRdAtomic = 4;
            local.modify(attr, IbvQpAttrMask.RC_RTR_TO_RTS);
        }

        IbvWc await()
        {
            final IbvWc[] wc = {new IbvWc()};
            final long deadline = System.nanoTime() + 20_000_000_000L;
            while (cq.poll(wc, 1) == 0)
            {
                assertTrue(System.nanoTime() < deadline, () -> "no completion; " + engine.counters().snapshot());
                Thread.onSpinWait();
            }
            return wc[0];
        }

        @Override
        public void close()
        {
            engine.close();
        }
    }

    @Test
    void writeSendReadAndAtomicBetweenTwoQpsOfOneEngineStayInsideIt()
    {
        try (Loop loop = new Loop(RcPair.engine("same", "127.0.0.2")))
        {
            for (int i = 0; i < 8192; i++)
            {
                loop.a.set(ValueLayout.JAVA_BYTE, i, (byte)(i * 7));
            }
            final IbvSendWr wr = new IbvSendWr();
            wr.opcode = IbvWrOpcode.RDMA_WRITE;
            wr.sendFlags = IbvSendFlags.SIGNALED;
            wr.remoteAddr = loop.mrB.addr();
            wr.rkey = loop.mrB.rkey();
            wr.sge(loop.mrA.addr(), 8192, loop.mrA.lkey());
            loop.qpA.postSend(wr);
            assertEquals(IbvWcStatus.SUCCESS, loop.await().status);
            assertEquals(-1L, loop.a.asSlice(0, 8192).mismatch(loop.b.asSlice(0, 8192)), "WRITE landed");

            wr.reset();
            wr.opcode = IbvWrOpcode.RDMA_READ;
            wr.sendFlags = IbvSendFlags.SIGNALED;
            wr.remoteAddr = loop.mrB.addr();
            wr.rkey = loop.mrB.rkey();
            wr.sge(loop.mrA.addr() + 65536, 8192, loop.mrA.lkey());
            loop.qpA.postSend(wr);
            assertEquals(IbvWcStatus.SUCCESS, loop.await().status);
            assertEquals(-1L, loop.a.asSlice(65536, 8192).mismatch(loop.b.asSlice(0, 8192)), "READ came back");

            loop.b.set(ValueLayout.JAVA_LONG, 131072, 40);
            wr.reset();
            wr.opcode = IbvWrOpcode.ATOMIC_FETCH_AND_ADD;
            wr.sendFlags = IbvSendFlags.SIGNALED;
            wr.remoteAddr = loop.mrB.addr() + 131072;
            wr.rkey = loop.mrB.rkey();
            wr.compareAdd = 2;
            wr.sge(loop.mrA.addr() + 131072, 8, loop.mrA.lkey());
            loop.qpA.postSend(wr);
            assertEquals(IbvWcStatus.SUCCESS, loop.await().status);
            assertEquals(40L, loop.a.get(ValueLayout.JAVA_LONG, 131072));
            assertEquals(42L, loop.b.get(ValueLayout.JAVA_LONG, 131072));

            final Map<String, Long> c = loop.engine.counters().snapshot();
            assertEquals(0L, c.get("port1_tx_packets"), "nothing went through the kernel");
            assertEquals(0L, c.get("port1_rx_packets"));
            // WRITE: 8 packets and an ACK; READ: a request and 8 responses; atomic: a request and its ACK
            assertTrue(loop.engine.counters().get(EngineCounters.LOOPBACK_PACKETS) >= 8 + 1 + 1 + 8 + 2);
            assertEquals(0, loop.engine.errors());
        }
    }

    @Test
    void lossesInsideTheEngineAreRecoveredLikeLossesOnTheWire()
    {
        try (Loop loop = new Loop(RcPair.engine("same", "127.0.0.2").faults(FaultInjector.Config.uniform(0.05, 99))))
        {
            final IbvRecvWr rwr = new IbvRecvWr();
            for (int i = 0; i < MESSAGES; i++)
            {
                rwr.numSge = 0;
                rwr.wrId = 1_000_000 + i;
                rwr.sge(loop.mrB.addr() + (long)i * SIZE, SIZE, loop.mrB.lkey());
                loop.qpB.postRecv(rwr);
            }
            final IbvSendWr swr = new IbvSendWr();
            for (int i = 0; i < MESSAGES; i++)
            {
                for (int j = 0; j < SIZE; j += 8)
                {
                    loop.a.set(ValueLayout.JAVA_LONG_UNALIGNED, (long)i * SIZE + j, (long)i << 32 | j);
                }
                swr.reset();
                swr.wrId = i;
                swr.opcode = IbvWrOpcode.SEND;
                swr.sendFlags = IbvSendFlags.SIGNALED;
                swr.sge(loop.mrA.addr() + (long)i * SIZE, SIZE, loop.mrA.lkey());
                loop.qpA.postSend(swr);
            }
            int sends = 0;
            int receives = 0;
            int nextReceive = 0;
            while (sends + receives < 2 * MESSAGES)
            {
                final IbvWc wc = loop.await();
                assertEquals(IbvWcStatus.SUCCESS, wc.status, () -> "wr " + wc.wrId);
                if (wc.wrId >= 1_000_000)
                {
                    assertEquals(1_000_000 + nextReceive, wc.wrId, "in order, exactly once");
                    nextReceive++;
                    receives++;
                }
                else
                {
                    sends++;
                }
            }
            final long total = (long)MESSAGES * SIZE;
            assertEquals(-1L, loop.a.asSlice(0, total).mismatch(loop.b.asSlice(0, total)), "every message's bytes");
            final EngineCounters c = loop.engine.counters();
            assertTrue(c.get(EngineCounters.FAULT_DROPPED) > 0 && c.get(EngineCounters.RETRANSMITTED_PACKETS) > 0,
                "packets were lost inside the engine and resent");
        }
    }
}
