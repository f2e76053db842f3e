package io.softnic.wire;

import static io.softnic.wire.Bytes.hex;
import static io.softnic.wire.Bytes.toHex;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.management.ManagementFactory;
import java.util.HexFormat;
import java.util.zip.CRC32;
import org.junit.jupiter.api.Test;

class IcrcTest {
    private static final int SRC_IP = 0xC0A80101; // 192.168.1.1
    private static final int DST_IP = 0xC0A80102; // 192.168.1.2
    private static final int SRC_PORT = 0xC123;
    private static final int DST_PORT = RoceUdp.DEFAULT_PORT;

    /** RC SEND_ONLY, dest QP 0x000011, AckReq, PSN 1, 8 payload bytes "softnic!", then room for the ICRC. */
    private static MemorySegment sendOnly() {
        final MemorySegment packet = Bytes.segment(24);
        new Bth().wrap(packet, 0).reset()
            .opcode(Opcode.RC_SEND_ONLY).pkey(Bth.DEFAULT_PKEY).destQp(0x11).ackReq(true).psn(1);
        MemorySegment.copy("softnic!".getBytes(), 0, packet, ValueLayout.JAVA_BYTE, 12, 8);
        return packet;
    }

    @Test
    void sendOnlyVectorIsByteExact() {
        final MemorySegment packet = sendOnly();
        new Icrc().write(SRC_IP, DST_IP, SRC_PORT, DST_PORT, packet, 0, 24);
        assertEquals("0400ffff0000001180000001" + "736f66746e696321" + "6c553c73", toHex(packet, 0, 24));
    }

    @Test
    void matchesExplicitlyMaskedPseudoPacketUnderPlainCrc32() {
        // The whole masked input written out by hand, independent of Icrc's field handling:
        final String masked =
            "ffffffffffffffff"                              // LRH stand-in
            + "45ff" + "0034" + "0000" + "4000"             // IPv4: ver/IHL, TOS masked, total 52, id 0, DF
            + "ff" + "11" + "ffff" + "c0a80101" + "c0a80102" // TTL masked, UDP, checksum masked, addresses
            + "c123" + "12b7" + "0020" + "ffff"             // UDP: ports, length 32, checksum masked
            + "0400ffff" + "ff000011" + "80000001"          // BTH with byte 4 masked
            + "736f66746e696321";                           // payload
        final CRC32 crc = new CRC32();
        crc.update(HexFormat.of().parseHex(masked));
        final int expected = (int) crc.getValue();

        final MemorySegment packet = sendOnly();
        assertEquals(expected, new Icrc().compute(SRC_IP, DST_IP, SRC_PORT, DST_PORT, packet, 0, 24));
        new Icrc().write(SRC_IP, DST_IP, SRC_PORT, DST_PORT, packet, 0, 24);
        assertEquals(expected, packet.get(ValueLayout.JAVA_INT_UNALIGNED.withOrder(java.nio.ByteOrder.LITTLE_ENDIAN), 20));
    }

    @Test
    void matchesRxeFormulation() {
        // rxe: raw reflected CRC-32 (no pre/post inversion) seeded with 0xDEBB20E3, over the masked
        // headers without the LRH stand-in, then complemented and stored as a host (little-endian) u32.
        assertEquals(0xDEBB20E3, rawCrc32Le(0xFFFFFFFF, HexFormat.of().parseHex("ffffffffffffffff")));
        final byte[] rest = HexFormat.of().parseHex(
            "45ff00340000" + "4000ff11ffffc0a80101c0a80102" + "c12312b70020ffff"
            + "0400ffffff00001180000001" + "736f66746e696321");
        final int icrc = ~rawCrc32Le(0xDEBB20E3, rest);
        final byte[] wire = {(byte) icrc, (byte) (icrc >>> 8), (byte) (icrc >>> 16), (byte) (icrc >>> 24)};

        final MemorySegment packet = sendOnly();
        new Icrc().write(SRC_IP, DST_IP, SRC_PORT, DST_PORT, packet, 0, 24);
        assertEquals(HexFormat.of().formatHex(wire), toHex(packet, 20, 4));
    }

    /** Bitwise reflected CRC-32, polynomial 0xEDB88320, as the kernel's crc32_le: no inversions. */
    private static int rawCrc32Le(final int seed, final byte[] data) {
        int crc = seed;
        for (final byte b : data) {
            crc ^= b & 0xFF;
            for (int i = 0; i < 8; i++) {
                crc = (crc >>> 1) ^ ((crc & 1) != 0 ? 0xEDB88320 : 0);
            }
        }
        return crc;
    }

    @Test
    void matchesCnpCapturedFromConnectX4Lx() {
        // A CNP captured from a Mellanox ConnectX-4 Lx, from scapy's test/contrib/roce.uts:
        // IPv4 10.0.17.1 -> 10.0.18.1, id 0x718c, DF, TOS 0xc2, TTL 64; UDP 0 -> 4791, length 40.
        // Hardware chose a non-zero IP identification, hence the explicit-identification overload.
        final MemorySegment udpPayload = hex(
            "8100ffff4000011800000000" + "00000000000000000000000000000000" + "82fd002a");
        final Icrc icrc = new Icrc();
        final int computed = icrc.compute(0x0A001101, 0x0A001201, 0x718c, Icrc.IPV4_FLAGS_DF, 0, 4791,
            udpPayload, 0, 32);
        assertEquals(0x2a00fd82, computed, Integer.toHexString(computed));
        assertEquals(Icrc.stored(udpPayload, 0, 32), computed);
        assertTrue(icrc.check(0x0A001101, 0x0A001201, 0x718c, Icrc.IPV4_FLAGS_DF, 0, 4791, udpPayload, 0, 32));
        // The same packet under the unconnected-socket assumption (id 0) does not verify.
        assertFalse(icrc.check(0x0A001101, 0x0A001201, 0, 4791, udpPayload, 0, 32));
    }

    @Test
    void matchesScapyReferenceUcPacket() {
        // scapy test/contrib/roce.uts "RoCE layer": UC SEND_ONLY, M=1, pad 2, dqpn 211, psn 13571856,
        // 192.168.0.7 -> 192.168.0.7, id 1144, DF, UDP 49152 -> 4791; scapy's ICRC field reads 0x78f353f3.
        final MemorySegment udpPayload = hex(
            "2460ffff000000d300cf1710" + "4630818be28935d90e9a95505401be885e500000" + "78f353f3");
        final int computed = new Icrc().compute(0xC0A80007, 0xC0A80007, 1144, Icrc.IPV4_FLAGS_DF, 49152, 4791,
            udpPayload, 0, 36);
        assertEquals(Icrc.stored(udpPayload, 0, 36), computed, Integer.toHexString(computed));
    }

    @Test
    void variantFieldsAreMaskedAndEverythingElseIsCovered() {
        final Icrc icrc = new Icrc();
        final MemorySegment packet = sendOnly();
        icrc.write(SRC_IP, DST_IP, SRC_PORT, DST_PORT, packet, 0, 24);
        assertTrue(icrc.check(SRC_IP, DST_IP, SRC_PORT, DST_PORT, packet, 0, 24));

        new Bth().wrap(packet, 0).fecn(true).becn(true);
        assertTrue(icrc.check(SRC_IP, DST_IP, SRC_PORT, DST_PORT, packet, 0, 24), "FECN/BECN are variant");

        for (int i = 0; i < 24; i++) {
            if (i == Bth.VARIANT_OFFSET) {
                continue;
            }
            final byte original = packet.get(ValueLayout.JAVA_BYTE, i);
            packet.set(ValueLayout.JAVA_BYTE, i, (byte) (original ^ 0x01));
            assertFalse(icrc.check(SRC_IP, DST_IP, SRC_PORT, DST_PORT, packet, 0, 24), "byte " + i);
            packet.set(ValueLayout.JAVA_BYTE, i, original);
        }
        assertFalse(icrc.check(SRC_IP + 1, DST_IP, SRC_PORT, DST_PORT, packet, 0, 24));
        assertFalse(icrc.check(SRC_IP, DST_IP + 1, SRC_PORT, DST_PORT, packet, 0, 24));
        assertFalse(icrc.check(SRC_IP, DST_IP, SRC_PORT + 1, DST_PORT, packet, 0, 24));
        assertFalse(icrc.check(SRC_IP, DST_IP, SRC_PORT, DST_PORT + 1, packet, 0, 24));
        assertTrue(icrc.check(SRC_IP, DST_IP, SRC_PORT, DST_PORT, packet, 0, 24));
    }

    @Test
    void worksAtAnOffsetInHeapAndNativeSegmentsAndAcrossSegments() {
        final Icrc icrc = new Icrc();
        final MemorySegment reference = sendOnly();
        final int expected = icrc.compute(SRC_IP, DST_IP, SRC_PORT, DST_PORT, reference, 0, 24);

        final MemorySegment heap = MemorySegment.ofArray(new byte[100]);
        MemorySegment.copy(reference, 0, heap, 37, 24);
        assertEquals(expected, icrc.compute(SRC_IP, DST_IP, SRC_PORT, DST_PORT, heap, 37, 24));

        final MemorySegment nativeSegment = Bytes.segment(100);
        MemorySegment.copy(reference, 0, nativeSegment, 5, 24);
        assertEquals(expected, icrc.compute(SRC_IP, DST_IP, SRC_PORT, DST_PORT, nativeSegment, 5, 24));
        assertEquals(expected, icrc.compute(SRC_IP, DST_IP, SRC_PORT, DST_PORT, heap, 37, 24));
        assertEquals(expected, icrc.compute(SRC_IP, DST_IP, SRC_PORT, DST_PORT, nativeSegment.asReadOnly(), 5, 24));
    }

    @Test
    void rejectsTooShortPayloads() {
        final Icrc icrc = new Icrc();
        final MemorySegment packet = Bytes.segment(15);
        assertThrows(IllegalArgumentException.class,
            () -> icrc.compute(SRC_IP, DST_IP, SRC_PORT, DST_PORT, packet, 0, 15));
        assertFalse(icrc.check(SRC_IP, DST_IP, SRC_PORT, DST_PORT, packet, 0, 15));
        assertThrows(IndexOutOfBoundsException.class,
            () -> icrc.compute(SRC_IP, DST_IP, SRC_PORT, DST_PORT, packet, 0, 40));
    }

    @Test
    void steadyStateDoesNotAllocate() {
        final var threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        final Icrc icrc = new Icrc();
        final MemorySegment packet = Bytes.segment(1024 + 16);
        int sink = 0;
        for (int i = 0; i < 50_000; i++) {
            sink += icrc.compute(SRC_IP, DST_IP, SRC_PORT, DST_PORT, packet, 0, 1024 + 16);
        }
        final long before = threads.getCurrentThreadAllocatedBytes();
        for (int i = 0; i < 10_000; i++) {
            sink += icrc.compute(SRC_IP, DST_IP, SRC_PORT, DST_PORT, packet, 0, 1024 + 16);
        }
        final long allocated = threads.getCurrentThreadAllocatedBytes() - before;
        // Generous bound: a per-call ByteBuffer or slice would cost well over 10 bytes per call.
        assertTrue(allocated < 100_000, "allocated " + allocated + " bytes for 10k calls (" + sink + ")");
    }
}
