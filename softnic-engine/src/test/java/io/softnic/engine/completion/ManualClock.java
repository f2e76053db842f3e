package io.softnic.engine.completion;

import org.agrona.concurrent.NanoClock;

/** A clock that only the test moves. */
final class ManualClock implements NanoClock
{
    private volatile long now = 1_000_000_000L;

    @Override
    public long nanoTime()
    {
        return now;
    }

    void advanceMicros(final long micros)
    {
        now += micros * 1_000L;
    }
}
