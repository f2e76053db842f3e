package io.softnic.bench.compare;

/** What one peer measured for one workload: a stream's rates or a ping-pong's round trips. */
public sealed interface Measurement permits Measurement.Throughput, Measurement.RoundTrip
{
    /** Messages and bytes delivered per second, counted where they arrive. */
    record Throughput(double msgsPerSec, double bytesPerSec) implements Measurement
    {
    }

    /** Round-trip times of one message there and back: median and 99th percentile, in microseconds. */
    record RoundTrip(double p50Us, double p99Us, long samples) implements Measurement
    {
    }
}
