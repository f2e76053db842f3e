package io.softnic.engine;

import io.softnic.engine.counters.EngineCounters;
import io.softnic.engine.fault.FaultInjector;
import io.softnic.engine.rc.QueuePair;
import io.softnic.engine.rc.Transport;
import io.softnic.verbs.IbvAccess;
import io.softnic.verbs.IbvContext;
import io.softnic.verbs.IbvCq;
import io.softnic.verbs.IbvMr;
import io.softnic.verbs.IbvPd;
import io.softnic.verbs.IbvQp;
import io.softnic.verbs.IbvQpAttr;
import io.softnic.verbs.IbvQpState;
import io.softnic.verbs.IbvRecvWr;
import io.softnic.verbs.IbvSendFlags;
import io.softnic.verbs.IbvSendWr;
import io.softnic.verbs.IbvWc;
import io.softnic.verbs.IbvWcOpcode;
import io.softnic.verbs.IbvWcStatus;
import io.softnic.verbs.IbvWrOpcode;
import io.softnic.wire.Aeth;
import io.softnic.wire.Psn;
import org.agrona.concurrent.CachedNanoClock;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.time.Duration;
import java.util.List;
import java.util.function.BooleanSupplier;

import static io.softnic.engine.QpKit.assertStatus;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The RC state machines at their edges, deterministically: PSN wrap-around from 0xFFFFFF to 0 in the middle of
 * multi-packet messages, and the retransmission and RNR timers run against a hand-advanced clock, so the number of
 * retries and the moment each fires can be asserted exactly.
 */
@Timeout(30)
class PsnAndStateMachineTest
{
    private static final int ACCESS = IbvAccess.LOCAL_WRITE | IbvAccess.ALL_REMOTE;

    // ---------------------------------------------------------------------------------------------------------------
    // PSN wrap

    private static void post(final RcPair.Side side, final IbvSendWr wr)
    {
        side.qp.postSend(wr);
    }

    private static QueuePair device(final RcPair.Side side)
    {
        return side.engine.controlPlane().qp(side.qp.qpNum());
    }

    @ParameterizedTest(name = "start PSN 0x{0}")
    @ValueSource(ints = {0xFFFFF0, 0xFFFFFF, 0xFFFFC1, 0xFFFF80})
    void messagesCrossThePsnWrap(final int start)
    {
        try (RcPair pair = new RcPair(RcPair.engine("a", "127.0.0.2"), RcPair.engine("b", "127.0.0.3"), ACCESS,
            init -> { }, attr ->
            {
                attr.sqPsn = start;
                attr.rqPsn = start;
            }))
        {
            assertEquals(start, pair.a.qp.query(new IbvQpAttr()).sqPsn);
            assertEquals(start, pair.b.qp.query(new IbvQpAttr()).rqPsn);
            final IbvSendWr swr = new IbvSendWr();
            final IbvRecvWr rwr = new IbvRecvWr();

            // a 64 KiB WRITE: 64 packets, through the wrap
            final int writeLength = 64 * 1024;
            QpKit.fill(pair.a.buffer, 0, writeLength, 21);
            swr.reset();
            swr.wrId = 1;
            swr.opcode = IbvWrOpcode.RDMA_WRITE;
            swr.sendFlags = IbvSendFlags.SIGNALED;
            swr.remoteAddr = pair.b.mr.addr() + 100;
            swr.rkey = pair.b.mr.rkey();
            swr.sge(pair.a.mr.addr(), writeLength, pair.a.mr.lkey());
            post(pair.a, swr);
            assertStatus(IbvWcStatus.SUCCESS, 1, pair.a.awaitOne(pair.a.sendCq));
            QpKit.assertSameBytes(pair.a.buffer, 0, pair.b.buffer, 100, writeLength, "64 KiB WRITE across the wrap");

            // a 10-packet SEND
            final int sendLength = 10_000;
            QpKit.fill(pair.a.buffer, 131072, sendLength, 22);
            rwr.wrId = 2;
            rwr.sge(pair.b.mr.addr() + 262144, 16384, pair.b.mr.lkey());
            pair.b.qp.postRecv(rwr);
            swr.reset();
            swr.wrId = 3;
            swr.opcode = IbvWrOpcode.SEND_WITH_IMM;
            swr.immData = 0x12345678;
            swr.sendFlags = IbvSendFlags.SIGNALED;
            swr.sge(pair.a.mr.addr() + 131072, sendLength, pair.a.mr.lkey());
            post(pair.a, swr);
            assertStatus(IbvWcStatus.SUCCESS, 3, pair.a.awaitOne(pair.a.sendCq));
            final IbvWc recv = pair.b.awaitOne(pair.b.recvCq);
            assertStatus(IbvWcStatus.SUCCESS, 2, recv);
            assertEquals(sendLength, recv.byteLen);
            assertEquals(0x12345678, recv.immData);
            QpKit.assertSameBytes(pair.a.buffer, 131072, pair.b.buffer, 262144, sendLength, "SEND across the wrap");

            // a 20-packet READ (its responses carry the PSNs of the request's range) and an atomic
            final int readLength = 20_000;
            QpKit.fill(pair.b.buffer, 393216, readLength, 23);
            swr.reset();
            swr.wrId = 4;
            swr.opcode = IbvWrOpcode.RDMA_READ;
            swr.sendFlags = IbvSendFlags.SIGNALED;
            swr.remoteAddr = pair.b.mr.addr() + 393216;
            swr.rkey = pair.b.mr.rkey();
            swr.sge(pair.a.mr.addr() + 524288, readLength, pair.a.mr.lkey());
            post(pair.a, swr);
            pair.b.buffer.set(ValueLayout.JAVA_LONG, 8, 1000L);
            swr.reset();
            swr.wrId = 5;
            swr.opcode = IbvWrOpcode.ATOMIC_FETCH_AND_ADD;
            swr.sendFlags = IbvSendFlags.SIGNALED;
            swr.remoteAddr = pair.b.mr.addr() + 8;
            swr.rkey = pair.b.mr.rkey();
            swr.compareAdd = 5;
            swr.sge(pair.a.mr.addr() + 1000000, 8, pair.a.mr.lkey());
            post(pair.a, swr);
            final List<IbvWc> rd = QpKit.await(pair.a, pair.a.sendCq, 2);
            assertStatus(IbvWcStatus.SUCCESS, 4, rd.get(0));
            assertEquals(IbvWcOpcode.RDMA_READ, rd.get(0).opcode);
            assertStatus(IbvWcStatus.SUCCESS, 5, rd.get(1));
            QpKit.assertSameBytes(pair.b.buffer, 393216, pair.a.buffer, 524288, readLength, "READ across the wrap");
            assertEquals(1000L, pair.a.buffer.get(ValueLayout.JAVA_LONG, 1000000));
            assertEquals(1005L, pair.b.buffer.get(ValueLayout.JAVA_LONG, 8));

            // the other direction wraps too (b's send queue started at the same PSN)
            QpKit.assertWorks(pair, 24);

            final int packets = 64 + 10 + 20 + 1 + 3 + 5; // + the SEND and WRITE a sent in assertWorks
            final QueuePair a = device(pair.a);
            final QueuePair b = device(pair.b);
            final int sent = a.read(q -> q.sendQueue().nextPsn());
            assertEquals((int)b.read(q -> q.responder().expectedPsn()), sent, "the two sides agree");
            assertEquals(Psn.add(start, packets), sent);
            assertTrue(!a.read(q -> q.sendQueue().hasUnacked()));
            assertEquals(0, pair.a.engine.counters().get(EngineCounters.OUT_OF_SEQUENCE_REQUESTS) +
                pair.b.engine.counters().get(EngineCounters.OUT_OF_SEQUENCE_REQUESTS), "nothing was mistaken as out of order");
            assertEquals(0, pair.a.engine.counters().get(EngineCounters.DUPLICATE_RESPONSES) +
                pair.b.engine.counters().get(EngineCounters.DUPLICATE_REQUESTS), "nothing was mistaken as a duplicate");
            QpKit.assertNoEngineErrors(pair);
        }
    }

    @Test
    void manySmallWritesPipelinedThroughTheWrap()
    {
        try (RcPair pair = new RcPair(RcPair.engine("a", "127.0.0.2"), RcPair.engine("b", "127.0.0.3"), ACCESS,
            init -> { }, attr ->
            {
                attr.sqPsn = 0xFFFF00;
                attr.rqPsn = 0xFFFF00;
            }))
        {
            final IbvSendWr swr = new IbvSendWr();
            final int n = 600; // 0xFFFF00 + 600 ends at 0x000158
            for (int i = 0; i < n; i++)
            {
                pair.a.buffer.set(ValueLayout.JAVA_INT, i * 4L, i * 7 + 1);
            }
            for (int i = 0; i < n; i++)
            {
                swr.reset();
                swr.wrId = i;
                swr.opcode = IbvWrOpcode.RDMA_WRITE;
                swr.sendFlags = i == n - 1 ? IbvSendFlags.SIGNALED : 0;
                swr.remoteAddr = pair.b.mr.addr() + i * 4L;
                swr.rkey = pair.b.mr.rkey();
                swr.sge(pair.a.mr.addr() + i * 4L, 4, pair.a.mr.lkey());
                post(pair.a, swr);
            }
            assertStatus(IbvWcStatus.SUCCESS, n - 1, pair.a.awaitOne(pair.a.sendCq));
            QpKit.assertSameBytes(pair.a.buffer, 0, pair.b.buffer, 0, 4 * n, "600 pipelined WRITEs");
            assertEquals(0, pair.b.engine.counters().get(EngineCounters.OUT_OF_SEQUENCE_REQUESTS));
            QpKit.assertNoEngineErrors(pair);
        }
    }

    @Test
    void lossRecoveryAcrossTheWrap()
    {
        final EngineContext ea = RcPair.engine("a", "127.0.0.2").faults(FaultInjector.Config.uniform(0.05, 3));
        final EngineContext eb = RcPair.engine("b", "127.0.0.3").faults(FaultInjector.Config.uniform(0.05, 4));
        try (RcPair pair = new RcPair(ea, eb, ACCESS, init -> { }, attr ->
        {
            attr.sqPsn = 0xFFFFE0;
            attr.rqPsn = 0xFFFFE0;
            attr.timeout = 11;
        }))
        {
            final IbvSendWr swr = new IbvSendWr();
            QpKit.fill(pair.a.buffer, 0, 16 * 16384, 31);
            for (int i = 0; i < 16; i++)
            {
                swr.reset();
                swr.wrId = i;
                swr.opcode = IbvWrOpcode.RDMA_WRITE;
                swr.sendFlags = IbvSendFlags.SIGNALED;
                swr.remoteAddr = pair.b.mr.addr() + i * 16384L;
                swr.rkey = pair.b.mr.rkey();
                swr.sge(pair.a.mr.addr() + i * 16384L, 16384, pair.a.mr.lkey());
                post(pair.a, swr);
            }
            final List<IbvWc> wcs = QpKit.await(pair.a, pair.a.sendCq, 16);
            for (int i = 0; i < 16; i++)
            {
                assertStatus(IbvWcStatus.SUCCESS, i, wcs.get(i));
            }
            QpKit.assertSameBytes(pair.a.buffer, 0, pair.b.buffer, 0, 16 * 16384, "WRITEs through the wrap with loss");
            // and READs back across it
            swr.reset();
            swr.wrId = 99;
            swr.opcode = IbvWrOpcode.RDMA_READ;
            swr.sendFlags = IbvSendFlags.SIGNALED;
            swr.remoteAddr = pair.b.mr.addr();
            swr.rkey = pair.b.mr.rkey();
            swr.sge(pair.a.mr.addr() + 524288, 65536, pair.a.mr.lkey());
            post(pair.a, swr);
            assertStatus(IbvWcStatus.SUCCESS, 99, pair.a.awaitOne(pair.a.sendCq));
            QpKit.assertSameBytes(pair.b.buffer, 0, pair.a.buffer, 524288, 65536, "READ through the wrap with loss");
            final long injected = pair.a.engine.counters().get(EngineCounters.FAULT_DROPPED) +
                pair.b.engine.counters().get(EngineCounters.FAULT_DROPPED);
            assertTrue(injected > 0, "the fault injector dropped something");
            QpKit.assertNoEngineErrors(pair);
        }
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Timers on a hand-advanced clock

    private static final long START = 1_000_000_000L;
    /** The TX pipeline scans timers at most every 50 us: advancing this far past a deadline always reaches it. */
    private static final long SCAN = 50_000;

    private static void driveFor(final SoftnicEngine engine, final Duration d)
    {
        final long until = System.nanoTime() + d.toNanos();
        while (System.nanoTime() < until)
        {
            engine.drive();
        }
    }

    private static void driveUntil(final BooleanSupplier done, final Runnable drive, final String what)
    {
        final long until = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        boolean reached;
        while (!(reached = done.getAsBoolean()) && System.nanoTime() < until)
        {
            drive.run();
        }
        assertTrue(reached, what);
    }

    /**
     * A QP whose peer never answers (nothing listens on 127.0.0.5) with timeout 8 (4.096 us * 2^8 = 1.049 ms) and
     * the given retry_cnt. IBTA: retry_cnt is the number of retries after the first transmission, so the requester
     * sees retry_cnt + 1 timeouts, resends retry_cnt times, and the last timeout completes with RETRY_EXC_ERR.
     */
    @ParameterizedTest(name = "retry_cnt={0}")
    @ValueSource(ints = {0, 1, 3, 7})
    void retransmissionTimerCountsRetriesExactly(final int retryCnt)
    {
        final CachedNanoClock clock = new CachedNanoClock();
        clock.update(START);
        final EngineContext ec = new EngineContext().name("timer").port("127.0.0.2")
            .threadingMode(ThreadingMode.INVOKER).numCompVectors(1).clock(clock);
        try (SoftnicEngine engine = SoftnicEngine.launch(ec))
        {
            final IbvContext ctx = engine.open();
            final IbvPd pd = ctx.allocPd();
            final IbvCq cq = ctx.createCq(64, 0);
            final MemorySegment buffer = ctx.allocateBuffer(4096);
            final IbvMr mr = pd.regMr(buffer, ACCESS);
            final IbvQp qp = QpKit.createQp(pd, cq, cq, init -> { });
            QpKit.connect(qp, 0x7F000005, 16, 0x10, 0x20, attr ->
            {
                attr.timeout = 8;
                attr.retryCnt = retryCnt;
            });
            final EngineCounters counters = engine.counters();
            final long timeout = Transport.ackTimeoutNanos(8);
            assertEquals(1_048_576L, timeout);

            final IbvSendWr swr = new IbvSendWr();
            swr.wrId = 42;
            swr.opcode = IbvWrOpcode.RDMA_WRITE;
            swr.sendFlags = IbvSendFlags.SIGNALED;
            swr.remoteAddr = 0x1000;
            swr.rkey = 0x100;
            swr.sge(mr.addr(), 100, mr.lkey());
            qp.postSend(swr);
            swr.wrId = 43; // behind it: flushed when the first gives up
            qp.postSend(swr);
            final IbvWc[] wcs = {new IbvWc(), new IbvWc()};
            driveUntil(() -> counters.snapshot().get("port1_tx_packets") == 2, engine::drive, "first transmission");

            long armedAt = START;
            for (int k = 0; k <= retryCnt; k++)
            {
                clock.update(armedAt + timeout - 1);
                driveFor(engine, Duration.ofMillis(2));
                assertEquals(k, counters.get(EngineCounters.RETRANSMIT_TIMEOUTS), "1 ns before timeout " + (k + 1));
                assertEquals(0, cq.poll(wcs, 2));

                clock.update(armedAt + timeout + SCAN);
                driveFor(engine, Duration.ofMillis(2));
                assertEquals(k + 1, counters.get(EngineCounters.RETRANSMIT_TIMEOUTS), "timeout " + (k + 1));
                armedAt = clock.nanoTime();
                if (k < retryCnt)
                {
                    assertEquals(2L * (k + 1), counters.get(EngineCounters.RETRANSMITTED_PACKETS), "retry " + (k + 1));
                    assertEquals(2L * (k + 2), counters.snapshot().get("port1_tx_packets"));
                    assertEquals(0, cq.poll(wcs, 2), "no completion before the retries are used up");
                    assertEquals(IbvQpState.RTS, QpKit.state(qp));
                }
            }
            assertEquals(2, cq.poll(wcs, 2));
            assertStatus(IbvWcStatus.RETRY_EXC_ERR, 42, wcs[0]);
            assertStatus(IbvWcStatus.WR_FLUSH_ERR, 43, wcs[1]);
            assertEquals(retryCnt + 1, counters.get(EngineCounters.RETRANSMIT_TIMEOUTS));
            assertEquals(2L * retryCnt, counters.get(EngineCounters.RETRANSMITTED_PACKETS));
            assertEquals(IbvQpState.ERR, QpKit.state(qp));

            // and nothing more happens, however long we wait
            clock.update(clock.nanoTime() + 1000 * timeout);
            driveFor(engine, Duration.ofMillis(2));
            assertEquals(retryCnt + 1, counters.get(EngineCounters.RETRANSMIT_TIMEOUTS));
            assertEquals(0, engine.errors());
        }
    }

    @Test
    void timeoutZeroWaitsForever()
    {
        final CachedNanoClock clock = new CachedNanoClock();
        clock.update(START);
        final EngineContext ec = new EngineContext().name("timer").port("127.0.0.2")
            .threadingMode(ThreadingMode.INVOKER).numCompVectors(1).clock(clock);
        try (SoftnicEngine engine = SoftnicEngine.launch(ec))
        {
            final IbvContext ctx = engine.open();
            final IbvPd pd = ctx.allocPd();
            final IbvCq cq = ctx.createCq(64, 0);
            final IbvMr mr = pd.regMr(ctx.allocateBuffer(4096), ACCESS);
            final IbvQp qp = QpKit.createQp(pd, cq, cq, init -> { });
            QpKit.connect(qp, 0x7F000005, 16, 0, 0, attr ->
            {
                attr.timeout = 0;
                attr.retryCnt = 0;
            });
            final IbvSendWr swr = new IbvSendWr();
            swr.opcode = IbvWrOpcode.RDMA_WRITE;
            swr.sendFlags = IbvSendFlags.SIGNALED;
            swr.sge(mr.addr(), 8, mr.lkey());
            qp.postSend(swr);
            for (int hour = 1; hour <= 24; hour++)
            {
                clock.update(START + hour * 3_600_000_000_000L);
                driveFor(engine, Duration.ofMillis(1));
            }
            assertEquals(0, engine.counters().get(EngineCounters.RETRANSMIT_TIMEOUTS));
            assertEquals(0, cq.poll(new IbvWc[] {new IbvWc()}, 1));
            assertEquals(IbvQpState.RTS, QpKit.state(qp));
        }
    }

    /**
     * The ACK of a WRITE is lost (taken off a's socket before a reads it): a times out and resends, b sees a
     * duplicate and must acknowledge it again, and the WRITE completes after exactly one timeout. Both engines run in
     * INVOKER mode on one hand-advanced clock, so nothing happens unless the test drives it.
     */
    @ParameterizedTest(name = "{0} bytes")
    @ValueSource(ints = {100, 3000})
    void lostAckIsRecoveredByTheDuplicatesReAck(final int length)
    {
        final CachedNanoClock clock = new CachedNanoClock();
        clock.update(START);
        try (RcPair pair = new RcPair(RcPair.engine("a", "127.0.0.2", ThreadingMode.INVOKER).clock(clock),
            RcPair.engine("b", "127.0.0.3", ThreadingMode.INVOKER).clock(clock), ACCESS, init -> { }, attr ->
            {
                attr.timeout = 8;
                attr.retryCnt = 3;
            }))
        {
            final EngineCounters a = pair.a.engine.counters();
            final EngineCounters b = pair.b.engine.counters();
            final int packets = (length + 1023) / 1024;
            QpKit.fill(pair.a.buffer, 0, length, 41);
            final IbvSendWr swr = new IbvSendWr();
            swr.wrId = 8;
            swr.opcode = IbvWrOpcode.RDMA_WRITE;
            swr.sendFlags = IbvSendFlags.SIGNALED;
            swr.remoteAddr = pair.b.mr.addr() + 64;
            swr.rkey = pair.b.mr.rkey();
            swr.sge(pair.a.mr.addr(), length, pair.a.mr.lkey());
            pair.a.qp.postSend(swr);
            driveUntil(() -> a.snapshot().get("port1_tx_packets") == packets, pair.a.engine::drive, "WRITE sent");
            driveUntil(() -> b.get(EngineCounters.ACKS_SENT) == 1, pair.b.engine::drive, "b acknowledged");
            QpKit.assertSameBytes(pair.a.buffer, 0, pair.b.buffer, 64, length, "WRITE landed");

            driveUntil(() -> pair.a.engine.port(0).receive() > 0, () -> { }, "the ACK reached a's socket");
            assertEquals(0x11, pair.a.engine.port(0).received().buffer(0).get(java.lang.foreign.ValueLayout.JAVA_BYTE, 0)
                & 0xFF, "an RC ACKNOWLEDGE was taken off the wire");

            final long timeout = Transport.ackTimeoutNanos(8);
            clock.update(START + timeout + SCAN);
            final IbvWc[] wc = {new IbvWc()};
            driveUntil(() -> pair.a.sendCq.poll(wc, 1) == 1, () -> pair.b.engine.drive(), "the WRITE completed");
            assertStatus(IbvWcStatus.SUCCESS, 8, wc[0]);
            assertEquals(1, a.get(EngineCounters.RETRANSMIT_TIMEOUTS));
            assertEquals(packets, a.get(EngineCounters.RETRANSMITTED_PACKETS));
            assertTrue(b.get(EngineCounters.DUPLICATE_REQUESTS) >= 1);
            assertEquals(2, b.get(EngineCounters.ACKS_SENT), "the duplicate was acknowledged again");
            QpKit.assertNoEngineErrors(pair);
        }
    }

    /**
     * The RNR wait is the responder's min_rnr_timer (code 14 = 1.28 ms), measured from the RNR NAK: not a
     * nanosecond earlier, and promptly after. Both engines run in INVOKER mode on the same hand-advanced clock.
     */
    @Test
    void rnrWaitHonoursTheRespondersTimer()
    {
        final CachedNanoClock clock = new CachedNanoClock();
        clock.update(START);
        try (RcPair pair = new RcPair(RcPair.engine("a", "127.0.0.2", ThreadingMode.INVOKER).clock(clock),
            RcPair.engine("b", "127.0.0.3", ThreadingMode.INVOKER).clock(clock), ACCESS, init -> { }, attr ->
            {
                attr.minRnrTimer = 14;
                attr.rnrRetry = 7;
            }))
        {
            final Runnable both = () ->
            {
                pair.a.engine.drive();
                pair.b.engine.drive();
            };
            final EngineCounters a = pair.a.engine.counters();
            final EngineCounters b = pair.b.engine.counters();
            final long wait = Aeth.rnrTimerNanos(14);
            assertEquals(1_280_000L, wait);

            final IbvSendWr swr = new IbvSendWr();
            swr.wrId = 5;
            swr.opcode = IbvWrOpcode.SEND;
            swr.sendFlags = IbvSendFlags.SIGNALED;
            swr.sge(pair.a.mr.addr(), 100, pair.a.mr.lkey());
            pair.a.qp.postSend(swr);
            driveUntil(() -> a.get(EngineCounters.RNR_NAK_RECEIVED) == 1, both, "first RNR NAK");

            long nakAt = START;
            for (int round = 1; round <= 3; round++)
            {
                clock.update(nakAt + wait - 1);
                final long until = System.nanoTime() + Duration.ofMillis(3).toNanos();
                while (System.nanoTime() < until)
                {
                    both.run();
                }
                assertEquals(round - 1, a.get(EngineCounters.RNR_RETRIES), "resent before the RNR timer ran out");
                assertEquals(round, b.get(EngineCounters.RNR_NAK_SENT));

                clock.update(nakAt + wait + SCAN);
                final int r = round;
                driveUntil(() -> a.get(EngineCounters.RNR_NAK_RECEIVED) == r + 1, both, "RNR NAK " + (round + 1));
                assertEquals(round, a.get(EngineCounters.RNR_RETRIES));
                nakAt = clock.nanoTime();
            }
            final IbvRecvWr rwr = new IbvRecvWr();
            rwr.wrId = 6;
            rwr.sge(pair.b.mr.addr(), 4096, pair.b.mr.lkey());
            pair.b.qp.postRecv(rwr);
            clock.update(nakAt + wait + SCAN);
            assertStatus(IbvWcStatus.SUCCESS, 5, pair.a.awaitOne(pair.a.sendCq));
            assertStatus(IbvWcStatus.SUCCESS, 6, pair.b.awaitOne(pair.b.recvCq));
            assertEquals(4, a.get(EngineCounters.RNR_RETRIES));
            assertEquals(0, a.get(EngineCounters.RETRANSMIT_TIMEOUTS), "RNR waits are not ACK timeouts");
            QpKit.assertNoEngineErrors(pair);
        }
    }
}
