package io.softnic.tools.perf;

/**
 * One row of a bandwidth table: message size, iterations (per QP as perftest counts them, or the total when the run
 * was timed), peak and average bandwidth in bytes per second and the message rate in millions per second.
 */
public record BandwidthResult(int size, long iterations, double peakBytesPerSec, double avgBytesPerSec,
    double msgRateMpps)
{
    /** MiB/s as perftest's MB/sec (format factor 0x100000), or Gb/s with --report_gbits (factor 125000000). */
    public static double inUnits(final double bytesPerSec, final boolean gbits)
    {
        return gbits ? bytesPerSec / 125_000_000.0 : bytesPerSec / 1_048_576.0;
    }
}
