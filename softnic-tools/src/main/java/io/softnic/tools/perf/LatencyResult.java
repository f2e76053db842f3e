package io.softnic.tools.perf;

import org.HdrHistogram.Histogram;

/** One row of a latency table, in microseconds; t_typical is the median, as perftest's. */
public record LatencyResult(int size, long iterations, double minUs, double maxUs, double typicalUs, double avgUs,
    double stdevUs, double p99Us, double p999Us)
{
    /** From samples recorded in nanoseconds; ping-pong tests divide their round trips by two. */
    static LatencyResult of(final int size, final long iterations, final Histogram h, final int rttFactor)
    {
        if (h.getTotalCount() == 0)
        {
            return new LatencyResult(size, iterations, 0, 0, 0, 0, 0, 0, 0);
        }
        final double f = 1000.0 * rttFactor;
        return new LatencyResult(size, iterations,
            h.getMinValue() / f, h.getMaxValue() / f, h.getValueAtPercentile(50) / f, h.getMean() / f,
            h.getStdDeviation() / f, h.getValueAtPercentile(99) / f, h.getValueAtPercentile(99.9) / f);
    }

    double[] toStats()
    {
        return new double[] {minUs, maxUs, typicalUs, avgUs, stdevUs, p99Us, p999Us};
    }

    static LatencyResult fromStats(final int size, final long iterations, final ControlMessage m)
    {
        return new LatencyResult(size, iterations, m.stat(0), m.stat(1), m.stat(2), m.stat(3), m.stat(4), m.stat(5),
            m.stat(6));
    }
}
