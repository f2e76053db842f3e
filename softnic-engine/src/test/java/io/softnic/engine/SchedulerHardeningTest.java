package io.softnic.engine;

import io.softnic.engine.counters.EngineCounters;
import io.softnic.engine.rc.QueuePair;
import io.softnic.verbs.IbvQp;
import io.softnic.verbs.IbvQpAttr;
import io.softnic.verbs.IbvQpAttrMask;
import io.softnic.verbs.IbvQpState;
import io.softnic.verbs.IbvSendFlags;
import io.softnic.verbs.IbvSendWr;
import io.softnic.verbs.IbvWrOpcode;
import io.softnic.verbs.VerbsException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What a review of the context cache, the look-ahead scheduler and the bus found and what now holds (INVOKER: the
 * test drives the engines): a doorbell cannot announce work that was never posted; a destroyed QP's context is never
 * loaded again (its record may already be another QP's); QP churn does not use up the bus's flows; a QP reset with
 * work on the wire leaves no timer behind.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class SchedulerHardeningTest
{
    @Test
    void aDoorbellAnnouncingMoreThanWasPostedRunsOnlyWhatWasPosted()
    {
        try (RcPair pair = new RcPair(RcPair.engine("h-a", "127.0.0.65", ThreadingMode.INVOKER),
            RcPair.engine("h-b", "127.0.0.66", ThreadingMode.INVOKER)))
        {
            final EngineCounters c = pair.a.engine.counters();
            final long requests = c.get(EngineCounters.LOOKAHEAD_WORK_REQUESTS);
            // a forged entry: 1000 requests announced on a QP with nothing posted
            assertTrue(pair.a.engine.controlPlane().doorbell().ring(pair.a.qp.qpNum(), 1000));
            for (int i = 0; i < 20; i++)
            {
                pair.a.engine.drive();
            }
            assertEquals(requests, c.get(EngineCounters.LOOKAHEAD_WORK_REQUESTS), "nothing posted, nothing run");
            QpKit.assertWorks(pair, 7); // and the QP still carries data both ways
            QpKit.assertNoEngineErrors(pair);
        }
    }

    @Test
    void aDestroyedQpsContextIsNeverLoadedAgainAndItsRecordServesTheNextQp()
    {
        try (RcPair pair = new RcPair(RcPair.engine("h-c", "127.0.0.67", ThreadingMode.INVOKER),
            RcPair.engine("h-d", "127.0.0.68", ThreadingMode.INVOKER)))
        {
            final IbvQp doomed = QpKit.createQp(pair.a.pd, pair.a.sendCq, pair.a.recvCq, init -> { });
            final QueuePair device = pair.a.engine.controlPlane().qp(doomed.qpNum());
            doomed.close();
            assertThrows(VerbsException.class, () -> device.read(QueuePair::state), "a destroyed QP's context");
            final IbvQp next = QpKit.createQp(pair.a.pd, pair.a.sendCq, pair.a.recvCq, init -> { });
            final IbvQpAttr attr = new IbvQpAttr();
            attr.qpState = IbvQpState.INIT;
            attr.portNum = 1;
            attr.qpAccessFlags = io.softnic.verbs.IbvAccess.LOCAL_WRITE;
            next.modify(attr, IbvQpAttrMask.RC_RESET_TO_INIT);
            assertThrows(VerbsException.class, () -> device.read(QueuePair::state));
            pair.a.engine.controlPlane().contexts().flush();
            assertEquals(IbvQpState.INIT, QpKit.state(next), "the new QP's record is its own");
        }
    }

    @Test
    void qpChurnDoesNotUseUpTheBusFlows()
    {
        // room for 4 QPs and no named flows: each QP's own flow must go with it
        try (RcPair pair = new RcPair(RcPair.engine("h-e", "127.0.0.69", ThreadingMode.INVOKER).maxQps(4)
            .maxBusFlows(0), RcPair.engine("h-f", "127.0.0.70", ThreadingMode.INVOKER)))
        {
            for (int i = 0; i < 40; i++)
            {
                final IbvQp qp = QpKit.createQp(pair.a.pd, pair.a.sendCq, pair.a.recvCq, init -> { });
                QpKit.connect(qp, pair.b.ipv4(), pair.b.qp.qpNum(), 1, 1, a -> { }); // made ready: queues a turn
                pair.a.engine.drive();
                qp.close();
                pair.a.engine.drive();
            }
            QpKit.assertWorks(pair, 9);
            QpKit.assertNoEngineErrors(pair);
            assertEquals(0, pair.a.engine.errors());
        }
    }

    @Test
    void aQpResetWithWorkOnTheWireLeavesNoTimerBehind()
    {
        try (RcPair pair = new RcPair(RcPair.engine("h-g", "127.0.0.71", ThreadingMode.INVOKER),
            RcPair.engine("h-h", "127.0.0.72", ThreadingMode.INVOKER), io.softnic.verbs.IbvAccess.LOCAL_WRITE |
            io.softnic.verbs.IbvAccess.ALL_REMOTE, init -> { }, attr -> attr.timeout = 1))
        {
            final IbvSendWr wr = new IbvSendWr();
            wr.opcode = IbvWrOpcode.RDMA_WRITE;
            wr.sendFlags = IbvSendFlags.SIGNALED;
            wr.remoteAddr = pair.b.mr.addr();
            wr.rkey = pair.b.mr.rkey();
            wr.sge(pair.a.mr.addr(), 64, pair.a.mr.lkey());
            pair.a.qp.postSend(wr);
            pair.a.engine.drive(); // sent; b is never driven, so it stays unacknowledged with a deadline armed
            final IbvQpAttr reset = new IbvQpAttr();
            reset.qpState = IbvQpState.RESET;
            pair.a.qp.modify(reset, IbvQpAttrMask.STATE);
            for (int i = 0; i < 50; i++)
            {
                pair.a.engine.drive();
                java.util.concurrent.locks.LockSupport.parkNanos(100_000); // past its 8 us timeout many times
            }
            final long accesses = pair.a.engine.controlPlane().contexts().accesses();
            for (int i = 0; i < 50; i++)
            {
                pair.a.engine.drive();
                java.util.concurrent.locks.LockSupport.parkNanos(100_000);
            }
            assertEquals(accesses, pair.a.engine.controlPlane().contexts().accesses(),
                "a QP in RESET is not looked at by the timers");
            assertEquals(0, pair.a.engine.controlPlane().timers().pending());
            assertEquals(0, pair.a.sendCq.poll(new io.softnic.verbs.IbvWc[] {new io.softnic.verbs.IbvWc()}, 1),
                "RESET discards without completions");
        }
    }

    @Test
    void qpsInErrAreNotLoadedByTheFlushPassUntilSomethingIsPostedToThem()
    {
        try (RcPair pair = new RcPair(RcPair.engine("h-i", "127.0.0.73", ThreadingMode.INVOKER).contextCacheSize(1),
            RcPair.engine("h-j", "127.0.0.74", ThreadingMode.INVOKER)))
        {
            final java.util.List<IbvQp> errored = new java.util.ArrayList<>();
            final IbvQpAttr toErr = new IbvQpAttr();
            toErr.qpState = IbvQpState.ERR;
            for (int i = 0; i < 8; i++)
            {
                final IbvQp qp = QpKit.createQp(pair.a.pd, pair.a.sendCq, pair.a.recvCq, init -> { });
                qp.modify(toErr, IbvQpAttrMask.STATE);
                errored.add(qp);
            }
            driveForMillis(pair, 5); // the first pass flushes each of them once
            final long accesses = pair.a.engine.controlPlane().contexts().accesses();
            driveForMillis(pair, 10);
            assertEquals(accesses, pair.a.engine.controlPlane().contexts().accesses(),
                "eight QPs in ERR with nothing posted, one cache line: no pass loads them");
            final io.softnic.verbs.IbvRecvWr recv = new io.softnic.verbs.IbvRecvWr();
            recv.wrId = 77;
            recv.sge(pair.a.mr.addr(), 64, pair.a.mr.lkey());
            errored.get(3).postRecv(recv);
            final io.softnic.verbs.IbvWc[] wc = {new io.softnic.verbs.IbvWc()};
            int polled = 0;
            for (int i = 0; i < 200 && polled == 0; i++)
            {
                driveForMillis(pair, 1);
                polled = pair.a.recvCq.poll(wc, 1);
            }
            assertEquals(1, polled, "a receive posted to a QP in ERR is still flushed");
            assertEquals(77, wc[0].wrId);
            assertEquals(io.softnic.verbs.IbvWcStatus.WR_FLUSH_ERR, wc[0].status);
            assertEquals(errored.get(3).qpNum(), wc[0].qpNum);
        }
    }

    @Test
    void postsFlushedInErrDoNotHoldBackTheFirstPostAfterReconnecting()
    {
        try (RcPair pair = new RcPair(RcPair.engine("h-k", "127.0.0.75", ThreadingMode.INVOKER),
            RcPair.engine("h-l", "127.0.0.76", ThreadingMode.INVOKER)))
        {
            final QpKit.Link link = new QpKit.Link(pair, init -> init.cap.maxSendWr = 8, attr -> { });
            final IbvQpAttr attr = new IbvQpAttr();
            attr.qpState = IbvQpState.ERR;
            link.a.qp().modify(attr, IbvQpAttrMask.STATE);
            // three rings' worth posted in ERR: all flushed, none of them announced to the scheduler
            final IbvSendWr wr = write(link, 1);
            final io.softnic.verbs.IbvWc[] wc = {new io.softnic.verbs.IbvWc()};
            for (int flushed = 0; flushed < 24; )
            {
                link.a.qp().postSend(wr);
                pair.a.engine.controlPlane().qp(link.a.qp().qpNum()).read(q -> { q.flush(); return null; });
                flushed += link.a.sendCq().poll(wc, 1);
                assertEquals(io.softnic.verbs.IbvWcStatus.WR_FLUSH_ERR, wc[0].status);
            }
            attr.qpState = IbvQpState.RESET;
            link.a.qp().modify(attr, IbvQpAttrMask.STATE);
            QpKit.connect(link.a.qp(), link.b.ipv4(), link.b.qp().qpNum(), 0x5000, 0x7000, a -> { });
            link.a.qp().postSend(write(link, 2));
            int polled = 0;
            for (int i = 0; i < 2000 && polled == 0; i++)
            {
                pair.a.engine.drive();
                pair.b.engine.drive();
                polled = link.a.sendCq().poll(wc, 1);
            }
            assertEquals(1, polled, "the one WRITE posted after reconnecting completes");
            assertEquals(2, wc[0].wrId);
            assertEquals(io.softnic.verbs.IbvWcStatus.SUCCESS, wc[0].status);
        }
    }

    private static IbvSendWr write(final QpKit.Link link, final long wrId)
    {
        final IbvSendWr wr = new IbvSendWr();
        wr.wrId = wrId;
        wr.opcode = IbvWrOpcode.RDMA_WRITE;
        wr.sendFlags = IbvSendFlags.SIGNALED;
        wr.remoteAddr = link.b.mr().addr();
        wr.rkey = link.b.mr().rkey();
        wr.sge(link.a.mr().addr(), 64, link.a.mr().lkey());
        return wr;
    }

    private static void driveForMillis(final RcPair pair, final int millis)
    {
        final long end = System.nanoTime() + millis * 1_000_000L;
        do
        {
            pair.a.engine.drive();
            java.util.concurrent.locks.LockSupport.parkNanos(200_000);
        }
        while (System.nanoTime() - end < 0);
    }
}
