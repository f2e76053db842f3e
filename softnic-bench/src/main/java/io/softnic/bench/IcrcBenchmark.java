package io.softnic.bench;

import io.softnic.wire.Bth;
import io.softnic.wire.Icrc;
import io.softnic.wire.Opcode;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.concurrent.TimeUnit;

/** Cost of the invariant CRC per packet, which every packet pays twice (sender and receiver). */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = "--enable-native-access=ALL-UNNAMED")
public class IcrcBenchmark
{
    @Param({"64", "1024", "4096"})
    int payload;

    private final Icrc icrc = new Icrc();
    private MemorySegment packet;
    private int length;

    @Setup
    public void setUp()
    {
        length = Opcode.headerLength(Opcode.RC_RDMA_WRITE_ONLY) + payload + Icrc.LENGTH;
        packet = Arena.ofAuto().allocate(length, 64);
        new Bth().wrap(packet, 0).opcode(Opcode.RC_RDMA_WRITE_ONLY).pkey(0xFFFF).destQp(17).psn(42);
        icrc.write(0x7F000002, 0x7F000003, 0xC001, 4791, packet, 0, length);
    }

    @Benchmark
    public boolean check()
    {
        return icrc.check(0x7F000002, 0x7F000003, 0xC001, 4791, packet, 0, length);
    }
}
