package io.softnic.engine.completion;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The rdma_dim state machine, fed by hand: windows of 64 events at chosen rates. */
@Timeout(value = 10, unit = TimeUnit.SECONDS)
class AdaptiveModerationTest
{
    private final AdaptiveModeration dim = new AdaptiveModeration();
    private long now = 5_000_000_000L;

    /**
     * Events, each for {@code perEvent} completions, {@code gapUs} apart, until the window they fill is decided on;
     * true if the profile changed.
     */
    private boolean window(final int perEvent, final long gapUs)
    {
        final long decided = dim.decisions();
        boolean changed = false;
        while (dim.decisions() == decided)
        {
            now += gapUs * 1_000;
            changed |= dim.onEvent(perEvent, now);
        }
        return changed;
    }

    @Test
    void startsAtTheLeastModeration()
    {
        assertEquals(0, dim.profile());
        assertEquals(1, dim.frames());
        assertEquals(1, dim.usecs());
    }

    @Test
    void aSteadyLoadAtOneCompletionPerEventStaysAtProfileZero()
    {
        for (int i = 0; i < 5; i++)
        {
            assertFalse(window(1, 10));
        }
        assertEquals(0, dim.profile());
    }

    @Test
    void aRisingRateStepsRightOneProfileAtATime()
    {
        window(1, 10);
        int expected = 0;
        int perEvent = 2;
        for (int i = 0; i < 4; i++)
        {
            assertTrue(window(perEvent, 10), "more completions per ms than the last window: better, step");
            expected++;
            assertEquals(expected, dim.profile());
            window(perEvent, 10); // the window that starts measuring after the change
            perEvent *= 2;
        }
        assertEquals(AdaptiveModeration.PROFILE_FRAMES[4], dim.frames());
        assertEquals(AdaptiveModeration.PROFILE_USECS[4], dim.usecs());
    }

    @Test
    void aWorseRateTurnsBackAndFewCompletionsPerEventReturnToZero()
    {
        window(1, 10);
        for (int perEvent = 2; perEvent <= 8; perEvent *= 2)
        {
            window(perEvent, 10);
            window(perEvent, 10);
        }
        assertEquals(3, dim.profile(), "stepped right three times");
        assertTrue(window(1, 40), "a worse rate turns around and steps left");
        assertEquals(2, dim.profile());
        assertTrue(window(1, 40), "the same rate at one completion per event: moderation buys nothing");
        assertEquals(0, dim.profile(), "back to the least moderation at once");
    }

    @Test
    void neverStepsPastTheEdges()
    {
        window(1, 10);
        int perEvent = 2;
        for (int i = 0; i < 30; i++)
        {
            window(perEvent, 10);
            perEvent = Math.min(perEvent * 2, 1 << 20);
            assertTrue(dim.profile() >= 0 && dim.profile() < AdaptiveModeration.PROFILES);
        }
    }
}
