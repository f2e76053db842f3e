package io.softnic.bench;

import io.softnic.wire.Bth;
import io.softnic.wire.Icrc;
import io.softnic.wire.Opcode;
import io.softnic.wire.PacketView;
import io.softnic.wire.Reth;
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
import java.lang.foreign.MemorySegment;
import java.util.concurrent.TimeUnit;

/** Cost of validating and indexing one received packet before anything reads it. */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = "--enable-native-access=ALL-UNNAMED")
public class PacketViewBenchmark
{
    private final PacketView view = new PacketView();
    private MemorySegment packet;
    private int length;

    @Setup
    public void setUp()
    {
        final int opcode = Opcode.RC_RDMA_WRITE_FIRST;
        length = Opcode.headerLength(opcode) + 1024 + Icrc.LENGTH;
        packet = Arena.ofAuto().allocate(length, 64);
        new Bth().wrap(packet, 0).opcode(opcode).pkey(0xFFFF).destQp(17).psn(42);
        new Reth().wrap(packet, Opcode.rethOffset(opcode)).virtualAddress(0x1000).rkey(0x101).dmaLength(8192);
    }

    @Benchmark
    public long wrapAndRead()
    {
        if (view.wrap(packet, 0, length) != PacketView.OK)
        {
            throw new IllegalStateException("benchmark packet is malformed");
        }
        return view.reth().virtualAddress() + view.payloadLength() + view.bth().psn();
    }
}
