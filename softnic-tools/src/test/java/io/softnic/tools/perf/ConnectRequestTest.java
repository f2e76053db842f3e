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
}
