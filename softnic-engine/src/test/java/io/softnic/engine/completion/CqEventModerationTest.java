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
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Arming and coalescing of one CQ's events, deterministic: a manual clock, the moderation timer driven by hand, the
 * EQ read directly.
 */
@Timeout(value = 10, unit = TimeUnit.SECONDS)
class CqEventModerationTest
{
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
    private final CompletionQueue cq = new CompletionQueue(7, 0, cqRing, counters, eq, timer, clock);
    private long eqHead;
    private long cqConsumer;

    @AfterEach
    void tearDown()
    {
        counters.close();
        arena.close();
    }

    private void complete(final int n)
    {
        complete(n, SUCCESS, false, 1);
    }

    private void complete(final int n, final int status, final boolean solicited, final int outstanding)
    {
        for (int i = 0; i < n; i++)
        {
            assertTrue(cq.complete(i, status, IbvWcOpcode.RECV, 0, 33, 0, 0, 0, solicited, outstanding));
        }
        cqConsumer = cqRing.producerAcquire(); // the tenant polls them
        cqRing.consumerRelease(cqConsumer);
    }

    /** The count of the next event on the EQ, or -1 if there is none. */
    private int nextEvent()
    {
        final EventRing ring = eq.ring();
        if (!ring.available(eqHead))
        {
            return -1;
        }
        final long at = ring.entryOffset(eqHead);
        assertEquals(7, Eqe.cqn(ring.region(), at), "the event names the CQ");
        assertEquals(33, Eqe.qpn(ring.region(), at), "and the connection that closed the batch");
        eqHead++;
        ring.advance(eqHead);
        return Eqe.count(ring.region(), at);
    }

    private void arm(final boolean solicitedOnly)
    {
        CqNotify.arm(cqMemory, solicitedOnly ? CqNotify.ARM_SOLICITED : CqNotify.ARM_NEXT);
    }

    @Test
    void anUnarmedCqPostsNoEvent()
    {
        complete(5);
        assertEquals(-1, nextEvent());
        assertEquals(0, eq.events());
    }

    @Test
    void armingIsOneShot()
    {
        arm(false);
        complete(1);
        assertEquals(1, nextEvent());
        assertEquals(0, CqNotify.armed(cqMemory), "the event took the arm");
        complete(3);
        assertEquals(-1, nextEvent(), "no event until armed again");
        arm(false);
        complete(1);
        assertEquals(4, nextEvent(), "the event stands for every completion since the last event");
        assertEquals(2, CqNotify.events(cqMemory));
        assertEquals(2, counters.get(EngineCounters.CQ_EVENTS));
    }

    @Test
    void solicitedOnlyFiresOnSolicitedOrUnsuccessfulCompletionsOnly()
    {
        arm(true);
        complete(3, SUCCESS, false, 1);
        assertEquals(-1, nextEvent(), "unsolicited successful completions do not fire a solicited-only arm");
        assertTrue(CqNotify.armed(cqMemory) != 0);
        complete(1, SUCCESS, true, 1);
        assertEquals(4, nextEvent(), "a solicited one does");

        arm(true);
        complete(1, ERROR, false, 1);
        assertEquals(1, nextEvent(), "so does an unsuccessful one, as the IBTA says");

        arm(true);
        arm(false);
        complete(1, SUCCESS, false, 1);
        assertEquals(1, nextEvent(), "asking for the next completion as well covers any completion");
    }

    @Test
    void countThresholdPostsOneEventPerBatch()
    {
        cq.moderation(CqModeration.fixed(100, 4));
        arm(false);
        complete(3);
        assertEquals(-1, nextEvent());
        complete(1);
        assertEquals(4, nextEvent(), "the 4th completion closes the batch: one event for four");
        timer.doWork();
        assertEquals(0, timer.watched(), "the timer let go of the batch the count closed");
        assertEquals(-1, nextEvent(), "and posted nothing for it");
    }

    @Test
    void timeThresholdPostsTheBatchFromTheDutyCycle()
    {
        cq.moderation(CqModeration.fixed(10, 16));
        arm(false);
        complete(2);
        assertEquals(0, timer.doWork() - 1, "the timer took the CQ over (one hand-over, no event)");
        clock.advanceMicros(9);
        assertEquals(0, timer.doWork(), "9 us: not yet");
        assertEquals(-1, nextEvent());
        clock.advanceMicros(1);
        assertEquals(1, timer.doWork(), "10 us after the first completion: the event goes out");
        assertEquals(2, nextEvent());
        assertEquals(1, counters.get(EngineCounters.CQ_MODERATION_TIMEOUTS));
        assertEquals(0, timer.doWork());
    }

    @Test
    void whicheverThresholdComesFirst()
    {
        cq.moderation(CqModeration.fixed(10, 3));
        arm(false);
        complete(1);
        clock.advanceMicros(5);
        complete(2);
        assertEquals(3, nextEvent(), "count first");
        arm(false);
        complete(1);
        timer.doWork();
        clock.advanceMicros(10);
        timer.doWork();
        assertEquals(1, nextEvent(), "time first");
    }

    @Test
    void moderationIsSettablePerEqAndPerCqAtRunTime()
    {
        eq.moderation(CqModeration.fixed(50, 2));
        cq.applyModeration();
        assertEquals(50, CqNotify.usecs(cqMemory), "the CQ follows its EQ and shows it");
        assertEquals(2, CqNotify.frames(cqMemory));
        arm(false);
        complete(1);
        assertEquals(-1, nextEvent());
        complete(1);
        assertEquals(2, nextEvent());

        cq.moderation(CqModeration.fixed(50, 5));
        assertEquals(5, CqNotify.frames(cqMemory), "the CQ's own setting overrides the EQ's");
        arm(false);
        complete(4);
        assertEquals(-1, nextEvent());
        complete(1);
        assertEquals(5, nextEvent());

        cq.moderation(null);
        assertEquals(2, CqNotify.frames(cqMemory), "null: back to the EQ's");
        cq.moderation(CqModeration.NONE);
        arm(false);
        complete(1);
        assertEquals(1, nextEvent(), "moderation off: an event per armed completion");
    }

    @Test
    void outstandingModeWaitsForHalfOfWhatIsOutstanding()
    {
        cq.moderation(CqModeration.outstanding(1_000, 64));
        arm(false);
        complete(1, SUCCESS, false, 16);
        complete(6, SUCCESS, false, 15);
        assertEquals(-1, nextEvent(), "16 outstanding: the threshold is 8");
        complete(1, SUCCESS, false, 9);
        assertEquals(8, nextEvent());

        arm(false);
        complete(1, SUCCESS, false, 1);
        assertEquals(1, nextEvent(), "one outstanding: an event at once, no waiting at low load");

        arm(false);
        complete(1, SUCCESS, false, 1000);
        complete(62, SUCCESS, false, 999);
        assertEquals(-1, nextEvent());
        complete(1, SUCCESS, false, 900);
        assertEquals(64, nextEvent(), "capped at the frames setting");
    }

    @Test
    void adaptiveModeStepsUpUnderLoadAndCountsItsProfileChanges()
    {
        cq.moderation(CqModeration.adaptive());
        assertEquals(0, CqNotify.profile(cqMemory));
        int completionsPerEvent = 1;
        // a load that grows: each window of 64 events carries more completions in the same time
        for (int window = 0; window < 6; window++)
        {
            for (int e = 0; e < AdaptiveModeration.SAMPLE_EVENTS; e++)
            {
                arm(false);
                complete(completionsPerEvent);
                clock.advanceMicros(20);
                timer.doWork();
                while (nextEvent() >= 0)
                {
                    // the handler takes the event
                }
            }
            completionsPerEvent *= 2;
        }
        assertTrue(cq.adaptiveProfile() > 0, "a rising completion rate moves to more moderation");
        assertTrue(CqNotify.profileChanges(cqMemory) > 0);
        assertEquals(CqNotify.profileChanges(cqMemory), counters.get(EngineCounters.CQ_PROFILE_CHANGES));
        assertEquals(CqNotify.profileChanges(cqMemory), eq.profileChanges());
        assertEquals(AdaptiveModeration.PROFILE_FRAMES[cq.adaptiveProfile()], CqNotify.frames(cqMemory),
            "the CQ header shows the profile in force");
    }

    @Test
    void aDestroyedCqPostsNothingMore()
    {
        cq.moderation(CqModeration.fixed(10, 8));
        arm(false);
        complete(2);
        cq.destroy();
        clock.advanceMicros(100);
        timer.doWork();
        assertEquals(-1, nextEvent());
        assertFalse(timer.watched() > 0);
    }
}
