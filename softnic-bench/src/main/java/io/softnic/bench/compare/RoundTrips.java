package io.softnic.bench.compare;

import io.softnic.bench.compare.Measurement.RoundTrip;
import org.HdrHistogram.Histogram;

/** The ping side of a ping-pong: warm-up round trips, then each one timed into a preallocated HdrHistogram. */
final class RoundTrips
{
    private static final long MAX_NANOS = 60_000_000_000L;

    /** Sends one message and returns when its echo has arrived. */
    interface Exchange
    {
        void roundTrip() throws Exception;
    }

    private RoundTrips()
    {
    }

    static RoundTrip measure(final Settings settings, final Workers workers, final Exchange exchange)
        throws Exception
    {
        final Histogram histogram = new Histogram(1, MAX_NANOS, 3);
        final long warmEnd = System.nanoTime() + settings.warmupNanos();
        long n = 0;
        while (System.nanoTime() - warmEnd < 0)
        {
            exchange.roundTrip();
            if ((++n & 1023) == 0)
            {
                workers.checkAlive();
            }
        }
        final long end = System.nanoTime() + settings.durationNanos();
        long now;
        do
        {
            final long start = System.nanoTime();
            exchange.roundTrip();
            now = System.nanoTime();
            histogram.recordValue(Math.clamp(now - start, 1, MAX_NANOS));
            if ((++n & 1023) == 0)
            {
                workers.checkAlive();
            }
        }
        while (now - end < 0);
        return of(histogram);
    }

    static RoundTrip of(final Histogram h)
    {
        return new RoundTrip(h.getValueAtPercentile(50) / 1000.0, h.getValueAtPercentile(99) / 1000.0,
            h.getTotalCount());
    }
}
