package io.softnic.wire;

import static io.softnic.wire.Opcode.*;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import org.junit.jupiter.api.Test;

class OpcodeTest {
    private static final int[] SUPPORTED = {
        0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f,
        0x10, 0x11, 0x12, 0x13, 0x14, 0x16, 0x17, 0x64, 0x65,
    };

    @Test
    void exactlyTheListedOpcodesAreSupported() {
        int count = 0;
        for (int op = -300; op < 600; op++) {
            if (isSupported(op)) {
                count++;
                final int o = op;
                assertTrue(Arrays.stream(SUPPORTED).anyMatch(s -> s == o), name(op));
            }
        }
        assertEquals(SUPPORTED.length, count);
        for (final int op : SUPPORTED) {
            assertTrue(isSupported(op), name(op));
        }
        assertFalse(isSupported(0x15)); // RESYNC: RD only
        assertEquals(0, flags(0x15));
        assertEquals(0, headerLength(0xFF));
        assertEquals(-1, rethOffset(0x1FF));
        assertEquals("UNKNOWN(0x15)", name(0x15));
        assertEquals("RC_SEND_ONLY", name(RC_SEND_ONLY));
    }

    /** Expected layout per opcode: header length and offset of each extension header (-1 absent). */
    private static void assertLayout(final int opcode, final int headerLength,
                                     final int deth, final int reth, final int atomicEth, final int aeth,
                                     final int atomicAckEth, final int immDt, final int ieth) {
        final String n = name(opcode);
        assertEquals(headerLength, headerLength(opcode), n + " headerLength");
        assertEquals(deth, dethOffset(opcode), n + " deth");
        assertEquals(reth, rethOffset(opcode), n + " reth");
        assertEquals(atomicEth, atomicEthOffset(opcode), n + " atomicEth");
        assertEquals(aeth, aethOffset(opcode), n + " aeth");
        assertEquals(atomicAckEth, atomicAckEthOffset(opcode), n + " atomicAckEth");
        assertEquals(immDt, immDtOffset(opcode), n + " immDt");
        assertEquals(ieth, iethOffset(opcode), n + " ieth");
    }

    @Test
    void headerLayouts() {
        // opcode, len, DETH, RETH, AtomicETH, AETH, AtomicAckETH, ImmDt, IETH
        assertLayout(RC_SEND_FIRST, 12, -1, -1, -1, -1, -1, -1, -1);
        assertLayout(RC_SEND_MIDDLE, 12, -1, -1, -1, -1, -1, -1, -1);
        assertLayout(RC_SEND_LAST, 12, -1, -1, -1, -1, -1, -1, -1);
        assertLayout(RC_SEND_LAST_WITH_IMMEDIATE, 16, -1, -1, -1, -1, -1, 12, -1);
        assertLayout(RC_SEND_ONLY, 12, -1, -1, -1, -1, -1, -1, -1);
        assertLayout(RC_SEND_ONLY_WITH_IMMEDIATE, 16, -1, -1, -1, -1, -1, 12, -1);
        assertLayout(RC_RDMA_WRITE_FIRST, 28, -1, 12, -1, -1, -1, -1, -1);
        assertLayout(RC_RDMA_WRITE_MIDDLE, 12, -1, -1, -1, -1, -1, -1, -1);
        assertLayout(RC_RDMA_WRITE_LAST, 12, -1, -1, -1, -1, -1, -1, -1);
        assertLayout(RC_RDMA_WRITE_LAST_WITH_IMMEDIATE, 16, -1, -1, -1, -1, -1, 12, -1);
        assertLayout(RC_RDMA_WRITE_ONLY, 28, -1, 12, -1, -1, -1, -1, -1);
        assertLayout(RC_RDMA_WRITE_ONLY_WITH_IMMEDIATE, 32, -1, 12, -1, -1, -1, 28, -1);
        assertLayout(RC_RDMA_READ_REQUEST, 28, -1, 12, -1, -1, -1, -1, -1);
        assertLayout(RC_RDMA_READ_RESPONSE_FIRST, 16, -1, -1, -1, 12, -1, -1, -1);
        assertLayout(RC_RDMA_READ_RESPONSE_MIDDLE, 12, -1, -1, -1, -1, -1, -1, -1);
        assertLayout(RC_RDMA_READ_RESPONSE_LAST, 16, -1, -1, -1, 12, -1, -1, -1);
        assertLayout(RC_RDMA_READ_RESPONSE_ONLY, 16, -1, -1, -1, 12, -1, -1, -1);
        assertLayout(RC_ACKNOWLEDGE, 16, -1, -1, -1, 12, -1, -1, -1);
        assertLayout(RC_ATOMIC_ACKNOWLEDGE, 24, -1, -1, -1, 12, 16, -1, -1);
        assertLayout(RC_COMPARE_SWAP, 40, -1, -1, 12, -1, -1, -1, -1);
        assertLayout(RC_FETCH_ADD, 40, -1, -1, 12, -1, -1, -1, -1);
        assertLayout(RC_SEND_LAST_WITH_INVALIDATE, 16, -1, -1, -1, -1, -1, -1, 12);
        assertLayout(RC_SEND_ONLY_WITH_INVALIDATE, 16, -1, -1, -1, -1, -1, -1, 12);
        assertLayout(UD_SEND_ONLY, 20, 12, -1, -1, -1, -1, -1, -1);
        assertLayout(UD_SEND_ONLY_WITH_IMMEDIATE, 24, 12, -1, -1, -1, -1, 20, -1);
    }

    @Test
    void classificationFlags() {
        assertEquals(ONLY, FIRST | LAST);
        assertEquals(FIRST, flags(RC_SEND_FIRST) & ONLY);
        assertEquals(MIDDLE, flags(RC_RDMA_WRITE_MIDDLE) & (ONLY | MIDDLE));
        assertEquals(LAST, flags(RC_RDMA_READ_RESPONSE_LAST) & ONLY);
        assertEquals(ONLY, flags(RC_RDMA_WRITE_ONLY_WITH_IMMEDIATE) & ONLY);
        for (final int op : SUPPORTED) {
            final int f = flags(op);
            assertTrue(((f & REQUEST) != 0) != ((f & RESPONSE) != 0), name(op) + " is request xor response");
            assertEquals(1, Integer.bitCount(f & (SEND | WRITE | READ | ATOMIC)) + ((op == RC_ACKNOWLEDGE) ? 1 : 0),
                name(op) + " has one operation kind (plain ACK none)");
            assertTrue((f & (FIRST | MIDDLE | LAST)) != 0, name(op) + " has a position");
            assertEquals(headerLength(op) % 4, 0, name(op) + " headers are word multiples");
        }
        assertTrue(has(RC_RDMA_READ_RESPONSE_MIDDLE, RESPONSE | READ | HAS_PAYLOAD));
        assertFalse(has(RC_RDMA_READ_REQUEST, HAS_PAYLOAD));
        assertFalse(has(RC_ACKNOWLEDGE, HAS_PAYLOAD));
        assertFalse(has(RC_FETCH_ADD, HAS_PAYLOAD));
        assertTrue(has(RC_ATOMIC_ACKNOWLEDGE, ATOMIC));
        assertTrue(has(UD_SEND_ONLY, UD));
        assertFalse(has(RC_SEND_ONLY, UD));
    }
}
