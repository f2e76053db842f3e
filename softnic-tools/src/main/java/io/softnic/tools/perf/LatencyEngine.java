package io.softnic.tools.perf;

import org.HdrHistogram.Histogram;

/**
 * The loop of every *_lat test: one exchange at a time, each sample into an HdrHistogram (preallocated, so the loop
 * allocates nothing). The active side samples each exchange from its post to its completion; a ping-pong's passive
 * side samples the time between its consecutive answers, as perftest does with its posting timestamps.
 */
final class LatencyEngine
{
    private static final long MAX_NANOS = 60_000_000_000L;

    private final Histogram histogram = new Histogram(1, MAX_NANOS, 3);

    /** Runs one round; returns the number of exchanges. Passive timed rounds end when the client's DONE arrives. */
    long run(final LatencyOp op, final boolean active, final long iters, final long durationNanos)
    {
        histogram.reset();
        final boolean timed = durationNanos > 0;
        final long deadline = System.nanoTime() + durationNanos;
        long previous = -1;
        long i = 0;
        while (true)
        {
            if (active ? (timed ? System.nanoTime() >= deadline : i >= iters) : !timed && i >= iters)
            {
                break;
            }
            if (!op.exchange(i + 1))
            {
                break;
            }
            i++;
            if (active)
            {
                record(op.completedAt() - op.postedAt());
            }
            else
            {
                if (previous >= 0)
                {
                    record(op.postedAt() - previous);
                }
                previous = op.postedAt();
            }
        }
        op.drain();
        return i;
    }

    LatencyResult result(final int size, final long iterations, final int rttFactor)
    {
        return LatencyResult.of(size, iterations, histogram, rttFactor);
    }

    private void record(final long nanos)
    {
        histogram.recordValue(Math.clamp(nanos, 1, MAX_NANOS));
    }
}
