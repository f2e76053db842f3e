package io.softnic.wire;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class AethTest {
    @Test
    void syndromeEncodings() {
        assertEquals(0x00, Aeth.ackSyndrome(0));
        assertEquals(0x1F, Aeth.ackSyndrome(Aeth.CREDITS_INVALID));
        assertEquals(0x20, Aeth.rnrNakSyndrome(0));
        assertEquals(0x3F, Aeth.rnrNakSyndrome(31));
        assertEquals(0x60, Aeth.nakSyndrome(Aeth.NAK_PSN_SEQUENCE_ERROR));
        assertEquals(0x61, Aeth.nakSyndrome(Aeth.NAK_INVALID_REQUEST));
        assertEquals(0x62, Aeth.nakSyndrome(Aeth.NAK_REMOTE_ACCESS_ERROR));
        assertEquals(0x63, Aeth.nakSyndrome(Aeth.NAK_REMOTE_OPERATIONAL_ERROR));
        assertEquals(0x64, Aeth.nakSyndrome(Aeth.NAK_INVALID_RD_REQUEST));
        assertThrows(IllegalArgumentException.class, () -> Aeth.ackSyndrome(32));
        assertThrows(IllegalArgumentException.class, () -> Aeth.nakSyndrome(-1));
    }

    @Test
    void typeAndValueDecodeEverySyndrome() {
        for (int syndrome = 0; syndrome < 256; syndrome++) {
            final int expectedType = switch (syndrome >>> 5) {
                case 0 -> Aeth.TYPE_ACK;
                case 1 -> Aeth.TYPE_RNR_NAK;
                case 3 -> Aeth.TYPE_NAK;
                default -> Aeth.TYPE_RESERVED;
            };
            assertEquals(expectedType, Aeth.type(syndrome), "syndrome 0x" + Integer.toHexString(syndrome));
            assertEquals(syndrome & 0x1F, Aeth.value(syndrome));
        }
        assertEquals(Aeth.TYPE_NAK, Aeth.type(Aeth.nakSyndrome(Aeth.NAK_INVALID_REQUEST)));
        assertEquals(Aeth.NAK_INVALID_REQUEST, Aeth.value(Aeth.nakSyndrome(Aeth.NAK_INVALID_REQUEST)));
        assertEquals(Aeth.TYPE_RNR_NAK, Aeth.type(Aeth.rnrNakSyndrome(14)));
        assertEquals(14, Aeth.value(Aeth.rnrNakSyndrome(14)));
    }

    @Test
    void rnrTimerTable() {
        assertEquals(655_360_000L, Aeth.rnrTimerNanos(0));
        assertEquals(10_000L, Aeth.rnrTimerNanos(1));
        assertEquals(20_000L, Aeth.rnrTimerNanos(2));
        assertEquals(60_000L, Aeth.rnrTimerNanos(5));
        assertEquals(960_000L, Aeth.rnrTimerNanos(13));
        assertEquals(1_280_000L, Aeth.rnrTimerNanos(14));
        assertEquals(10_240_000L, Aeth.rnrTimerNanos(20));
        assertEquals(327_680_000L, Aeth.rnrTimerNanos(30));
        assertEquals(491_520_000L, Aeth.rnrTimerNanos(31));
        for (int code = 2; code < 32; code++) {
            // Strictly increasing from code 1 on; code 0 is the special "longest" value.
            assertEquals(true, Aeth.rnrTimerNanos(code) > Aeth.rnrTimerNanos(code - 1), "code " + code);
        }
    }

    @Test
    void describe() {
        assertEquals("ACK(credits=31)", Aeth.describe(0x1F));
        assertEquals("RNR_NAK(timer=1)", Aeth.describe(0x21));
        assertEquals("NAK(REMOTE_ACCESS_ERROR)", Aeth.describe(0x62));
        assertEquals("RESERVED(0x40)", Aeth.describe(0x40));
    }
}
