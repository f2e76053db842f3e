package io.softnic.bench;

import io.softnic.hostif.DoorbellRing;
import io.softnic.hostif.HostRing;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import java.lang.foreign.Arena;
import java.util.concurrent.TimeUnit;

/** The host-interface primitives a post and a doorbell cost: publish a producer index, ring and drain a doorbell. */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = "--enable-native-access=ALL-UNNAMED")
public class RingBenchmark
{
    private HostRing ring;
    private DoorbellRing doorbell;
    private long producer;
    private long head;

    @Setup
    public void setUp()
    {
        final Arena arena = Arena.ofAuto();
        ring = new HostRing(arena.allocate(HostRing.bytesFor(128, 256), 64), 128, 256);
        doorbell = new DoorbellRing(arena.allocate(DoorbellRing.bytesFor(1024), 64), 1024);
    }

    @Benchmark
    public long publishAndAcquire()
    {
        ring.producerRelease(++producer);
        return ring.producerAcquire();
    }

    @Benchmark
    public int ringAndDrainDoorbell()
    {
        doorbell.ring(17, head + 1);
        final int qpn = doorbell.peek(head);
        doorbell.advance(++head);
        return qpn;
    }
}
