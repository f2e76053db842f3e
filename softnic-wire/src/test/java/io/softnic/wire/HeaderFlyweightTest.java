package io.softnic.wire;

import static io.softnic.wire.Bytes.segment;
import static io.softnic.wire.Bytes.toHex;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.MemorySegment;
import org.junit.jupiter.api.Test;

class HeaderFlyweightTest {
    private static final int BASE = 3; // odd offset: every access must be unaligned-safe

    @Test
    void bthFieldsLandAtSpecOffsets() {
        final MemorySegment seg = segment(BASE + Bth.LENGTH);
        final Bth bth = new Bth().wrap(seg, BASE).reset()
            .opcode(Opcode.RC_RDMA_WRITE_ONLY)
            .solicitedEvent(true)
            .migReq(true)
            .padCount(3)
            .transportVersion(0)
            .pkey(0xFFFF)
            .fecn(true)
            .becn(false)
            .destQp(0x123456)
            .ackReq(true)
            .psn(0xABCDEF);
        assertEquals("0af0ffff80123456" + "80abcdef", toHex(seg, BASE, Bth.LENGTH));
        assertEquals(Opcode.RC_RDMA_WRITE_ONLY, bth.opcode());
        assertTrue(bth.solicitedEvent());
        assertTrue(bth.migReq());
        assertEquals(3, bth.padCount());
        assertEquals(0, bth.transportVersion());
        assertEquals(0xFFFF, bth.pkey());
        assertTrue(bth.fecn());
        assertFalse(bth.becn());
        assertEquals(0x123456, bth.destQp());
        assertTrue(bth.ackReq());
        assertEquals(0xABCDEF, bth.psn());
        assertEquals(BASE, bth.offset());
        assertSame(seg, bth.segment());
    }

    @Test
    void bthBitFieldsDoNotSpillIntoNeighbours() {
        final MemorySegment seg = segment(Bth.LENGTH);
        final Bth bth = new Bth().wrap(seg, 0).reset();
        bth.transportVersion(0xF);
        assertEquals(0x0F, Bytes.u8(seg, 1));
        bth.padCount(3);
        assertEquals(0x3F, Bytes.u8(seg, 1));
        bth.transportVersion(0).padCount(0).migReq(true);
        assertEquals(0x40, Bytes.u8(seg, 1));
        bth.migReq(false).solicitedEvent(true);
        assertEquals(0x80, Bytes.u8(seg, 1));
        bth.solicitedEvent(false).becn(true);
        assertEquals(0x40, Bytes.u8(seg, 4));
        bth.destQp(0xFFFFFF).psn(0xFFFFFF);
        assertEquals("0000000040ffffff00ffffff", toHex(seg, 0, Bth.LENGTH));
        bth.reset();
        assertEquals("000000000000000000000000", toHex(seg, 0, Bth.LENGTH));
    }

    @Test
    void bthSettersMaskToFieldWidth() {
        final MemorySegment seg = segment(Bth.LENGTH);
        final Bth bth = new Bth().wrap(seg, 0).reset().padCount(7).destQp(0x1FFFFFF).psn(0x1000000);
        assertEquals(3, bth.padCount());
        assertEquals(0xFFFFFF, bth.destQp());
        assertEquals(0, bth.psn());
        assertEquals(0, Bytes.u8(seg, 8));
    }

    @Test
    void rethRoundTrip() {
        final MemorySegment seg = segment(BASE + Reth.LENGTH);
        final Reth reth = new Reth().wrap(seg, BASE)
            .virtualAddress(0x0102030405060708L)
            .rkey(0xDEADBEEF)
            .dmaLength(0x80000000);
        assertEquals("0102030405060708deadbeef80000000", toHex(seg, BASE, Reth.LENGTH));
        assertEquals(0x0102030405060708L, reth.virtualAddress());
        assertEquals(0xDEADBEEF, reth.rkey());
        assertEquals(0x80000000, reth.dmaLength());
        assertEquals(0x80000000L, reth.dmaLengthUnsigned());
    }

    @Test
    void atomicEthRoundTrip() {
        final MemorySegment seg = segment(AtomicEth.LENGTH);
        final AtomicEth eth = new AtomicEth().wrap(seg, 0)
            .virtualAddress(0x1000L)
            .rkey(0x11223344)
            .swapOrAddData(0xAAAAAAAABBBBBBBBL)
            .compareData(-1L);
        assertEquals("0000000000001000" + "11223344" + "aaaaaaaabbbbbbbb" + "ffffffffffffffff",
            toHex(seg, 0, AtomicEth.LENGTH));
        assertEquals(0x1000L, eth.virtualAddress());
        assertEquals(0x11223344, eth.rkey());
        assertEquals(0xAAAAAAAABBBBBBBBL, eth.swapOrAddData());
        assertEquals(-1L, eth.compareData());
    }

    @Test
    void smallHeadersRoundTrip() {
        final MemorySegment seg = segment(8);
        final AtomicAckEth ack = new AtomicAckEth().wrap(seg, 0).originalRemoteData(0x0123456789ABCDEFL);
        assertEquals("0123456789abcdef", toHex(seg, 0, AtomicAckEth.LENGTH));
        assertEquals(0x0123456789ABCDEFL, ack.originalRemoteData());

        final ImmDt imm = new ImmDt().wrap(seg, 1).immediateData(0xCAFEBABE);
        assertEquals("cafebabe", toHex(seg, 1, ImmDt.LENGTH));
        assertEquals(0xCAFEBABE, imm.immediateData());

        final Ieth ieth = new Ieth().wrap(seg, 2).rkey(0x00000102);
        assertEquals("00000102", toHex(seg, 2, Ieth.LENGTH));
        assertEquals(0x102, ieth.rkey());
    }

    @Test
    void dethLayout() {
        final MemorySegment seg = segment(Deth.LENGTH);
        seg.fill((byte) 0x55);
        final Deth deth = new Deth().wrap(seg, 0).qkey(0x80010000).srcQp(0xFFFFFF);
        assertEquals("8001000000ffffff", toHex(seg, 0, Deth.LENGTH));
        assertEquals(0x80010000, deth.qkey());
        assertEquals(0xFFFFFF, deth.srcQp());
        deth.srcQp(1);
        assertEquals("8001000000000001", toHex(seg, 0, Deth.LENGTH));
    }

    @Test
    void aethLayout() {
        final MemorySegment seg = segment(Aeth.LENGTH);
        final Aeth aeth = new Aeth().wrap(seg, 0).syndrome(Aeth.nakSyndrome(Aeth.NAK_REMOTE_ACCESS_ERROR)).msn(0xFFFFFF);
        assertEquals("62ffffff", toHex(seg, 0, Aeth.LENGTH));
        assertEquals(0x62, aeth.syndrome());
        assertEquals(0xFFFFFF, aeth.msn());
    }

    @Test
    void accessBeyondSegmentThrowsInsteadOfReadingForeignMemory() {
        final Bth bth = new Bth().wrap(segment(8), 0);
        assertEquals(0, bth.opcode());
        assertThrows(IndexOutOfBoundsException.class, bth::psn);
        assertThrows(IndexOutOfBoundsException.class, () -> new Reth().virtualAddress());
    }

    @Test
    void readOnlySegmentRejectsWrites() {
        final MemorySegment ro = segment(Bth.LENGTH).asReadOnly();
        final Bth bth = new Bth().wrap(ro, 0);
        assertEquals(0, bth.psn());
        assertThrows(IllegalArgumentException.class, () -> bth.psn(1));
    }
}
