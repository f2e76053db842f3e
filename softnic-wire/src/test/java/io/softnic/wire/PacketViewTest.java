package io.softnic.wire;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.statistics.Statistics;
import net.jqwik.api.constraints.Size;
import org.junit.jupiter.api.Test;

class PacketViewTest {
    private static final int BASE = 6;

    private static MemorySegment packet(final int opcode, final int pad, final int payloadAndPad) {
        final int length = Opcode.headerLength(opcode) + payloadAndPad + Icrc.LENGTH;
        final MemorySegment segment = Bytes.segment(BASE + length + 3);
        new Bth().wrap(segment, BASE).reset().opcode(opcode).padCount(pad).pkey(0xFFFF).destQp(7).psn(9);
        return segment;
    }

    private static int lengthOf(final int opcode, final int payloadAndPad) {
        return Opcode.headerLength(opcode) + payloadAndPad + Icrc.LENGTH;
    }

    @Test
    void indexesRdmaWriteOnlyWithImmediate() {
        final int op = Opcode.RC_RDMA_WRITE_ONLY_WITH_IMMEDIATE;
        final MemorySegment seg = packet(op, 3, 8);
        new Reth().wrap(seg, BASE + 12).virtualAddress(0x1000).rkey(0x42).dmaLength(5);
        new ImmDt().wrap(seg, BASE + 28).immediateData(0xABCD);
        final PacketView view = new PacketView();
        assertEquals(PacketView.OK, view.wrap(seg, BASE, lengthOf(op, 8)));
        assertEquals(op, view.opcode());
        assertEquals(Opcode.flags(op), view.flags());
        assertEquals(7, view.bth().destQp());
        assertEquals(0x1000, view.reth().virtualAddress());
        assertEquals(0x42, view.reth().rkey());
        assertEquals(5, view.reth().dmaLength());
        assertEquals(0xABCD, view.immDt().immediateData());
        assertEquals(BASE + 32, view.payloadOffset());
        assertEquals(5, view.payloadLength());
        assertEquals(3, view.padCount());
        assertEquals(BASE + 40, view.icrcOffset());
        assertEquals(44, view.length());
        assertEquals(BASE, view.offset());
        // Headers the opcode does not carry are unusable rather than aliasing other bytes.
        assertThrows(IndexOutOfBoundsException.class, () -> view.aeth().msn());
        assertThrows(IndexOutOfBoundsException.class, () -> view.deth().qkey());
    }

    @Test
    void indexesAtomicAcknowledgeAndUdSend() {
        final PacketView view = new PacketView();
        final int ack = Opcode.RC_ATOMIC_ACKNOWLEDGE;
        final MemorySegment a = packet(ack, 0, 0);
        new Aeth().wrap(a, BASE + 12).syndrome(Aeth.ackSyndrome(Aeth.CREDITS_INVALID)).msn(3);
        new AtomicAckEth().wrap(a, BASE + 16).originalRemoteData(77);
        assertEquals(PacketView.OK, view.wrap(a, BASE, lengthOf(ack, 0)));
        assertEquals(3, view.aeth().msn());
        assertEquals(77, view.atomicAckEth().originalRemoteData());
        assertEquals(0, view.payloadLength());

        final int ud = Opcode.UD_SEND_ONLY_WITH_IMMEDIATE;
        final MemorySegment u = packet(ud, 0, 256);
        new Deth().wrap(u, BASE + 12).qkey(0x80010000).srcQp(1);
        assertEquals(PacketView.OK, view.wrap(u, BASE, lengthOf(ud, 256)));
        assertEquals(0x80010000, view.deth().qkey());
        assertEquals(1, view.deth().srcQp());
        assertEquals(BASE + 24, view.payloadOffset());
        assertEquals(256, view.payloadLength());
        assertThrows(IndexOutOfBoundsException.class, () -> view.aeth().msn());
    }

    @Test
    void reasonCodes() {
        final PacketView view = new PacketView();
        final int write = Opcode.RC_RDMA_WRITE_ONLY;

        assertEquals(PacketView.TRUNCATED, view.wrap(Bytes.segment(15), 0, 15));
        assertEquals(PacketView.TRUNCATED, view.wrap(packet(write, 0, 0), BASE, lengthOf(write, 0) - 1));

        final MemorySegment unsupported = packet(write, 0, 0);
        new Bth().wrap(unsupported, BASE).opcode(0x15);
        assertEquals(PacketView.UNSUPPORTED_OPCODE, view.wrap(unsupported, BASE, 16));
        new Bth().wrap(unsupported, BASE).opcode(0x81); // CNP: handled elsewhere, not a transport opcode
        assertEquals(PacketView.UNSUPPORTED_OPCODE, view.wrap(unsupported, BASE, 32));

        final MemorySegment version = packet(write, 0, 0);
        new Bth().wrap(version, BASE).transportVersion(1);
        assertEquals(PacketView.BAD_TRANSPORT_VERSION, view.wrap(version, BASE, lengthOf(write, 0)));

        final int ack = Opcode.RC_ACKNOWLEDGE;
        assertEquals(PacketView.BAD_PAD, view.wrap(packet(ack, 1, 0), BASE, lengthOf(ack, 0)));
        assertEquals(PacketView.UNEXPECTED_PAYLOAD, view.wrap(packet(ack, 0, 4), BASE, lengthOf(ack, 4)));
        final int first = Opcode.RC_SEND_FIRST;
        assertEquals(PacketView.BAD_PAD, view.wrap(packet(first, 2, 8), BASE, lengthOf(first, 8)));
        assertEquals(PacketView.BAD_PAD, view.wrap(packet(write, 0, 7), BASE, lengthOf(write, 7)));
        assertEquals(PacketView.TRUNCATED, view.wrap(packet(write, 3, 0), BASE, lengthOf(write, 0)));
        assertEquals(PacketView.OK, view.wrap(packet(write, 3, 4), BASE, lengthOf(write, 4)));
        assertEquals(1, view.payloadLength());

        assertEquals("TRUNCATED", PacketView.reason(PacketView.TRUNCATED));
        assertEquals("BAD_PAD", PacketView.reason(PacketView.BAD_PAD));
        assertEquals("OK", PacketView.reason(PacketView.OK));
    }

    @Test
    void failureClearsPreviousPacket() {
        final PacketView view = new PacketView();
        final int write = Opcode.RC_RDMA_WRITE_ONLY;
        assertEquals(PacketView.OK, view.wrap(packet(write, 0, 4), BASE, lengthOf(write, 4)));
        assertEquals(PacketView.TRUNCATED, view.wrap(Bytes.segment(4), 0, 4));
        assertEquals(-1, view.opcode());
        assertEquals(0, view.flags());
        assertThrows(IndexOutOfBoundsException.class, () -> view.reth().rkey());
    }

    @Test
    void rangeOutsideSegmentIsACallerBug() {
        final PacketView view = new PacketView();
        assertThrows(IndexOutOfBoundsException.class, () -> view.wrap(Bytes.segment(16), 4, 16));
        assertThrows(IndexOutOfBoundsException.class, () -> view.wrap(Bytes.segment(16), -1, 4));
    }

    @Property(tries = 3000)
    void randomBytesNeverThrow(@ForAll @Size(max = 96) final byte[] bytes,
                               @ForAll @IntRange(max = 8) final int lead) {
        final MemorySegment segment = Bytes.segment(lead + bytes.length);
        MemorySegment.copy(bytes, 0, segment, ValueLayout.JAVA_BYTE, lead, bytes.length);
        assertConsistent(new PacketView(), segment, lead, bytes.length);
    }

    @Provide
    Arbitrary<byte[]> plausiblePackets() {
        // Random bytes but with a supported opcode and version 0, so the deeper checks get exercised.
        final int[] opcodes = {
            0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f,
            0x10, 0x11, 0x12, 0x13, 0x14, 0x16, 0x17, 0x64, 0x65,
        };
        return Arbitraries.bytes().array(byte[].class).ofMinSize(12).ofMaxSize(80)
            .flatMap(b -> Arbitraries.of(java.util.Arrays.stream(opcodes).boxed().toList()).map(op -> {
                final byte[] copy = b.clone();
                copy[0] = (byte) (int) op;
                copy[1] &= (byte) 0xF0;
                return copy;
            }));
    }

    @Property(tries = 3000)
    void plausiblePacketsAreEitherOkAndConsistentOrRejected(@ForAll("plausiblePackets") final byte[] bytes) {
        final MemorySegment segment = Bytes.of(bytes);
        final int result = assertConsistent(new PacketView(), segment, 0, bytes.length);
        Statistics.collect(PacketView.reason(result));
        Statistics.coverage(coverage -> coverage.check("OK").count(n -> n > 100));
    }

    private static int assertConsistent(final PacketView view, final MemorySegment segment,
                                        final int offset, final int length) {
        final int result = view.wrap(segment, offset, length);
        if (result != PacketView.OK) {
            assertTrue(result < 0);
            assertTrue(!PacketView.reason(result).startsWith("UNKNOWN"), "named reason " + result);
            return result;
        }
        final int opcode = view.opcode();
        assertTrue(Opcode.isSupported(opcode));
        assertEquals(0, view.bth().transportVersion());
        assertEquals(Opcode.headerLength(opcode), view.headerLength());
        assertEquals(offset + view.headerLength(), view.payloadOffset());
        assertEquals(view.icrcOffset(), view.payloadOffset() + view.payloadLength() + view.padCount());
        assertEquals(offset + length - Icrc.LENGTH, view.icrcOffset());
        assertTrue(view.payloadLength() >= 0);
        assertEquals(0, (view.payloadLength() + view.padCount()) & 3);
        if (!view.has(Opcode.HAS_PAYLOAD)) {
            assertEquals(0, view.payloadLength() + view.padCount());
        }
        // Every header the opcode carries is readable within the datagram.
        if (view.has(Opcode.HAS_DETH)) {
            view.deth().srcQp();
        }
        if (view.has(Opcode.HAS_RETH)) {
            view.reth().dmaLength();
        }
        if (view.has(Opcode.HAS_ATOMIC_ETH)) {
            view.atomicEth().compareData();
        }
        if (view.has(Opcode.HAS_AETH)) {
            view.aeth().msn();
        }
        if (view.has(Opcode.HAS_ATOMIC_ACK_ETH)) {
            view.atomicAckEth().originalRemoteData();
        }
        if (view.has(Opcode.HAS_IMMDT)) {
            view.immDt().immediateData();
        }
        if (view.has(Opcode.HAS_IETH)) {
            view.ieth().rkey();
        }
        view.bth().psn();
        return result;
    }
}
