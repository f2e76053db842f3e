package io.softnic.wire;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashSet;
import java.util.Set;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import org.junit.jupiter.api.Test;

class RoceUdpTest {
    @Property(tries = 1000)
    void sourcePortIsInEntropyRange(@ForAll final int qpn) {
        final int port = RoceUdp.sourcePort(qpn);
        assertTrue(port >= 0xC000 && port <= 0xFFFF, Integer.toHexString(port));
        assertEquals(port, RoceUdp.sourcePort(qpn));
    }

    @Test
    void matchesKnuthMultiplicativeHash() {
        // hash_32(qpn, 14) = (qpn * 0x61C88647) >>> 18, computed in 64-bit arithmetic here.
        for (final int qpn : new int[] {0, 1, 2, 17, 0x123, 0xFFFFFF}) {
            final long product = (qpn * 0x61C88647L) & 0xFFFFFFFFL;
            assertEquals(0xC000 + (int) (product >>> 18), RoceUdp.sourcePort(qpn));
        }
        assertEquals(0xC000, RoceUdp.sourcePort(0));
    }

    @Test
    void consecutiveQpnsSpread() {
        final Set<Integer> ports = new HashSet<>();
        for (int qpn = 16; qpn < 16 + 256; qpn++) {
            ports.add(RoceUdp.sourcePort(qpn));
        }
        assertEquals(256, ports.size());
    }
}
