package io.softnic.bench.compare;

import io.softnic.bench.compare.Measurement.Throughput;

/**
 * Messages and bytes delivered so far, published by the one receiving thread (after each batch it takes in, not per
 * message) and read by the measuring thread at the start and end of the window: a rate where the data arrives.
 */
final class RateMeter
{
    private volatile long msgs;
    private volatile long bytes;

    /** Receiving thread only: the running totals. */
    void publish(final long totalMsgs, final long totalBytes)
    {
        bytes = totalBytes;
        msgs = totalMsgs;
    }

    /** Lets the workers warm up, then measures over the duration. */
    Throughput measure(final Workers workers, final Settings settings)
    {
        workers.sleep(settings.warmupNanos());
        final long m0 = msgs;
        final long b0 = bytes;
        final long t0 = System.nanoTime();
        workers.sleep(settings.durationNanos());
        final long m1 = msgs;
        final long b1 = bytes;
        final double seconds = (System.nanoTime() - t0) / 1e9;
        if (m1 == m0)
        {
            throw new BenchFailure("nothing arrived in " + String.format("%.1f", seconds) + " s");
        }
        return new Throughput((m1 - m0) / seconds, (b1 - b0) / seconds);
    }
}
