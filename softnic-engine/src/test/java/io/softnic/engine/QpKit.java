package io.softnic.engine;

import io.softnic.engine.counters.EngineCounters;
import io.softnic.engine.rc.QueuePair;
import io.softnic.verbs.IbvAccess;
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
import io.softnic.verbs.IbvWcOpcode;
import io.softnic.verbs.IbvWcStatus;
import io.softnic.verbs.IbvWrOpcode;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Helpers shared by the error, hostile-packet and PSN tests: extra QPs on the engines of an {@link RcPair}, hand
 * connection of any QP, state polling, and a "does this connection still carry data" exchange.
 */
final class QpKit
{
    private QpKit()
    {
    }

    /** One end of a connection: enough to post, poll and check data. */
    record End(RcPair.Side side, IbvPd pd, IbvCq sendCq, IbvCq recvCq, MemorySegment buffer, IbvMr mr, IbvQp qp)
    {
        static End of(final RcPair.Side side)
        {
            return new End(side, side.pd, side.sendCq, side.recvCq, side.buffer, side.mr, side.qp);
        }

        /** The engine's own view of this QP (for expected PSNs and the like). */
        QueuePair device()
        {
            return side.engine.controlPlane().qp(qp.qpNum());
        }

        int ipv4()
        {
            return side.ipv4();
        }
    }

    /** A second, separate connection on the same two engines: its own PDs, CQs, buffers, MRs and QPs. */
    static final class Link
    {
        final End a;
        final End b;

        Link(final RcPair pair, final Consumer<IbvQpInitAttr> qpSetup, final Consumer<IbvQpAttr> tuning)
        {
            a = end(pair.a, qpSetup);
            b = end(pair.b, qpSetup);
            connect(a.qp, b.ipv4(), b.qp.qpNum(), 0x5000, 0x7000, tuning);
            connect(b.qp, a.ipv4(), a.qp.qpNum(), 0x7000, 0x5000, tuning);
        }

        Link(final RcPair pair)
        {
            this(pair, init -> { }, attr -> { });
        }

        /** Destroys both ends: QPs, then MRs, CQs and PDs. */
        void close()
        {
            for (final End e : new End[] {a, b})
            {
                e.qp.close();
                e.mr.close();
                e.sendCq.close();
                e.recvCq.close();
                e.pd.close();
            }
        }

        private static End end(final RcPair.Side side, final Consumer<IbvQpInitAttr> qpSetup)
        {
            final IbvPd pd = side.ctx.allocPd();
            final IbvCq scq = side.ctx.createCq(1024, 0);
            final IbvCq rcq = side.ctx.createCq(1024, 0);
            final MemorySegment buffer = side.ctx.allocateBuffer(256 * 1024);
            final IbvMr mr = pd.regMr(buffer, IbvAccess.LOCAL_WRITE | IbvAccess.ALL_REMOTE);
            final IbvQp qp = createQp(pd, scq, rcq, qpSetup);
            return new End(side, pd, scq, rcq, buffer, mr, qp);
        }
    }

    static IbvQp createQp(final IbvPd pd, final IbvCq sendCq, final IbvCq recvCq, final Consumer<IbvQpInitAttr> setup)
    {
        final IbvQpInitAttr init = new IbvQpInitAttr();
        init.sendCq = sendCq;
        init.recvCq = recvCq;
        init.cap.maxSendWr = 256;
        init.cap.maxRecvWr = 256;
        setup.accept(init);
        return pd.createQp(init);
    }

    /** RESET to RTS against a remote QP, exactly as {@link RcPair#connect} does, for any QP and peer. */
    static void connect(
        final IbvQp qp, final int remoteIpv4, final int remoteQpn, final int sqPsn, final int rqPsn,
        final Consumer<IbvQpAttr> tuning)
    {
        final IbvQpAttr attr = new IbvQpAttr();
        attr.qpState = IbvQpState.INIT;
        attr.pkeyIndex = 0;
        attr.portNum = 1;
        attr.qpAccessFlags = IbvAccess.LOCAL_WRITE | IbvAccess.ALL_REMOTE;
        qp.modify(attr, IbvQpAttrMask.RC_RESET_TO_INIT);
        attr.qpState = IbvQpState.RTR;
        attr.pathMtu = IbvMtu.MTU_1024;
        attr.destQpNum = remoteQpn;
        attr.rqPsn = rqPsn;
        attr.maxDestRdAtomic = 4;
        attr.minRnrTimer = 1;
        attr.ahAttr.dgidIpv4 = remoteIpv4;
        attr.ahAttr.portNum = 1;
        attr.sqPsn = sqPsn;
        attr.timeout = 14;
        attr.retryCnt = 7;
        attr.rnrRetry = 7;
        attr.maxRdAtomic = 4;
        tuning.accept(attr);
        qp.modify(attr, IbvQpAttrMask.RC_INIT_TO_RTR);
        attr.qpState = IbvQpState.RTS;
        qp.modify(attr, IbvQpAttrMask.RC_RTR_TO_RTS);
    }

    static IbvQpState state(final IbvQp qp)
    {
        return qp.query(new IbvQpAttr()).qpState;
    }

    /** Polls the QP's state until it is {@code expected} (the device moves a responder to ERR after its NAK is out). */
    static void awaitState(final IbvQp qp, final IbvQpState expected)
    {
        final long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        IbvQpState s = state(qp);
        while (s != expected && System.nanoTime() < deadline)
        {
            java.util.concurrent.locks.LockSupport.parkNanos(200_000);
            s = state(qp);
        }
        assertEquals(expected, s, "state of QP " + qp.qpNum());
    }

    static IbvWc one(final RcPair.Side side, final IbvCq cq)
    {
        return side.awaitOne(cq);
    }

    static List<IbvWc> await(final RcPair.Side side, final IbvCq cq, final int n)
    {
        final List<IbvWc> wcs = side.await(cq, n, Duration.ofSeconds(10));
        if (wcs.size() != n)
        {
            fail("expected " + n + " completions on CQ " + cq.cqn() + ", got " + wcs + "; counters " +
                side.engine.counters().snapshot());
        }
        return wcs;
    }

    static void assertStatus(final IbvWcStatus expected, final long wrId, final IbvWc wc)
    {
        assertEquals(expected, wc.status, wc.toString());
        assertEquals(wrId, wc.wrId, wc.toString());
    }

    static void fill(final MemorySegment seg, final long offset, final int length, final int seed)
    {
        for (int i = 0; i < length; i++)
        {
            seg.set(ValueLayout.JAVA_BYTE, offset + i, (byte)(seed + i * 31 + (i >>> 8)));
        }
    }

    static void assertSameBytes(
        final MemorySegment x, final long xo, final MemorySegment y, final long yo, final int n, final String what)
    {
        final long at = MemorySegment.mismatch(x, xo, xo + n, y, yo, yo + n);
        assertEquals(-1, at, what + ": bytes differ at offset " + at);
    }

    static byte[] copy(final MemorySegment seg, final long offset, final int n)
    {
        return seg.asSlice(offset, n).toArray(ValueLayout.JAVA_BYTE);
    }

    /**
     * Proves a connection still carries data both ways (b's buffer is touched only from 40 KiB to 200 KiB): SEND a to b, WRITE a to b, READ b from a, SEND b to a, all
     * with data checked byte for byte.
     */
    static void assertWorks(final End a, final End b, final int seed)
    {
        final IbvSendWr swr = new IbvSendWr();
        final IbvRecvWr rwr = new IbvRecvWr();
        final int length = 3000;

        fill(a.buffer, 0, length, seed);
        rwr.wrId = 0x5EED;
        rwr.sge(b.mr.addr() + 65536, 4096, b.mr.lkey());
        b.qp.postRecv(rwr);
        swr.reset();
        swr.wrId = 0xA1;
        swr.opcode = IbvWrOpcode.SEND;
        swr.sendFlags = IbvSendFlags.SIGNALED;
        swr.sge(a.mr.addr(), length, a.mr.lkey());
        a.qp.postSend(swr);
        assertStatus(IbvWcStatus.SUCCESS, 0xA1, one(a.side, a.sendCq));
        final IbvWc recv = one(b.side, b.recvCq);
        assertStatus(IbvWcStatus.SUCCESS, 0x5EED, recv);
        assertEquals(IbvWcOpcode.RECV, recv.opcode);
        assertEquals(length, recv.byteLen);
        assertSameBytes(a.buffer, 0, b.buffer, 65536, length, "SEND payload");

        fill(a.buffer, 8192, 5000, seed + 1);
        swr.reset();
        swr.wrId = 0xA2;
        swr.opcode = IbvWrOpcode.RDMA_WRITE;
        swr.sendFlags = IbvSendFlags.SIGNALED;
        swr.remoteAddr = b.mr.addr() + 131072;
        swr.rkey = b.mr.rkey();
        swr.sge(a.mr.addr() + 8192, 5000, a.mr.lkey());
        a.qp.postSend(swr);
        assertStatus(IbvWcStatus.SUCCESS, 0xA2, one(a.side, a.sendCq));
        assertSameBytes(a.buffer, 8192, b.buffer, 131072, 5000, "WRITE payload");

        fill(a.buffer, 32768, 2000, seed + 2);
        swr.reset();
        swr.wrId = 0xB3;
        swr.opcode = IbvWrOpcode.RDMA_READ;
        swr.sendFlags = IbvSendFlags.SIGNALED;
        swr.remoteAddr = a.mr.addr() + 32768;
        swr.rkey = a.mr.rkey();
        swr.sge(b.mr.addr() + 196608, 2000, b.mr.lkey());
        b.qp.postSend(swr);
        assertStatus(IbvWcStatus.SUCCESS, 0xB3, one(b.side, b.sendCq));
        assertSameBytes(a.buffer, 32768, b.buffer, 196608, 2000, "READ payload");

        fill(b.buffer, 40960, 700, seed + 3);
        rwr.wrId = 0x5EEE;
        rwr.sge(a.mr.addr() + 49152, 1024, a.mr.lkey());
        a.qp.postRecv(rwr);
        swr.reset();
        swr.wrId = 0xB4;
        swr.opcode = IbvWrOpcode.SEND;
        swr.sendFlags = IbvSendFlags.SIGNALED;
        swr.sge(b.mr.addr() + 40960, 700, b.mr.lkey());
        b.qp.postSend(swr);
        assertStatus(IbvWcStatus.SUCCESS, 0xB4, one(b.side, b.sendCq));
        assertStatus(IbvWcStatus.SUCCESS, 0x5EEE, one(a.side, a.recvCq));
        assertSameBytes(b.buffer, 40960, a.buffer, 49152, 700, "reverse SEND payload");
        assertEquals(IbvQpState.RTS, state(a.qp));
        assertEquals(IbvQpState.RTS, state(b.qp));
    }

    static void assertWorks(final RcPair pair, final int seed)
    {
        assertWorks(End.of(pair.a), End.of(pair.b), seed);
    }

    static void assertNoEngineErrors(final RcPair pair)
    {
        assertNoEngineErrors(pair.a.engine);
        assertNoEngineErrors(pair.b.engine);
    }

    /** No agent error and no QP whose processing threw (the pipelines contain those in the QP: count them too). */
    static void assertNoEngineErrors(final SoftnicEngine engine)
    {
        final String name = engine.context().name();
        assertEquals(0, engine.errors(), "engine " + name + " agent errors");
        assertEquals(0, engine.counters().get(EngineCounters.QP_INTERNAL_ERRORS), "engine " + name +
            " qp_internal_errors");
    }

    /** Every counter of {@code after} is at least its value in {@code before}. */
    static void assertCountersGrew(final Map<String, Long> before, final Map<String, Long> after)
    {
        before.forEach((name, value) ->
        {
            final Long now = after.get(name);
            assertTrue(now != null && now >= value, "counter " + name + " went from " + value + " to " + now);
        });
    }
}
