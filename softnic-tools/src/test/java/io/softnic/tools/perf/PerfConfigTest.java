package io.softnic.tools.perf;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

@Timeout(10)
class PerfConfigTest
{
    private static PerfConfig run(final int qps, final int txDepth)
    {
        return new PerfConfig(PerfTest.WRITE_BW, List.of(64), 100, 0, qps, txDepth, 4096, false,
            AtomicOp.FETCH_AND_ADD, PerfConfig.DEFAULT_CM_PORT, false, CqOptions.POLLING);
    }

    @Test
    void ackTimeoutIsPerftestsUntilManyRequestsAreInFlight()
    {
        assertEquals(14, run(1, 128).ackTimeout());
        assertEquals(14, run(32, 128).ackTimeout());
        assertEquals(15, run(64, 128).ackTimeout());
        assertEquals(15, run(1024, 8).ackTimeout());
        assertEquals(18, run(16384, 8).ackTimeout(), "capped");
        assertEquals(12, run(16384, 8).withQpTimeout(12).ackTimeout(), "-u wins");
        assertEquals(12, run(16384, 8).withQpTimeout(12).withDuration(3).ackTimeout(), "kept by the with* copies");
    }

    @Test
    void buffersShrinkPerQpWithManyQpsButHoldAMessageEach()
    {
        assertEquals(PerfConfig.bufferBytes(PerfTest.WRITE_BW, 1, 128, 65536),
            new BufferLayout(PerfTest.WRITE_BW, 1, 128, 65536).length());
        final BufferLayout many = new BufferLayout(PerfTest.WRITE_BW, 16384, 8, 64);
        assertEquals(8, many.slots(64));
        assertTrue(many.length() < 16L << 20, "16384 QPs of 64 B writes: " + many.length());
        final BufferLayout big = new BufferLayout(PerfTest.WRITE_BW, 16384, 8, 65536);
        assertEquals(1, big.slots(65536));
        assertTrue(big.regionOffset(16383) + big.dataLength() <= big.length());
        assertTrue(big.regionOffset(0) >= 2L * ControlMessage.bytesFor(16384), "control area before the regions");
    }
}
