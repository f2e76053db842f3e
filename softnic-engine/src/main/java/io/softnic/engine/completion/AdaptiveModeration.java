package io.softnic.engine.completion;

/**
 * Adaptive interrupt moderation in the manner of Linux {@code rdma_dim} (lib/dim/rdma_dim.c): every event feeds the
 * completions it stood for; every {@link #SAMPLE_EVENTS} events the completion rate (completions per millisecond) and
 * the completions per event of the window are compared with the previous window. Better: keep stepping the same way
 * through the profiles; worse: turn around and step; the same at few completions per event: back to the lowest
 * profile. A profile is a time and a count threshold. Pure state, driven by the caller's clock: deterministic.
 */
final class AdaptiveModeration
{
    /** rdma_dim's profiles: {usecs, completions}, from least to most moderation. */
    static final int[] PROFILE_USECS = {1, 1, 2, 2, 4, 16, 16, 32, 32};
    static final int[] PROFILE_FRAMES = {1, 4, 4, 8, 8, 8, 16, 16, 32};
    static final int PROFILES = PROFILE_USECS.length;
    /** Events per sampling window (DIM_NEVENTS). */
    static final int SAMPLE_EVENTS = 64;

    private static final int SAME = 0;
    private static final int BETTER = 1;
    private static final int WORSE = 2;

    private int profile;
    private boolean goingRight = true;
    private boolean measuring;
    private long events;
    private long completions;
    private long startEvents;
    private long startCompletions;
    private long startNanos;
    private long prevCpms;
    private long prevCpe;
    private long decisions;

    void reset()
    {
        profile = 0;
        goingRight = true;
        measuring = false;
        prevCpms = 0;
        prevCpe = 0;
    }

    /** Sampling windows evaluated so far. */
    long decisions()
    {
        return decisions;
    }

    int profile()
    {
        return profile;
    }

    int usecs()
    {
        return PROFILE_USECS[profile];
    }

    int frames()
    {
        return PROFILE_FRAMES[profile];
    }

    /** One event for {@code eventCompletions} completions at {@code nowNanos}; true if the profile changed. */
    boolean onEvent(final long eventCompletions, final long nowNanos)
    {
        events++;
        completions += eventCompletions;
        if (!measuring)
        {
            startSample(nowNanos);
            return false;
        }
        final long nevents = events - startEvents;
        if (nevents < SAMPLE_EVENTS)
        {
            return false;
        }
        final long deltaUs = (nowNanos - startNanos) / 1_000;
        if (deltaUs <= 0)
        {
            return false; // as dim_calc_stats: no time passed, keep measuring
        }
        final long ncomps = completions - startCompletions;
        final long cpms = (ncomps * 1_000 + deltaUs - 1) / deltaUs;
        final long cpe = ncomps * 100 / nevents;
        decisions++;
        final boolean changed = decide(cpms, cpe);
        if (changed)
        {
            measuring = false; // the new profile applies; the next event starts the next window
        }
        else
        {
            startSample(nowNanos);
        }
        return changed;
    }

    private void startSample(final long nowNanos)
    {
        measuring = true;
        startEvents = events;
        startCompletions = completions;
        startNanos = nowNanos;
    }

    private boolean decide(final long cpms, final long cpe)
    {
        final int prev = profile;
        switch (compare(cpms, cpe))
        {
            case SAME ->
            {
                if (cpe <= 50L * prev)
                {
                    profile = 0;
                }
            }
            case WORSE ->
            {
                goingRight = !goingRight;
                stepOrTurn();
            }
            default -> stepOrTurn();
        }
        prevCpms = cpms;
        prevCpe = cpe;
        return profile != prev;
    }

    private void stepOrTurn()
    {
        if (goingRight ? profile == PROFILES - 1 : profile == 0)
        {
            goingRight = !goingRight; // on the edge
            return;
        }
        profile += goingRight ? 1 : -1;
    }

    private int compare(final long cpms, final long cpe)
    {
        if (prevCpms == 0)
        {
            return SAME; // first window
        }
        if (significant(cpms, prevCpms))
        {
            return cpms > prevCpms ? BETTER : WORSE;
        }
        if (significant(cpe, prevCpe))
        {
            return cpe > prevCpe ? BETTER : WORSE;
        }
        return SAME;
    }

    /** More than 10% apart (IS_SIGNIFICANT_DIFF). */
    private static boolean significant(final long value, final long ref)
    {
        return ref != 0 && 100 * Math.abs(value - ref) / ref > 10;
    }
}
