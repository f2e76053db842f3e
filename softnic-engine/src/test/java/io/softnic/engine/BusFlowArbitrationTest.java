package io.softnic.engine;

import io.softnic.engine.bus.BusFlow;
import io.softnic.engine.counters.EngineCounters;
import io.softnic.verbs.IbvContext;
import io.softnic.verbs.IbvFlow;
import io.softnic.verbs.IbvQp;
import io.softnic.verbs.IbvRecvWr;
import io.softnic.verbs.IbvSendFlags;
import io.softnic.verbs.IbvSendWr;
import io.softnic.verbs.IbvWc;
import io.softnic.verbs.IbvWcStatus;
import io.softnic.verbs.IbvWrOpcode;
import io.softnic.verbs.VerbsException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.lang.foreign.ValueLayout;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Seed 3 end to end, deterministic (INVOKER: the test drives each engine's duty cycles itself). A 1 MiB WRITE is
 * posted on one QP, then a 64 B WRITE on another; the sender runs exactly one duty cycle, whose burst the receiver
 * then takes in whole. With one FIFO the bulk transfer has the bus until the cycle's bytes are spent and the small
 * WRITE is not in that burst; with per-flow queues it is (after at most a chunk of the bulk one, or first when its
 * flow has the higher class), and the bulk transfer still moves in the same cycle. Weights split a contended bus.
 */
class BusFlowArbitrationTest
{
    private static final int BULK = 1 << 20;
    private static final long SMALL_AT = 64;
    private static final long MARK = 0x5A11_0000_0000_0001L;

    private record FirstBurst(boolean smallLanded, long bulkBytesLanded)
    {
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void aSmallWriteIsNotStuckBehindABulkTransferWhenFlowsAreArbitrated()
    {
        final FirstBurst fifo = firstBurst(false, false, "127.0.0.81", "127.0.0.82");
        final FirstBurst perQp = firstBurst(true, false, "127.0.0.83", "127.0.0.84");
        final FirstBurst priority = firstBurst(true, true, "127.0.0.85", "127.0.0.86");
        assertTrue(!fifo.smallLanded(), "one FIFO: the bulk transfer holds the bus for the whole cycle");
        assertTrue(fifo.bulkBytesLanded() > 0);
        assertTrue(perQp.smallLanded(), "per-QP flows: the small WRITE gets its turn within the first cycle");
        assertTrue(perQp.bulkBytesLanded() > 0, "and the bulk one moved too");
        assertTrue(priority.smallLanded(), "a higher class goes first");
        assertTrue(priority.bulkBytesLanded() > 0);
    }

    private static FirstBurst firstBurst(final boolean arbitrate, final boolean classes, final String addressA,
        final String addressB)
    {
        final EngineContext ea = RcPair.engine("bus-a", addressA, ThreadingMode.INVOKER).flowArbitration(arbitrate);
        final EngineContext eb = RcPair.engine("bus-b", addressB, ThreadingMode.INVOKER);
        try (RcPair pair = new RcPair(ea, eb))
        {
            final QpKit.End bulk = QpKit.End.of(pair.a);
            final QpKit.Link link = new QpKit.Link(pair);
            final QpKit.End small = link.a;
            if (classes)
            {
                pair.a.qp.flow(pair.a.ctx.createFlow("bulk", 1, 1));
                small.qp().flow(pair.a.ctx.createFlow("latency", 0, 1));
            }
            final IbvSendWr wr = new IbvSendWr();
            pair.a.buffer.fill((byte)0x77);
            small.buffer().set(ValueLayout.JAVA_LONG, 0, MARK);
            post(wr, bulk, 0, pair.b.mr.addr() + BULK / 2, pair.b.mr.rkey(), BULK / 2);
            post(wr, small, 0, link.b.mr().addr() + SMALL_AT, link.b.mr().rkey(), 8);
            pair.a.engine.drive(); // exactly one duty cycle of the sender: one burst
            for (int i = 0; i < 200; i++)
            {
                pair.b.engine.drive(); // the receiver takes all of that burst
            }
            final boolean landed = link.b.buffer().get(ValueLayout.JAVA_LONG, SMALL_AT) == MARK;
            long bulkLanded = 0;
            for (long at = BULK / 2; at < BULK; at += 1024)
            {
                if (pair.b.buffer.get(ValueLayout.JAVA_BYTE, at) == (byte)0x77)
                {
                    bulkLanded += 1024;
                }
            }
            // both still complete, exactly once
            assertEquals(IbvWcStatus.SUCCESS, QpKit.one(small.side(), small.sendCq()).status);
            assertEquals(IbvWcStatus.SUCCESS, QpKit.one(pair.a, pair.a.sendCq).status);
            assertEquals(MARK, link.b.buffer().get(ValueLayout.JAVA_LONG, SMALL_AT));
            QpKit.assertNoEngineErrors(pair);
            return new FirstBurst(landed, bulkLanded);
        }
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void theReceiverTakesAHigherClassFirstFromABurstThatHoldsBoth()
    {
        assertEquals(List.of(2L, 1L), receiveOrder(true, "127.0.0.75", "127.0.0.76"),
            "the small SEND (class 0) completes before the bulk WRITE (class 1) that arrived ahead of it");
        assertEquals(List.of(1L, 2L), receiveOrder(false, "127.0.0.77", "127.0.0.78"),
            "without classes: arrival order");
    }

    /**
     * A 32 KiB WRITE_WITH_IMM leaves the sender in one duty cycle, an 8-byte SEND in the next, so both wait in the
     * receiver's socket in that order when it runs; its two QPs complete into one CQ. Returns the receive
     * completions' wrIds in order.
     */
    private static List<Long> receiveOrder(final boolean classes, final String addressA, final String addressB)
    {
        final EngineContext ea = RcPair.engine("rx-a", addressA, ThreadingMode.INVOKER).flowArbitration(false)
            .busBytesPerCycle(4 << 20);
        final EngineContext eb = RcPair.engine("rx-b", addressB, ThreadingMode.INVOKER);
        try (RcPair pair = new RcPair(ea, eb))
        {
            final IbvQp aBulk = QpKit.createQp(pair.a.pd, pair.a.sendCq, pair.a.recvCq, init -> { });
            final IbvQp aSmall = QpKit.createQp(pair.a.pd, pair.a.sendCq, pair.a.recvCq, init -> { });
            final IbvQp bBulk = QpKit.createQp(pair.b.pd, pair.b.sendCq, pair.b.recvCq, init -> { });
            final IbvQp bSmall = QpKit.createQp(pair.b.pd, pair.b.sendCq, pair.b.recvCq, init -> { });
            QpKit.connect(aBulk, pair.b.ipv4(), bBulk.qpNum(), 1, 1, attr -> { });
            QpKit.connect(bBulk, pair.a.ipv4(), aBulk.qpNum(), 1, 1, attr -> { });
            QpKit.connect(aSmall, pair.b.ipv4(), bSmall.qpNum(), 1, 1, attr -> { });
            QpKit.connect(bSmall, pair.a.ipv4(), aSmall.qpNum(), 1, 1, attr -> { });
            if (classes)
            {
                bSmall.flow(pair.b.ctx.createFlow("small", 0, 1));
                bBulk.flow(pair.b.ctx.createFlow("bulk", 1, 1));
            }
            final IbvRecvWr rwr = new IbvRecvWr();
            rwr.wrId = 1;
            rwr.sge(pair.b.mr.addr(), 16, pair.b.mr.lkey());
            bBulk.postRecv(rwr);
            rwr.wrId = 2;
            rwr.sge(pair.b.mr.addr() + 64, 16, pair.b.mr.lkey());
            bSmall.postRecv(rwr);
            final IbvSendWr wr = new IbvSendWr();
            wr.opcode = IbvWrOpcode.RDMA_WRITE_WITH_IMM;
            wr.sendFlags = IbvSendFlags.SIGNALED;
            wr.remoteAddr = pair.b.mr.addr() + BULK / 2;
            wr.rkey = pair.b.mr.rkey();
            wr.sge(pair.a.mr.addr(), 32 * 1024, pair.a.mr.lkey()); // 32 packets: one receive batch holds all, GRO or not
            aBulk.postSend(wr);
            pair.a.engine.drive(); // one sender cycle: all of the bulk WRITE
            wr.reset();
            wr.opcode = IbvWrOpcode.SEND;
            wr.sendFlags = IbvSendFlags.SIGNALED;
            wr.sge(pair.a.mr.addr(), 8, pair.a.mr.lkey());
            aSmall.postSend(wr);
            pair.a.engine.drive(); // the next one: the small SEND, behind it in the receiver's socket
            final List<IbvWc> received = pair.b.await(pair.b.recvCq, 2, Duration.ofSeconds(20));
            assertEquals(2, received.size(), pair.b.engine.counters().snapshot().toString());
            assertEquals(IbvWcStatus.SUCCESS, received.get(0).status);
            assertEquals(IbvWcStatus.SUCCESS, received.get(1).status);
            return List.of(received.get(0).wrId, received.get(1).wrId);
        }
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void weightsSplitAContendedBusAndEachFlowCountsItsBytesTurnsAndWaits()
    {
        final EngineContext ea = RcPair.engine("w-a", "127.0.0.87", ThreadingMode.INVOKER).busChunkBytes(16 * 1024)
            .busBytesPerCycle(128 * 1024);
        final EngineContext eb = RcPair.engine("w-b", "127.0.0.88", ThreadingMode.INVOKER);
        try (RcPair pair = new RcPair(ea, eb))
        {
            final QpKit.End one = QpKit.End.of(pair.a);
            final QpKit.Link link = new QpKit.Link(pair);
            final QpKit.End three = link.a;
            final IbvFlow light = pair.a.ctx.createFlow("light", 2, 1);
            final IbvFlow heavy = pair.a.ctx.createFlow("heavy", 2, 3);
            one.qp().flow(light);
            three.qp().flow(heavy);
            final IbvSendWr wr = new IbvSendWr();
            for (int i = 0; i < 4; i++)
            {
                post(wr, one, 0, pair.b.mr.addr(), pair.b.mr.rkey(), 128 * 1024);
                post(wr, three, 0, link.b.mr().addr(), link.b.mr().rkey(), 128 * 1024);
            }
            // three cycles of the sender (128 KiB each): less than either flow has posted, so both stay backlogged;
            // the third runs its timer pass after its turns, which publishes the flows' statistics
            pair.a.engine.drive();
            pair.a.engine.drive();
            java.util.concurrent.locks.LockSupport.parkNanos(1_000_000);
            pair.a.engine.drive();
            final BusFlow l = pair.a.engine.controlPlane().flows().get(light.id());
            final BusFlow h = pair.a.engine.controlPlane().flows().get(heavy.id());
            assertTrue(l.bytes() > 0 && h.bytes() > 0, "both moved: " + l.bytes() + " / " + h.bytes());
            final double ratio = (double)h.bytes() / l.bytes();
            assertTrue(ratio > 2.0 && ratio < 4.5, "weight 3 against 1 while both are backlogged: " + ratio + ": bytes " + h.bytes() + "/" + l.bytes() + ", turns " + h.turns() + "/" + l.turns());
            assertTrue(h.turns() > l.turns());
            assertTrue(l.waitNanos() >= 0 && h.waitNanos() >= 0);
            final List<IbvWc> done = one.side().await(one.sendCq(), 4, Duration.ofSeconds(20));
            assertEquals(4, done.size());
            assertEquals(4, three.side().await(three.sendCq(), 4, Duration.ofSeconds(20)).size());
            assertTrue(pair.a.engine.counters().get(EngineCounters.BUS_TURNS) > 0);
            assertTrue(pair.a.engine.counters().snapshot().getOrDefault("flow_engine_heavy_bytes", 0L) > 0,
                "named flows have counters: " + pair.a.engine.counters().snapshot().keySet());
        }
    }

    @Test
    @Timeout(value = 30, unit = TimeUnit.SECONDS)
    void flowsAreCheckedAndNamedPerContext()
    {
        try (SoftnicEngine engine = SoftnicEngine.launch(RcPair.engine("flows", "127.0.0.89", ThreadingMode.SHARED));
            IbvContext ctx = engine.open())
        {
            final IbvFlow f = ctx.createFlow("rpc", 0, 4);
            assertEquals(f.id(), ctx.createFlow("rpc", 0, 4).id(), "the same name again is the same flow");
            assertThrows(VerbsException.class, () -> ctx.createFlow("rpc", 1, 4), "the name is taken with another class");
            assertThrows(VerbsException.class, () -> ctx.createFlow("bad name", 0, 1));
            assertThrows(VerbsException.class, () -> ctx.createFlow("x", 8, 1), "classes are 0..7");
            assertThrows(VerbsException.class, () -> ctx.createFlow("x", 0, 0), "weights are 1..1024");
            assertThrows(VerbsException.class, () -> engine.controlPlane().setQpFlow(16, f.id(), 3),
                "a flow of another owner");
            final BusFlow flow = engine.controlPlane().flows().get(f.id());
            assertSame(flow, engine.controlPlane().flows().find(-1, "rpc"));
            assertEquals(4, flow.weight());
        }
    }

    private static void post(final IbvSendWr wr, final QpKit.End from, final long offset, final long remoteAddr,
        final int rkey, final int length)
    {
        wr.reset();
        wr.opcode = IbvWrOpcode.RDMA_WRITE;
        wr.sendFlags = IbvSendFlags.SIGNALED;
        wr.remoteAddr = remoteAddr;
        wr.rkey = rkey;
        wr.sge(from.mr().addr() + offset, length, from.mr().lkey());
        from.qp().postSend(wr);
    }
}
