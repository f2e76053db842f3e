package io.softnic.engine.cm;

import org.agrona.concurrent.NanoClock;

/** Real time plus an offset the test moves forward, to make long CM timeouts pass at once. */
final class TestClock implements NanoClock
{
    private volatile long offset;

    @Override
    public long nanoTime()
    {
        return System.nanoTime() + offset;
    }

    synchronized void advanceMillis(final long millis)
    {
        offset += millis * 1_000_000L;
    }
}
