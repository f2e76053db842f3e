package io.softnic.engine.completion;

import io.softnic.engine.counters.EngineCounters;
import io.softnic.hostif.CqNotify;
import io.softnic.hostif.Cqe;
import io.softnic.hostif.Eqe;
import io.softnic.hostif.EventRing;
import io.softnic.hostif.HostRing;
import io.softnic.verbs.CqModeration;
import io.softnic.verbs.IbvWcOpcode;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Per-connection coalescing never loses a completion nor counts one twice: whatever the thresholds (rx and tx, any
 * mode, changed at run time on the CQ or its EQ), the connections, the interleaving of completions of both kinds,
 * solicited or failed, arms of both kinds, clock steps and timer duty cycles, at every step each connection's EQE
 * counts plus what it still has pending equal its completions, every EQE names a connection and stands for at least
 * one completion, an armed CQ posts at most one EQE per arm, and once the tenant keeps re-arming every completion
 * has been reported in exactly one EQE.
 */
class CqCoalescingPropertyTest
{
    private static final int[] QPNS = {0x11, 0x12, 0x13, 0x14};

    @Property(tries = 1000)
    void noCompletionIsLostOrCountedTwice(
        @ForAll @IntRange(min = 0, max = 3) final int mode,
        @ForAll @IntRange(min = 0, max = 40) final int rxUsecs,
        @ForAll @IntRange(min = 0, max = 24) final int rxFrames,
        @ForAll @IntRange(min = 0, max = 40) final int txUsecs,
        @ForAll @IntRange(min = 0, max = 24) final int txFrames,
        @ForAll final boolean onEq,
        @ForAll @Size(max = 400) final List<@IntRange(min = 0, max = 99_999) Integer> ops)
    {
        try (EngineCounters counters = EngineCounters.create(null); Arena arena = Arena.ofConfined())
        {
            final ManualClock clock = new ManualClock();
            final ModerationTimer timer = new ModerationTimer(4, clock);
            final EventQueue eq = new EventQueue(0,
                new EventRing(arena.allocate(EventRing.bytesFor(64), 64), 64), counters,
                EventQueue.VectorCounters.NONE, CqModeration.NONE);
            final MemorySegment cqMemory = arena.allocate(HostRing.bytesFor(Cqe.LENGTH, 256), 64);
            final HostRing cqRing = new HostRing(cqMemory, Cqe.LENGTH, 256);
            final CompletionQueue cq = new CompletionQueue(3, 0, cqRing, counters, eq, timer, clock);
            final Run run = new Run(cq, cqRing, cqMemory, eq, timer, clock);
            cq.bind(QPNS[0]);
            cq.bind(QPNS[1]); // the others get their batch on first use
            run.moderate(new CqModeration(mode, rxUsecs, rxFrames, txUsecs, txFrames), onEq);

            for (final int op : ops)
            {
                run.step(op);
                run.check();
            }
            // the tenant keeps re-arming (and its connections keep completing) until everything was reported
            for (int round = 0; round < 64 && run.anyPending(); round++)
            {
                run.arm(CqNotify.ARM_NEXT);
                for (int i = 0; i < QPNS.length; i++)
                {
                    if (cq.pending(QPNS[i]) > 0)
                    {
                        run.complete(i, false, false, false, 1);
                    }
                }
                clock.advanceMicros(1_000);
                timer.doWork();
                run.drain();
                run.check();
            }
            for (int i = 0; i < QPNS.length; i++)
            {
                assertEquals(run.completed[i], run.reported[i], "connection " + i + ": every completion reported once");
                assertEquals(0, cq.pending(QPNS[i]));
            }
            assertEquals(0, eq.overflows());
            assertEquals(run.total(), eq.completions(), "the EQ's completion counter agrees");
            assertEquals(run.events, eq.events());
            timer.doWork();
            assertEquals(0, timer.watched(), "nothing left to watch");
        }
    }

    private static final class Run
    {
        final CompletionQueue cq;
        final HostRing cqRing;
        final MemorySegment cqMemory;
        final EventQueue eq;
        final ModerationTimer timer;
        final ManualClock clock;
        final long[] completed = new long[QPNS.length];
        final long[] reported = new long[QPNS.length];
        long events;
        long arms;
        long eqHead;

        Run(final CompletionQueue cq, final HostRing cqRing, final MemorySegment cqMemory, final EventQueue eq,
            final ModerationTimer timer, final ManualClock clock)
        {
            this.cq = cq;
            this.cqRing = cqRing;
            this.cqMemory = cqMemory;
            this.eq = eq;
            this.timer = timer;
            this.clock = clock;
        }

        void moderate(final CqModeration m, final boolean onEq)
        {
            if (onEq)
            {
                eq.moderation(m);
                cq.applyModeration();
            }
            else
            {
                cq.moderation(m);
            }
        }

        void step(final int op)
        {
            final int r = op % 100;
            final int x = op / 100;
            if (r < 55)
            {
                complete(x % QPNS.length, (x / 4) % 2 == 0, (x / 8) % 4 == 0, (x / 32) % 6 == 0, 1 + x % 32);
            }
            else if (r < 70)
            {
                clock.advanceMicros(x % 30);
                timer.doWork();
            }
            else if (r < 76)
            {
                timer.doWork();
            }
            else if (r < 88)
            {
                arm(CqNotify.ARM_NEXT);
            }
            else if (r < 95)
            {
                arm(CqNotify.ARM_SOLICITED);
            }
            else
            {
                moderate(new CqModeration(x % 4, x % 37, (x / 4) % 20, (x / 7) % 29, (x / 11) % 17), (x & 1) == 0);
            }
            drain();
        }

        /** Arms the CQ; counts the arms that found it disarmed (an arm on an armed CQ adds no event). */
        void arm(final int how)
        {
            if (CqNotify.armed(cqMemory) == 0)
            {
                arms++;
            }
            CqNotify.arm(cqMemory, how);
        }

        void complete(final int i, final boolean send, final boolean solicited, final boolean failed,
            final int outstanding)
        {
            assertTrue(cq.complete(completed[i], failed ? 5 : 0, send ? IbvWcOpcode.RDMA_WRITE : IbvWcOpcode.RECV, 0,
                QPNS[i], 0, 0, 0, solicited, outstanding));
            completed[i]++;
            cqRing.consumerRelease(cqRing.producerAcquire());
        }

        void drain()
        {
            final EventRing ring = eq.ring();
            while (ring.available(eqHead))
            {
                final long at = ring.entryOffset(eqHead);
                assertEquals(3, Eqe.cqn(ring.region(), at));
                final int qpn = Eqe.qpn(ring.region(), at);
                final int count = Eqe.count(ring.region(), at);
                int i = 0;
                while (i < QPNS.length && QPNS[i] != qpn)
                {
                    i++;
                }
                assertTrue(i < QPNS.length, "the EQE names one of the connections: " + qpn);
                assertTrue(count > 0, "an EQE stands for at least one completion");
                reported[i] += count;
                events++;
                eqHead++;
                ring.advance(eqHead);
            }
        }

        void check()
        {
            for (int i = 0; i < QPNS.length; i++)
            {
                assertEquals(completed[i], reported[i] + cq.pending(QPNS[i]),
                    "connection " + i + ": reported + pending = completed");
            }
            assertTrue(events <= arms, "one EQE per arm at most: " + events + " events, " + arms + " arms");
        }

        boolean anyPending()
        {
            for (final int qpn : QPNS)
            {
                if (cq.pending(qpn) > 0)
                {
                    return true;
                }
            }
            return false;
        }

        long total()
        {
            long sum = 0;
            for (final long c : completed)
            {
                sum += c;
            }
            return sum;
        }
    }
}
