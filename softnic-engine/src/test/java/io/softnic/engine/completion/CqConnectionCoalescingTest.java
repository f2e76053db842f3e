package io.softnic.engine.completion;

import io.softnic.engine.counters.EngineCounters;
import io.softnic.hostif.CqNotify;
import io.softnic.hostif.Cqe;
import io.softnic.hostif.Eqe;
import io.softnic.hostif.EventRing;
import io.softnic.hostif.HostRing;
import io.softnic.verbs.CqModeration;
import io.softnic.verbs.IbvWcOpcode;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.management.ManagementFactory;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Seed 6, deterministic: completions are coalesced per connection and CQ, each batch posts one EQE naming its
 * connection, the CQ's one-shot arm lets one EQE out per arm and batches that miss it wait for the re-arm; the rx and
 * tx thresholds apply to receive and send completions. A manual clock, the moderation timer driven by hand.
 */
@Timeout(value = 10, unit = TimeUnit.SECONDS)
class CqConnectionCoalescingTest
{
    private static final int A = 0x101;
    private static final int B = 0x102;
    private static final int C = 0x103;
    private static final int SUCCESS = 0;
    private static final int ERROR = 5;

    private final EngineCounters counters = EngineCounters.create(null);
    private final Arena arena = Arena.ofShared();
    private final ManualClock clock = new ManualClock();
    private final ModerationTimer timer = new ModerationTimer(16, clock);
    private final EventQueue eq = new EventQueue(0,
        new EventRing(arena.allocate(EventRing.bytesFor(64), 64), 64), counters, EventQueue.VectorCounters.NONE,
        CqModeration.NONE);
    private final MemorySegment cqMemory = arena.allocate(HostRing.bytesFor(Cqe.LENGTH, 1024), 64);
    private final HostRing cqRing = new HostRing(cqMemory, Cqe.LENGTH, 1024);
    private final CompletionQueue cq = new CompletionQueue(9, 0, cqRing, counters, eq, timer, clock);
    private long eqHead;

    /** One EQE as read by the handler. */
    private record Event(int qpn, int count)
    {
    }

    @AfterEach
    void tearDown()
    {
        counters.close();
        arena.close();
    }

    private void recv(final int qpn, final int n)
    {
        complete(qpn, n, IbvWcOpcode.RECV, SUCCESS, false);
    }

    private void send(final int qpn, final int n)
    {
        complete(qpn, n, IbvWcOpcode.RDMA_WRITE, SUCCESS, false);
    }

    private void complete(final int qpn, final int n, final int opcode, final int status, final boolean solicited)
    {
        for (int i = 0; i < n; i++)
        {
            assertTrue(cq.complete(i, status, opcode, 0, qpn, 0, 0, 0, solicited, 1));
        }
        cqRing.consumerRelease(cqRing.producerAcquire()); // the tenant polls them
    }

    private Event next()
    {
        final EventRing ring = eq.ring();
        if (!ring.available(eqHead))
        {
            return null;
        }
        final long at = ring.entryOffset(eqHead);
        assertEquals(9, Eqe.cqn(ring.region(), at), "the event names the CQ");
        final Event e = new Event(Eqe.qpn(ring.region(), at), Eqe.count(ring.region(), at));
        eqHead++;
        ring.advance(eqHead);
        return e;
    }

    private void arm()
    {
        CqNotify.arm(cqMemory, CqNotify.ARM_NEXT);
    }

    private void advance(final int micros)
    {
        clock.advanceMicros(micros);
        timer.doWork();
    }

    @Test
    void twoConnectionsOnOneCqCoalesceIndependently()
    {
        cq.moderation(CqModeration.fixed(20, 4));
        arm();
        recv(A, 1);
        advance(5);
        recv(B, 1);
        assertEquals(2, cq.openBatches(), "each connection has its own batch open");
        recv(A, 2);
        recv(B, 1);
        assertNull(next(), "neither connection reached 4 completions: the interleaving does not add them up");
        recv(A, 1);
        assertEquals(new Event(A, 4), next(), "A's 4th completion closes A's batch: one EQE naming A, for its 4");
        assertEquals(0, CqNotify.armed(cqMemory), "the EQE took the arm");
        assertEquals(2, cq.pending(B), "B's batch is untouched");

        advance(19);
        assertNull(next());
        assertEquals(0, cq.waitingBatches(),
            "24 us: B's time (20 us from its first completion, at 5 us) has not passed");
        advance(1);
        assertNull(next(), "B's time ran out, but the CQ is not armed");
        assertEquals(1, cq.waitingBatches(), "B's batch waits for the re-arm, its state kept");
        recv(B, 3);
        assertEquals(5, cq.pending(B), "and keeps counting");
        assertNull(next());

        arm();
        timer.doWork();
        assertEquals(new Event(B, 5), next(), "the re-arm lets B's batch out: its time threshold, its own count");
        assertNull(next(), "one EQE per arm");
        assertEquals(0, cq.openBatches());
        assertEquals(1, counters.get(EngineCounters.CQ_MODERATION_TIMEOUTS));
        assertEquals(9, eq.completions(), "the per-connection counts add up to exactly the completions");
        assertEquals(2, eq.events());
    }

    @Test
    void aWaitingBatchGoesOutAtTheNextCompletionOfAnyConnectionAfterTheReArm()
    {
        cq.moderation(CqModeration.fixed(10, 3));
        arm();
        recv(A, 1);
        recv(B, 1);
        advance(10);
        assertEquals(new Event(A, 1), next(), "A's time came first (A opened first and is first ready)");
        assertEquals(1, cq.waitingBatches(), "B's time passed in the same duty cycle: it waits for the arm");
        arm();
        recv(C, 1);
        assertEquals(new Event(B, 1), next(), "re-armed: the next completion, of any connection, lets B out");
        assertNull(next(), "one EQE per arm");
        assertEquals(1, cq.pending(C));
        assertEquals(1, cq.openBatches(), "C's completion opened C's batch under the arm B then took: C waits for "
            + "its own thresholds and a later arm");
        advance(10);
        assertNull(next());
        arm();
        timer.doWork();
        assertEquals(new Event(C, 1), next());
    }

    @Test
    void batchesOpenedUnderOneArmEachGetAnEqeOnLaterArmsNothingLost()
    {
        cq.moderation(CqModeration.fixed(100, 2));
        arm();
        recv(A, 1);
        recv(B, 1);
        recv(C, 1);
        assertEquals(3, cq.openBatches(), "one arm opens the batch of every connection completing while it is set");
        recv(C, 1);
        recv(B, 1);
        recv(A, 1);
        assertEquals(new Event(C, 2), next(), "C was first to its threshold and took the arm");
        assertNull(next());
        assertEquals(2, cq.waitingBatches());
        arm();
        timer.doWork();
        assertEquals(new Event(B, 2), next(), "waiting batches go out in the order they became ready");
        timer.doWork();
        assertNull(next(), "one per arm");
        arm();
        recv(A, 1);
        assertEquals(new Event(A, 3), next(), "A's batch counted what came while it waited");
        assertEquals(0, cq.openBatches());
        assertEquals(7, eq.completions());
    }

    @Test
    void completionsOfAConnectionBeforeTheArmAreCarriedIntoItsNextEqe()
    {
        cq.moderation(CqModeration.fixed(10, 2));
        recv(A, 3);
        recv(B, 2);
        assertEquals(0, cq.openBatches(), "nothing opens while disarmed");
        arm();
        recv(B, 1);
        recv(B, 1);
        assertEquals(new Event(B, 4), next(), "B's EQE carries its two from before the arm");
        assertEquals(3, cq.pending(A));
        arm();
        recv(A, 1);
        advance(10);
        assertEquals(new Event(A, 4), next());
    }

    @Test
    void rxAndTxThresholdsApplyToTheirKind()
    {
        cq.moderation(CqModeration.fixed(100, 2, 10, 8));
        assertEquals(100, CqNotify.usecs(cqMemory), "rx-usecs");
        assertEquals(2, CqNotify.frames(cqMemory), "rx-frames");
        assertEquals(10, CqNotify.txUsecs(cqMemory), "tx-usecs");
        assertEquals(8, CqNotify.txFrames(cqMemory), "tx-frames");

        arm();
        send(A, 2);
        assertNull(next(), "two send completions are far from tx-frames 8");
        recv(B, 2);
        assertEquals(new Event(B, 2), next(), "two receive completions reach rx-frames 2");

        arm();
        send(A, 5);
        assertNull(next(), "7 of 8");
        send(A, 1);
        assertEquals(new Event(A, 8), next(),
            "the 8th send completion (counted from the batch's first) reaches tx-frames");

        arm();
        send(A, 1);
        advance(10);
        assertEquals(new Event(A, 1), next(), "tx-usecs 10");
        arm();
        recv(A, 1);
        advance(10);
        assertNull(next(), "rx-usecs is 100");
        advance(90);
        assertEquals(new Event(A, 1), next());

        arm();
        recv(A, 1);
        send(A, 1);
        advance(10);
        assertEquals(new Event(A, 2), next(), "one batch for both kinds: the earlier deadline (tx) posts it with both");
    }

    @Test
    void aKindWithModerationOffPostsAtOnceTheOtherStaysModerated()
    {
        cq.moderation(CqModeration.fixed(50, 16).withRx(0, 1));
        assertTrue(!cq.moderation().symmetric());
        arm();
        send(A, 3);
        assertNull(next());
        recv(A, 1);
        assertEquals(new Event(A, 4), next(), "rx off: a receive posts the connection's batch at once, sends included");
        arm();
        recv(B, 1);
        assertEquals(new Event(B, 1), next());
        arm();
        send(B, 1);
        assertNull(next(), "tx still moderated");
        advance(50);
        assertEquals(new Event(B, 1), next());
    }

    @Test
    void separateRxAndTxThresholdsAreSettablePerEqAtRunTimeAndTheSinglePairMeansBoth()
    {
        eq.moderation(CqModeration.fixed(30, 3, 5, 6));
        cq.applyModeration();
        assertEquals(30, CqNotify.usecs(cqMemory));
        assertEquals(3, CqNotify.frames(cqMemory));
        assertEquals(5, CqNotify.txUsecs(cqMemory));
        assertEquals(6, CqNotify.txFrames(cqMemory));
        arm();
        recv(A, 3);
        assertEquals(new Event(A, 3), next(), "the CQ follows its EQ's rx pair");
        arm();
        send(A, 1);
        advance(5);
        assertEquals(new Event(A, 1), next(), "and its tx pair");

        final CqModeration both = CqModeration.fixed(40, 4);
        assertEquals(new CqModeration(CqModeration.FIXED, 40, 4, 40, 4), both);
        assertEquals(40, both.usecs());
        assertEquals(4, both.frames());
        cq.moderation(both);
        assertEquals(4, CqNotify.frames(cqMemory));
        assertEquals(4, CqNotify.txFrames(cqMemory), "one pair is both");
        arm();
        send(A, 3);
        recv(A, 1);
        assertNull(next(), "3 sends and 1 receive: neither kind has 4");
        send(A, 1);
        assertEquals(new Event(A, 5), next());
    }

    @Test
    void outstandingModeFollowsEachConnectionsOwnOutstandingRequests()
    {
        cq.moderation(CqModeration.outstanding(1_000, 64));
        arm();
        for (int i = 0; i < 8; i++)
        {
            assertTrue(cq.complete(i, SUCCESS, IbvWcOpcode.RDMA_WRITE, 0, A, 0, 0, 0, false, 16 - i));
            assertTrue(cq.complete(i, SUCCESS, IbvWcOpcode.RDMA_WRITE, 0, B, 0, 0, 0, false, 4 - i % 2));
        }
        cqRing.consumerRelease(cqRing.producerAcquire());
        assertEquals(new Event(B, 2), next(), "B had 4 outstanding: an event after 2");
        assertNull(next(), "A (16 outstanding, threshold 8) took no arm from B");
        arm();
        timer.doWork();
        assertEquals(new Event(A, 8), next(), "A reached its threshold of 8 and waited for the re-arm");
        arm();
        timer.doWork();
        assertNull(next(), "B's 6 completions after its event opened nothing: they came while disarmed");
        assertEquals(6, cq.pending(B));
    }

    @Test
    void aSolicitedOnlyArmLetsOutOnlyAWaitingBatchWithASolicitedOrFailedCompletion()
    {
        cq.moderation(CqModeration.fixed(100, 2));
        arm();
        recv(A, 1);
        recv(B, 1);
        recv(C, 1);
        recv(A, 1);
        assertEquals(new Event(A, 2), next());
        recv(B, 1);
        complete(C, 1, IbvWcOpcode.RECV, SUCCESS, true);
        assertEquals(2, cq.waitingBatches());
        CqNotify.arm(cqMemory, CqNotify.ARM_SOLICITED);
        timer.doWork();
        assertEquals(new Event(C, 2), next(), "B is first but holds nothing solicited: C goes");
        CqNotify.arm(cqMemory, CqNotify.ARM_SOLICITED);
        timer.doWork();
        assertNull(next(), "B still has nothing that fires a solicited-only arm");
        complete(B, 1, IbvWcOpcode.RECV, ERROR, false);
        assertEquals(new Event(B, 3), next(), "an unsuccessful completion does");
    }

    @Test
    void destroyingAConnectionDropsItsBatchTheOthersCarryOn()
    {
        cq.moderation(CqModeration.fixed(10, 2));
        cq.bind(A);
        cq.bind(B);
        arm();
        recv(A, 1);
        recv(B, 1);
        cq.unbind(A);
        assertEquals(1, cq.openBatches());
        advance(10);
        assertEquals(new Event(B, 1), next());
        assertEquals(0, cq.pending(A));
        assertEquals(0, timer.watched());
    }

    @Test
    void coalescingAllocatesNothingPerCompletion()
    {
        cq.moderation(CqModeration.fixed(5, 8, 7, 4));
        cq.bind(A);
        cq.bind(B);
        cq.bind(C);
        final com.sun.management.ThreadMXBean threads =
            (com.sun.management.ThreadMXBean)ManagementFactory.getThreadMXBean();
        run(20_000); // warm up: the active array and the timer's array reach their size, the code is compiled
        final long before = threads.getCurrentThreadAllocatedBytes();
        run(100_000);
        final long allocated = threads.getCurrentThreadAllocatedBytes() - before;
        assertTrue(allocated < 4096, "allocated " + allocated + " bytes for 100000 completions");
    }

    private void run(final int completions)
    {
        final int[] qpns = {A, B, C};
        for (int i = 0; i < completions; i++)
        {
            if ((i & 7) == 0)
            {
                CqNotify.arm(cqMemory, CqNotify.ARM_NEXT);
            }
            cq.complete(i, SUCCESS, (i & 1) == 0 ? IbvWcOpcode.RECV : IbvWcOpcode.SEND, 0, qpns[i % 3], 0, 0, 0,
                false, 1);
            if ((i & 3) == 0)
            {
                clock.advanceMicros(1);
                timer.doWork();
            }
            cqRing.consumerRelease(cqRing.producerAcquire());
            final EventRing ring = eq.ring();
            while (ring.available(eqHead))
            {
                eqHead++;
                ring.advance(eqHead);
            }
        }
    }
}
