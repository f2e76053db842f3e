package io.softnic.tools.perf;

import io.softnic.tools.ToolFailure;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

@Timeout(10)
class ConnectRequestTest
{
    @Test
    void roundTripsWithinRdmaCmsPrivateDataBudget()
    {
        final ConnectRequest r = new ConnectRequest(PerfTest.ATOMIC_BW, 3, 4, AtomicOp.CMP_AND_SWAP, 128, 8,
            new RemoteBuffer(0x7f00_1234_5000L, 0xABCD, 1 << 20));
        final byte[] bytes = r.encode();
        assertTrue(bytes.length <= 48, "keep private data within 48 bytes");
        assertEquals(r, ConnectRequest.decode(Arrays.copyOf(bytes, 56)));
        assertThrows(ToolFailure.class, () -> ConnectRequest.decode(new byte[8]));
        bytes[0] ^= 1;
        assertThrows(ToolFailure.class, () -> ConnectRequest.decode(bytes));
    }

    @Test
    void aServerRefusesARequestForMoreMemoryOrRequestsInFlightThanASideMayTake()
    {
        final RemoteBuffer any = new RemoteBuffer(0x1000, 1, 1 << 20);
        // each field within its own range, the whole too large: 16384 QPs each with room for an 8 MiB message
        final ToolFailure memory = assertThrows(ToolFailure.class, () -> ConnectRequest.decode(
            new ConnectRequest(PerfTest.WRITE_BW, 0, PerfConfig.MAX_QPS, AtomicOp.FETCH_AND_ADD, 1,
                PerfTest.MAX_SIZE, any).encode()));
        assertTrue(memory.getMessage().contains("MiB of registered memory"), memory.getMessage());
        final ToolFailure inFlight = assertThrows(ToolFailure.class, () -> ConnectRequest.decode(
            new ConnectRequest(PerfTest.WRITE_BW, 0, PerfConfig.MAX_QPS, AtomicOp.FETCH_AND_ADD,
                PerfConfig.MAX_TX_DEPTH, 64, any).encode()));
        assertTrue(inFlight.getMessage().contains("requests in flight"), inFlight.getMessage());
    }
}
