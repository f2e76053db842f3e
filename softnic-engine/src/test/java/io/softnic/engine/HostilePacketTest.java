package io.softnic.engine;

import io.softnic.engine.counters.EngineCounters;
import io.softnic.engine.rc.QueuePair;
import io.softnic.verbs.IbvAccess;
import io.softnic.verbs.IbvMr;
import io.softnic.verbs.IbvPd;
import io.softnic.verbs.IbvQp;
import io.softnic.verbs.IbvQpAttr;
import io.softnic.verbs.IbvQpAttrMask;
import io.softnic.verbs.IbvQpState;
import io.softnic.verbs.IbvRecvWr;
import io.softnic.verbs.IbvSendFlags;
import io.softnic.verbs.IbvSendWr;
import io.softnic.verbs.IbvWcStatus;
import io.softnic.verbs.IbvWrOpcode;
import io.softnic.wire.Aeth;
import io.softnic.wire.AtomicEth;
import io.softnic.wire.Bth;
import io.softnic.wire.Icrc;
import io.softnic.wire.Opcode;
import io.softnic.wire.Psn;
import io.softnic.wire.Reth;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.time.Duration;
import java.util.Map;
import java.util.Random;

import static io.softnic.engine.QpKit.awaitState;
import static io.softnic.engine.QpKit.state;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Crafted datagrams fed straight into engine b's RX pipeline, as if they had come off the wire: each must be counted
 * where it is refused, must not touch memory it has no right to, must not hurt the engine (no agent error, no QP
 * internal error), and must leave the connection working, or, where the packet legitimately breaks the QP it was
 * aimed at, leave every other connection working.
 *
 * <p>The packets are injected from the test thread while nothing else is on the wire towards b (a sends nothing
 * while they are fed), so b's own RX thread never runs the pipeline at the same time.
 */
@Timeout(30)
class HostilePacketTest
{
    private static final int SRC_PORT = 0xC0DE;
    private static final int ROCE_PORT = 4791;
    private static final int MTU = 1024;
    private static final int COUNTERS = EngineCounters.COMPLETIONS_BASE + 22;

    private RcPair pair;
    private int aIp;
    private int bIp;
    private final MemorySegment pkt = Arena.ofAuto().allocate(8192, 64);
    private final Bth bth = new Bth();
    private final Icrc icrc = new Icrc();
    private long[] aBefore;
    private long[] bBefore;

    @BeforeEach
    void setUp()
    {
        pair = new RcPair(RcPair.engine("a", "127.0.0.2"), RcPair.engine("b", "127.0.0.3"));
        aIp = pair.a.ipv4();
        bIp = pair.b.ipv4();
        // the region of b's buffer crafted WRITEs aim at, and its last page, hold a known pattern
        QpKit.fill(pair.b.buffer, 0, 16384, 3);
        QpKit.fill(pair.b.buffer, RcPair.BUFFER - 4096, 4096, 4);
        mark();
    }

    @AfterEach
    void tearDown()
    {
        pair.close();
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Crafting

    /**
     * Lays down a BTH (default P_Key, AckReq), zeroed extension headers, {@code payload} bytes of 0xAB and the pad,
     * and returns the datagram length including room for the ICRC. Unknown opcodes get a bare BTH.
     */
    private int frame(final int opcode, final int destQp, final int psn, final int payload)
    {
        final int header = Opcode.isSupported(opcode) ? Opcode.headerLength(opcode) : Bth.LENGTH;
        final int pad = (-payload) & 3;
        final int length = header + payload + pad + Icrc.LENGTH;
        pkt.asSlice(0, length).fill((byte)0);
        bth.wrap(pkt, 0).reset().opcode(opcode).pkey(Bth.DEFAULT_PKEY).destQp(destQp).psn(psn & Psn.MASK)
            .ackReq(true).padCount(pad);
        pkt.asSlice(header, payload).fill((byte)0xAB);
        return length;
    }

    private Reth reth(final int opcode)
    {
        return new Reth().wrap(pkt, Opcode.rethOffset(opcode));
    }

    private AtomicEth atomicEth(final int opcode)
    {
        return new AtomicEth().wrap(pkt, Opcode.atomicEthOffset(opcode));
    }

    private Aeth aeth(final int opcode)
    {
        return new Aeth().wrap(pkt, Opcode.aethOffset(opcode));
    }

    private void seal(final int length, final int srcIp)
    {
        icrc.write(srcIp, bIp, SRC_PORT, ROCE_PORT, pkt, 0, length);
    }

    private void inject(final int length, final int srcIp, final int srcPort)
    {
        pair.b.engine.rxPipeline().process(pkt, 0, length, pair.b.engine.port(0), srcIp, srcPort);
    }

    /** Seals with a's address (the QPs' peer) and injects. */
    private void send(final int length)
    {
        seal(length, aIp);
        inject(length, aIp, SRC_PORT);
    }

    /** A WRITE_ONLY that b's main QP would accept at its expected PSN: the cases below spoil one thing of it. */
    private int goodWrite(final int psn)
    {
        final int length = frame(Opcode.RC_RDMA_WRITE_ONLY, pair.b.qp.qpNum(), psn, 64);
        reth(Opcode.RC_RDMA_WRITE_ONLY).virtualAddress(pair.b.mr.addr() + 4096).rkey(pair.b.mr.rkey()).dmaLength(64);
        return length;
    }

    private static QueuePair device(final RcPair.Side side, final IbvQp qp)
    {
        return side.engine.controlPlane().qp(qp.qpNum());
    }

    private int expectedPsn(final RcPair.Side side, final IbvQp qp)
    {
        return device(side, qp).read(q -> q.responder().expectedPsn());
    }

    private int expected()
    {
        return expectedPsn(pair.b, pair.b.qp);
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Checking

    private static long[] counters(final RcPair.Side side)
    {
        final long[] v = new long[COUNTERS];
        for (int i = 0; i < COUNTERS; i++)
        {
            v[i] = side.engine.counters().get(i);
        }
        return v;
    }

    private void mark()
    {
        aBefore = counters(pair.a);
        bBefore = counters(pair.b);
    }

    private long db(final int id)
    {
        return pair.b.engine.counters().get(id) - bBefore[id];
    }

    private long da(final int id)
    {
        return pair.a.engine.counters().get(id) - aBefore[id];
    }

    private final byte[] patternLow = new byte[16384];
    private final byte[] patternHigh = new byte[4096];

    {
        // same as setUp's fill
        final MemorySegment low = MemorySegment.ofArray(patternLow);
        final MemorySegment high = MemorySegment.ofArray(patternHigh);
        QpKit.fill(low, 0, patternLow.length, 3);
        QpKit.fill(high, 0, patternHigh.length, 4);
    }

    private void assertMemoryUntouched()
    {
        assertArrayEquals(patternLow, QpKit.copy(pair.b.buffer, 0, patternLow.length), "b's buffer was written");
        assertArrayEquals(patternHigh, QpKit.copy(pair.b.buffer, RcPair.BUFFER - 4096, 4096),
            "b's last page was written");
        assertEquals(0, db(EngineCounters.BUS_BYTES_TO_HOST), "bytes DMA'd into b's memory");
    }

    /** Dropped before any QP saw it: only {@code counter} moved, by {@code n}; nothing answered, nothing written. */
    private void assertDropped(final int counter, final long n)
    {
        assertEquals(n, db(counter), EngineCounters.class.getSimpleName() + " #" + counter + " on b; b = " +
            pair.b.engine.counters().snapshot());
        for (final int nak : new int[] {EngineCounters.NAK_SEQ_SENT, EngineCounters.NAK_INV_REQ_SENT,
            EngineCounters.NAK_REM_ACCESS_SENT, EngineCounters.NAK_REM_OP_SENT, EngineCounters.RNR_NAK_SENT,
            EngineCounters.DUPLICATE_REQUESTS, EngineCounters.OUT_OF_SEQUENCE_REQUESTS})
        {
            assertEquals(0, db(nak), "b answered a dropped packet: " + pair.b.engine.counters().snapshot());
        }
        assertMemoryUntouched();
    }

    /** The engine is fine and the connection the garbage was aimed at still carries data both ways. */
    private void assertSurvives(final int seed)
    {
        QpKit.assertNoEngineErrors(pair);
        QpKit.assertWorks(pair, seed);
        QpKit.assertNoEngineErrors(pair);
    }

    /** The garbage broke b's QP (as it must): it is in ERR, and a separate connection on the same engines works. */
    private void assertContained(final IbvQp target)
    {
        awaitState(target, IbvQpState.ERR);
        QpKit.assertNoEngineErrors(pair);
        final QpKit.Link link = new QpKit.Link(pair);
        QpKit.assertWorks(link.a, link.b, 11);
        assertEquals(IbvQpState.RTS, state(pair.a.qp), "the peer QP heard a NAK for a PSN it never sent");
        QpKit.assertNoEngineErrors(pair);
    }

    // ---------------------------------------------------------------------------------------------------------------
    // The control: a crafted packet that is right in every respect is taken, so the refusals below are real

    @Test
    void aWellFormedCraftedWriteIsAccepted()
    {
        final QpKit.Link link = new QpKit.Link(pair);
        final int psn = expectedPsn(pair.b, link.b.qp());
        final int length = frame(Opcode.RC_RDMA_WRITE_ONLY, link.b.qp().qpNum(), psn, 64);
        reth(Opcode.RC_RDMA_WRITE_ONLY).virtualAddress(link.b.mr().addr() + 128).rkey(link.b.mr().rkey()).dmaLength(64);
        send(length);
        final byte[] expected = new byte[64];
        java.util.Arrays.fill(expected, (byte)0xAB);
        assertArrayEquals(expected, QpKit.copy(link.b.buffer(), 128, 64));
        assertEquals(Psn.next(psn), expectedPsn(pair.b, link.b.qp()));
        assertEquals(64, db(EngineCounters.BUS_BYTES_TO_HOST));
        QpKit.assertNoEngineErrors(pair);
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Malformed: dropped by the packet checks

    @Test
    void truncatedPackets()
    {
        int n = 0;
        for (final int length : new int[] {0, 1, 4, 11, 12, 15})
        {
            frame(Opcode.RC_SEND_ONLY, pair.b.qp.qpNum(), expected(), 0);
            inject(length, aIp, SRC_PORT);
            n++;
        }
        // valid BTH, shorter than the opcode's extension headers plus ICRC
        final int[][] shortOnes = {
            {Opcode.RC_RDMA_WRITE_ONLY, Bth.LENGTH + 8 + Icrc.LENGTH},            // half a RETH
            {Opcode.RC_RDMA_WRITE_ONLY, Bth.LENGTH + Reth.LENGTH},                // RETH, no room for the ICRC
            {Opcode.RC_RDMA_READ_REQUEST, Bth.LENGTH + Icrc.LENGTH},              // no RETH at all
            {Opcode.RC_COMPARE_SWAP, Bth.LENGTH + 20 + Icrc.LENGTH},              // 20 of 28 AtomicETH bytes
            {Opcode.RC_ACKNOWLEDGE, Bth.LENGTH + Icrc.LENGTH},                    // no AETH
            {Opcode.RC_ATOMIC_ACKNOWLEDGE, Bth.LENGTH + 4 + Icrc.LENGTH},         // AETH, no AtomicAckETH
            {Opcode.RC_SEND_ONLY_WITH_IMMEDIATE, Bth.LENGTH + Icrc.LENGTH},       // no ImmDt
            {Opcode.RC_SEND_ONLY, Bth.LENGTH + 2},                                // BTH + half an ICRC
        };
        for (final int[] c : shortOnes)
        {
            frame(c[0], pair.b.qp.qpNum(), expected(), 0);
            if (c[1] >= Bth.LENGTH + Icrc.LENGTH)
            {
                seal(c[1], aIp); // a correct ICRC over the short packet: the length check alone must catch it
            }
            inject(c[1], aIp, SRC_PORT);
            n++;
        }
        // the pad count claims more bytes than there are
        final int padded = frame(Opcode.RC_SEND_LAST, pair.b.qp.qpNum(), expected(), 0);
        bth.padCount(3);
        send(padded);
        n++;
        assertDropped(EngineCounters.MALFORMED_DROPPED, n);
        assertEquals(0, db(EngineCounters.ICRC_ERRORS));
        assertSurvives(1);
    }

    @Test
    void badPadAndUnexpectedPayload()
    {
        // pad on a FIRST packet (which carries a whole MTU)
        int length = frame(Opcode.RC_SEND_FIRST, pair.b.qp.qpNum(), expected(), MTU);
        bth.padCount(1);
        send(length);
        // payload not a multiple of 4 with the pad
        length = frame(Opcode.RC_SEND_ONLY, pair.b.qp.qpNum(), expected(), 8);
        send(length - 2);
        // bytes behind the headers of an opcode without payload
        length = frame(Opcode.RC_ACKNOWLEDGE, pair.b.qp.qpNum(), expected(), 0);
        send(length + 4);
        length = frame(Opcode.RC_RDMA_READ_REQUEST, pair.b.qp.qpNum(), expected(), 0);
        send(length + 8);
        // pad on a READ request
        length = frame(Opcode.RC_RDMA_READ_REQUEST, pair.b.qp.qpNum(), expected(), 0);
        bth.padCount(2);
        send(length);
        assertDropped(EngineCounters.MALFORMED_DROPPED, 5);
        assertSurvives(2);
    }

    @Test
    void unknownOpcodes()
    {
        final int[] opcodes = {0x15, 0x18, 0x1F, 0x20, 0x63, 0x66, 0x80, 0xC0, 0xFF};
        for (final int opcode : opcodes)
        {
            final int length = frame(opcode, pair.b.qp.qpNum(), expected(), 0);
            pkt.asSlice(Bth.LENGTH, 16).fill((byte)0x5A);
            send(length + 16);
        }
        assertDropped(EngineCounters.MALFORMED_DROPPED, opcodes.length);
        assertSurvives(3);
    }

    @Test
    void badTransportVersion()
    {
        for (int tver = 1; tver < 16; tver++)
        {
            final int length = goodWrite(expected());
            bth.transportVersion(tver);
            send(length);
        }
        assertDropped(EngineCounters.MALFORMED_DROPPED, 15);
        assertSurvives(4);
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Integrity, partition, addressing

    @Test
    void badIcrc()
    {
        // a byte of the payload flipped after the ICRC was computed
        int length = goodWrite(expected());
        seal(length, aIp);
        pkt.set(ValueLayout.JAVA_BYTE, 40, (byte)(pkt.get(ValueLayout.JAVA_BYTE, 40) ^ 1));
        inject(length, aIp, SRC_PORT);
        // a byte of the ICRC itself
        length = goodWrite(expected());
        seal(length, aIp);
        pkt.set(ValueLayout.JAVA_BYTE, length - 1, (byte)(pkt.get(ValueLayout.JAVA_BYTE, length - 1) ^ 0x80));
        inject(length, aIp, SRC_PORT);
        // a header field (the rkey) changed after sealing
        length = goodWrite(expected());
        seal(length, aIp);
        reth(Opcode.RC_RDMA_WRITE_ONLY).rkey(pair.b.mr.rkey() + 0x100);
        inject(length, aIp, SRC_PORT);
        // the ICRC covers the UDP source port and the IP addresses
        length = goodWrite(expected());
        seal(length, aIp);
        inject(length, aIp, SRC_PORT + 1);
        icrc.write(aIp, bIp + 1, SRC_PORT, ROCE_PORT, pkt, 0, length);
        inject(length, aIp, SRC_PORT);
        assertDropped(EngineCounters.ICRC_ERRORS, 5);
        assertEquals(0, db(EngineCounters.MALFORMED_DROPPED));
        assertSurvives(5);
    }

    @Test
    void badPkey()
    {
        for (final int pkey : new int[] {0x0000, 0x1234, 0x8001, 0xFFFE})
        {
            final int length = goodWrite(expected());
            bth.pkey(pkey);
            send(length);
        }
        assertDropped(EngineCounters.BAD_PKEY_DROPPED, 4);
        assertSurvives(6);
    }

    @Test
    void destinationQpThatDoesNotExist()
    {
        final int[] qpns = {0, 2, 15, pair.b.qp.qpNum() + 1, 16 + 4095, 16 + 4096, 0xABCDE, Psn.MASK};
        for (final int qpn : qpns)
        {
            final int length = goodWrite(expected());
            bth.destQp(qpn);
            send(length);
        }
        // a UD SEND to a QP other than QP1
        final int ud = frame(Opcode.UD_SEND_ONLY, 5, 0, 32);
        send(ud);
        assertDropped(EngineCounters.UNKNOWN_QP_DROPPED, qpns.length + 1);
        assertSurvives(7);
    }

    @Test
    void garbageManagementDatagramsToQp1()
    {
        final Random rnd = new Random(1);
        for (final int payload : new int[] {0, 4, 24, 256, 1024})
        {
            final int length = frame(Opcode.UD_SEND_ONLY, 1, rnd.nextInt(), payload);
            for (int i = Bth.LENGTH; i < length - Icrc.LENGTH; i++)
            {
                pkt.set(ValueLayout.JAVA_BYTE, i, (byte)rnd.nextInt());
            }
            send(length);
        }
        assertMemoryUntouched();
        assertSurvives(8);
    }

    @Test
    void packetFromTheWrongSourceAddress()
    {
        final int stranger = 0x7F000009; // 127.0.0.9
        int length = goodWrite(expected());
        seal(length, stranger);
        inject(length, stranger, SRC_PORT);
        // b's own address is not the QP's peer either
        length = goodWrite(expected());
        seal(length, bIp);
        inject(length, bIp, SRC_PORT);
        assertDropped(EngineCounters.UNKNOWN_QP_DROPPED, 2);
        assertSurvives(9);
    }

    // ---------------------------------------------------------------------------------------------------------------
    // PSN

    @Test
    void psnFarOutOfWindowGetsOneNakAndWritesNothing()
    {
        final int expected = expected();
        for (int i = 0; i < 3; i++)
        {
            send(goodWrite(expected + (1 << 22) + i));
        }
        assertEquals(3, db(EngineCounters.OUT_OF_SEQUENCE_REQUESTS));
        assertEquals(1, db(EngineCounters.NAK_SEQ_SENT), "one PSN-sequence NAK per gap");
        assertEquals(expected, expected(), "the responder still expects the same PSN");
        assertMemoryUntouched();
        // the NAK reaches a, which has nothing outstanding: a stale response, dropped
        final long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        while (da(EngineCounters.DUPLICATE_RESPONSES) == 0 && System.nanoTime() < deadline)
        {
            Thread.onSpinWait();
        }
        assertEquals(1, da(EngineCounters.DUPLICATE_RESPONSES));
        assertSurvives(10);
    }

    @Test
    void oldDuplicateWriteIsAcknowledgedNotExecuted()
    {
        QpKit.assertWorks(pair, 12); // move the PSNs on, so there is a past
        mark();
        final int expected = expected();
        send(goodWrite(expected - 1));
        send(goodWrite(expected - 1000));
        assertEquals(2, db(EngineCounters.DUPLICATE_REQUESTS));
        assertEquals(expected, expected());
        assertMemoryUntouched();
        assertSurvives(13);
    }

    @Test
    void sendWithoutAReceiveGetsAnRnrNakAndConsumesNothing()
    {
        final int expected = expected();
        send(frame(Opcode.RC_SEND_ONLY, pair.b.qp.qpNum(), expected, 100));
        assertEquals(1, db(EngineCounters.RNR_NAK_SENT));
        assertEquals(expected, expected());
        assertSurvives(14);
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Requests that must break the QP they reach (NAK, then ERR), and only that QP

    enum Fatal
    {
        RETH_BAD_RKEY(EngineCounters.NAK_REM_ACCESS_SENT),
        RETH_RKEY_OF_ANOTHER_PD(EngineCounters.NAK_REM_ACCESS_SENT),
        RETH_VA_WRAPS_2_64(EngineCounters.NAK_REM_ACCESS_SENT),
        RETH_BEYOND_MR(EngineCounters.NAK_REM_ACCESS_SENT),
        WRITE_FIRST_DMA_LENGTH_MAX(EngineCounters.NAK_REM_ACCESS_SENT),
        WRITE_ONLY_DMA_LENGTH_MAX(EngineCounters.NAK_INV_REQ_SENT),
        WRITE_ONLY_DMA_LENGTH_MISMATCH(EngineCounters.NAK_INV_REQ_SENT),
        READ_DMA_LENGTH_MAX(EngineCounters.NAK_INV_REQ_SENT),
        READ_BAD_RKEY(EngineCounters.NAK_REM_ACCESS_SENT),
        READ_BEYOND_MR(EngineCounters.NAK_REM_ACCESS_SENT),
        WRITE_MIDDLE_WITHOUT_FIRST(EngineCounters.NAK_INV_REQ_SENT),
        WRITE_LAST_WITHOUT_FIRST(EngineCounters.NAK_INV_REQ_SENT),
        SEND_MIDDLE_WITHOUT_FIRST(EngineCounters.NAK_INV_REQ_SENT),
        SEND_ONLY_LARGER_THAN_MTU(EngineCounters.NAK_INV_REQ_SENT),
        WRITE_ONLY_LARGER_THAN_MTU(EngineCounters.NAK_INV_REQ_SENT),
        SEND_FIRST_SHORTER_THAN_MTU(EngineCounters.NAK_INV_REQ_SENT),
        ATOMIC_UNALIGNED(EngineCounters.NAK_INV_REQ_SENT),
        ATOMIC_BAD_RKEY(EngineCounters.NAK_REM_ACCESS_SENT),
        ATOMIC_BEYOND_MR(EngineCounters.NAK_REM_ACCESS_SENT);

        final int counter;

        Fatal(final int counter)
        {
            this.counter = counter;
        }
    }

    @ParameterizedTest
    @EnumSource(Fatal.class)
    void requestThatBreaksTheQp(final Fatal c)
    {
        final int qpn = pair.b.qp.qpNum();
        final int psn = expected();
        final long base = pair.b.mr.addr();
        final int rkey = pair.b.mr.rkey();
        final long end = base + RcPair.BUFFER;
        MemorySegment otherMemory = null;
        int length;
        switch (c)
        {
            case RETH_BAD_RKEY ->
            {
                length = goodWrite(psn);
                reth(Opcode.RC_RDMA_WRITE_ONLY).rkey(rkey ^ 0x40);
            }
            case RETH_RKEY_OF_ANOTHER_PD ->
            {
                final IbvPd other = pair.b.ctx.allocPd();
                otherMemory = pair.b.ctx.allocateBuffer(4096);
                final IbvMr mr = other.regMr(otherMemory, IbvAccess.LOCAL_WRITE | IbvAccess.ALL_REMOTE);
                length = goodWrite(psn);
                reth(Opcode.RC_RDMA_WRITE_ONLY).virtualAddress(mr.addr()).rkey(mr.rkey());
            }
            case RETH_VA_WRAPS_2_64 ->
            {
                length = frame(Opcode.RC_RDMA_WRITE_ONLY, qpn, psn, 512);
                reth(Opcode.RC_RDMA_WRITE_ONLY).virtualAddress(0xFFFF_FFFF_FFFF_FF00L).rkey(rkey).dmaLength(512);
            }
            case RETH_BEYOND_MR ->
            {
                length = frame(Opcode.RC_RDMA_WRITE_ONLY, qpn, psn, 512);
                reth(Opcode.RC_RDMA_WRITE_ONLY).virtualAddress(end - 256).rkey(rkey).dmaLength(512);
            }
            case WRITE_FIRST_DMA_LENGTH_MAX ->
            {
                length = frame(Opcode.RC_RDMA_WRITE_FIRST, qpn, psn, MTU);
                reth(Opcode.RC_RDMA_WRITE_FIRST).virtualAddress(base).rkey(rkey).dmaLength(0xFFFF_FFFF);
            }
            case WRITE_ONLY_DMA_LENGTH_MAX ->
            {
                length = goodWrite(psn);
                reth(Opcode.RC_RDMA_WRITE_ONLY).dmaLength(0xFFFF_FFFF);
            }
            case WRITE_ONLY_DMA_LENGTH_MISMATCH ->
            {
                length = goodWrite(psn);
                reth(Opcode.RC_RDMA_WRITE_ONLY).dmaLength(100);
            }
            case READ_DMA_LENGTH_MAX ->
            {
                length = frame(Opcode.RC_RDMA_READ_REQUEST, qpn, psn, 0);
                reth(Opcode.RC_RDMA_READ_REQUEST).virtualAddress(base).rkey(rkey).dmaLength(0xFFFF_FFFF);
            }
            case READ_BAD_RKEY ->
            {
                length = frame(Opcode.RC_RDMA_READ_REQUEST, qpn, psn, 0);
                reth(Opcode.RC_RDMA_READ_REQUEST).virtualAddress(base).rkey(0x7FFFFF01).dmaLength(64);
            }
            case READ_BEYOND_MR ->
            {
                length = frame(Opcode.RC_RDMA_READ_REQUEST, qpn, psn, 0);
                reth(Opcode.RC_RDMA_READ_REQUEST).virtualAddress(end - 100).rkey(rkey).dmaLength(200);
            }
            case WRITE_MIDDLE_WITHOUT_FIRST -> length = frame(Opcode.RC_RDMA_WRITE_MIDDLE, qpn, psn, MTU);
            case WRITE_LAST_WITHOUT_FIRST -> length = frame(Opcode.RC_RDMA_WRITE_LAST, qpn, psn, 64);
            case SEND_MIDDLE_WITHOUT_FIRST -> length = frame(Opcode.RC_SEND_MIDDLE, qpn, psn, MTU);
            case SEND_ONLY_LARGER_THAN_MTU -> length = frame(Opcode.RC_SEND_ONLY, qpn, psn, 2 * MTU);
            case WRITE_ONLY_LARGER_THAN_MTU ->
            {
                length = frame(Opcode.RC_RDMA_WRITE_ONLY, qpn, psn, 2 * MTU);
                reth(Opcode.RC_RDMA_WRITE_ONLY).virtualAddress(base).rkey(rkey).dmaLength(2 * MTU);
            }
            case SEND_FIRST_SHORTER_THAN_MTU -> length = frame(Opcode.RC_SEND_FIRST, qpn, psn, MTU - 24);
            case ATOMIC_UNALIGNED ->
            {
                length = frame(Opcode.RC_FETCH_ADD, qpn, psn, 0);
                atomicEth(Opcode.RC_FETCH_ADD).virtualAddress(base + 4).rkey(rkey).swapOrAddData(1);
            }
            case ATOMIC_BAD_RKEY ->
            {
                length = frame(Opcode.RC_COMPARE_SWAP, qpn, psn, 0);
                atomicEth(Opcode.RC_COMPARE_SWAP).virtualAddress(base).rkey(rkey + 0x100).swapOrAddData(1);
            }
            case ATOMIC_BEYOND_MR ->
            {
                length = frame(Opcode.RC_FETCH_ADD, qpn, psn, 0);
                atomicEth(Opcode.RC_FETCH_ADD).virtualAddress(end).rkey(rkey).swapOrAddData(1);
            }
            default -> throw new AssertionError(c);
        }
        // a receive is posted, so SENDs fail on their own fault and not for want of a buffer
        final IbvRecvWr rwr = new IbvRecvWr();
        rwr.wrId = 99;
        rwr.sge(pair.b.mr.addr() + 65536, 8192, pair.b.mr.lkey());
        pair.b.qp.postRecv(rwr);
        mark();

        send(length);
        assertEquals(1, db(c.counter), c + ": b = " + pair.b.engine.counters().snapshot());
        final long naks = db(EngineCounters.NAK_REM_ACCESS_SENT) + db(EngineCounters.NAK_INV_REQ_SENT) +
            db(EngineCounters.NAK_REM_OP_SENT) + db(EngineCounters.NAK_SEQ_SENT);
        assertEquals(1, naks, "exactly one NAK");
        if (c.name().contains("WITHOUT_FIRST"))
        {
            assertEquals(1, db(EngineCounters.BAD_OPCODE_SEQUENCE));
        }
        assertMemoryUntouched();
        assertEquals(0, db(EngineCounters.BUS_BYTES_FROM_HOST), "nothing read out of b's memory");
        if (otherMemory != null)
        {
            assertArrayEquals(new byte[4096], otherMemory.toArray(ValueLayout.JAVA_BYTE));
        }
        // a second request behind it is ignored: the QP has failed
        send(goodWrite(psn + 1));
        assertMemoryUntouched();
        assertContained(pair.b.qp);
        assertEquals(1, db(EngineCounters.QP_ERRORS));
        // the receive posted on the failed QP completes in error (as the SEND's victim, or flushed)
        final var recv = QpKit.one(pair.b, pair.b.recvCq);
        assertEquals(99, recv.wrId);
        assertTrue(recv.status != IbvWcStatus.SUCCESS, recv.toString());
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Responses nobody asked for

    @Test
    void responsesWithNothingOutstandingAreDropped()
    {
        final int qpn = pair.b.qp.qpNum();
        int length = frame(Opcode.RC_RDMA_READ_RESPONSE_ONLY, qpn, 0x200, 64);
        aeth(Opcode.RC_RDMA_READ_RESPONSE_ONLY).syndrome(Aeth.ackSyndrome(Aeth.CREDITS_INVALID));
        send(length);
        send(frame(Opcode.RC_RDMA_READ_RESPONSE_MIDDLE, qpn, 0x201, MTU));
        length = frame(Opcode.RC_ACKNOWLEDGE, qpn, 0x1FF, 0);
        aeth(Opcode.RC_ACKNOWLEDGE).syndrome(Aeth.ackSyndrome(Aeth.CREDITS_INVALID));
        send(length);
        length = frame(Opcode.RC_ACKNOWLEDGE, qpn, 0x200, 0);
        aeth(Opcode.RC_ACKNOWLEDGE).syndrome(Aeth.nakSyndrome(Aeth.NAK_REMOTE_ACCESS_ERROR));
        send(length);
        length = frame(Opcode.RC_ATOMIC_ACKNOWLEDGE, qpn, 0x123456, 0);
        aeth(Opcode.RC_ATOMIC_ACKNOWLEDGE).syndrome(Aeth.ackSyndrome(0));
        send(length);
        assertEquals(5, db(EngineCounters.DUPLICATE_RESPONSES));
        assertEquals(0, db(EngineCounters.QP_ERRORS));
        assertEquals(IbvQpState.RTS, state(pair.b.qp));
        assertMemoryUntouched();
        assertSurvives(15);
    }

    @Test
    void readResponseForAWriteInFlightIsABadResponse()
    {
        // a stops answering (ERR), so b's WRITE stays outstanding while the forged response comes in
        final IbvQpAttr attr = new IbvQpAttr();
        attr.qpState = IbvQpState.ERR;
        pair.a.qp.modify(attr, IbvQpAttrMask.STATE);
        final IbvSendWr swr = new IbvSendWr();
        swr.wrId = 7;
        swr.opcode = IbvWrOpcode.RDMA_WRITE;
        swr.sendFlags = IbvSendFlags.SIGNALED;
        swr.remoteAddr = pair.a.mr.addr();
        swr.rkey = pair.a.mr.rkey();
        swr.sge(pair.b.mr.addr() + 8192, 8, pair.b.mr.lkey());
        pair.b.qp.postSend(swr);
        final QueuePair b = device(pair.b, pair.b.qp);
        final long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        int unacked = -1;
        while (unacked < 0 && System.nanoTime() < deadline)
        {
            unacked = b.read(q -> q.sendQueue().hasUnacked() ? q.sendQueue().unackedPsn() : -1);
        }
        assertTrue(unacked >= 0, "b's WRITE went out");
        mark();

        final int length = frame(Opcode.RC_RDMA_READ_RESPONSE_ONLY, pair.b.qp.qpNum(), unacked, 8);
        aeth(Opcode.RC_RDMA_READ_RESPONSE_ONLY).syndrome(Aeth.ackSyndrome(Aeth.CREDITS_INVALID));
        send(length);
        final var wc = QpKit.one(pair.b, pair.b.sendCq);
        QpKit.assertStatus(IbvWcStatus.BAD_RESP_ERR, 7, wc);
        assertEquals(1, db(EngineCounters.BAD_OPCODE_SEQUENCE));
        assertEquals(IbvQpState.ERR, state(pair.b.qp));
        assertMemoryUntouched();
        QpKit.assertNoEngineErrors(pair);
        final QpKit.Link link = new QpKit.Link(pair);
        QpKit.assertWorks(link.a, link.b, 16);
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Fuzz

    @Test
    void randomBytesNeverHurtTheEngine()
    {
        final Random rnd = new Random(0x50F7_1C);
        final int qpn = pair.b.qp.qpNum();
        Map<String, Long> a0 = pair.a.engine.counters().snapshot();
        Map<String, Long> b0 = pair.b.engine.counters().snapshot();
        for (int i = 0; i < 4000; i++)
        {
            final int length = rnd.nextInt(5001);
            for (int k = 0; k < length; k += 8)
            {
                pkt.set(ValueLayout.JAVA_LONG_UNALIGNED, k, rnd.nextLong());
            }
            if (length >= Bth.LENGTH && rnd.nextInt(3) == 0)
            {
                // a plausible BTH aimed at the QP, so more of it gets past the first checks
                bth.wrap(pkt, 0).opcode(rnd.nextInt(0x18)).transportVersion(0).pkey(0xFFFF).destQp(qpn)
                    .psn(expected() + rnd.nextInt(3) - 1);
                if (rnd.nextBoolean())
                {
                    bth.padCount(0);
                }
            }
            inject(length, aIp, SRC_PORT);
            if (i % 500 == 499)
            {
                final Map<String, Long> a1 = pair.a.engine.counters().snapshot();
                final Map<String, Long> b1 = pair.b.engine.counters().snapshot();
                QpKit.assertCountersGrew(a0, a1);
                QpKit.assertCountersGrew(b0, b1);
                a0 = a1;
                b0 = b1;
                QpKit.assertNoEngineErrors(pair);
            }
        }
        assertTrue(db(EngineCounters.MALFORMED_DROPPED) + db(EngineCounters.ICRC_ERRORS) == 4000,
            "every random datagram was refused by the packet checks: " + pair.b.engine.counters().snapshot());
        assertMemoryUntouched();
        assertSurvives(17);
    }

    private static final int[] OPCODES = {
        Opcode.RC_SEND_FIRST, Opcode.RC_SEND_MIDDLE, Opcode.RC_SEND_LAST, Opcode.RC_SEND_LAST_WITH_IMMEDIATE,
        Opcode.RC_SEND_ONLY, Opcode.RC_SEND_ONLY_WITH_IMMEDIATE, Opcode.RC_RDMA_WRITE_FIRST,
        Opcode.RC_RDMA_WRITE_MIDDLE, Opcode.RC_RDMA_WRITE_LAST, Opcode.RC_RDMA_WRITE_LAST_WITH_IMMEDIATE,
        Opcode.RC_RDMA_WRITE_ONLY, Opcode.RC_RDMA_WRITE_ONLY_WITH_IMMEDIATE, Opcode.RC_RDMA_READ_REQUEST,
        Opcode.RC_RDMA_READ_RESPONSE_FIRST, Opcode.RC_RDMA_READ_RESPONSE_MIDDLE, Opcode.RC_RDMA_READ_RESPONSE_LAST,
        Opcode.RC_RDMA_READ_RESPONSE_ONLY, Opcode.RC_ACKNOWLEDGE, Opcode.RC_ATOMIC_ACKNOWLEDGE, Opcode.RC_COMPARE_SWAP,
        Opcode.RC_FETCH_ADD, Opcode.RC_SEND_LAST_WITH_INVALIDATE, Opcode.RC_SEND_ONLY_WITH_INVALIDATE,
        Opcode.UD_SEND_ONLY, Opcode.UD_SEND_ONLY_WITH_IMMEDIATE,
    };

    /**
     * Well-formed, correctly checksummed packets with hostile field values, aimed at a separate connection's QP on b
     * (replaced whenever it fails): they reach the responder and completer state machines, which must refuse or take
     * each without an exception and without touching memory outside that connection's MR.
     */
    @Test
    void wellFormedPacketsWithHostileFieldsNeverHurtTheEngine()
    {
        final Random rnd = new Random(0xF00D);
        Map<String, Long> a0 = pair.a.engine.counters().snapshot();
        Map<String, Long> b0 = pair.b.engine.counters().snapshot();
        QpKit.Link link = victim();
        int links = 1;
        long fatalNaks = fatalNaks();
        for (int i = 0; i < 4000; i++)
        {
            if (device(pair.b, link.b.qp()).read(QueuePair::state) == IbvQpState.ERR)
            {
                link.close();
                link = victim();
                links++;
            }
            final IbvQp target = link.b.qp();
            final int expected = expectedPsn(pair.b, target);
            final int opcode = rnd.nextInt(20) == 0 ? rnd.nextInt(256) : OPCODES[rnd.nextInt(OPCODES.length)];
            final int flags = Opcode.flags(opcode);
            int payload = 0;
            if ((flags & Opcode.HAS_PAYLOAD) != 0)
            {
                payload = switch (rnd.nextInt(5))
                {
                    case 0 -> 0;
                    case 1, 2 -> MTU;
                    case 3 -> rnd.nextInt(MTU + 1);
                    default -> MTU + 4 * rnd.nextInt(300);
                };
                if ((flags & Opcode.LAST) == 0 && rnd.nextInt(4) != 0)
                {
                    payload &= ~3;
                }
            }
            final int psn = rnd.nextInt(10) == 0 ? rnd.nextInt() : rnd.nextBoolean() ? expected :
                expected + rnd.nextInt(5) - 2;
            final int qpn = rnd.nextInt(30) == 0 ? rnd.nextInt(16) : target.qpNum(); // never the main QP
            final int length = frame(opcode, qpn, psn, payload);
            final long base = link.b.mr().addr();
            final int size = (int)link.b.mr().length();
            final long va = switch (rnd.nextInt(5))
            {
                case 0 -> rnd.nextLong();
                case 1 -> base + size - rnd.nextInt(2 * MTU);
                case 2 -> pair.b.mr.addr() + rnd.nextInt(4096);
                default -> base + rnd.nextInt(size);
            };
            final int rkey = switch (rnd.nextInt(4))
            {
                case 0 -> rnd.nextInt();
                case 1 -> pair.b.mr.rkey(); // an MR of another PD
                default -> link.b.mr().rkey();
            };
            final int dmaLength = switch (rnd.nextInt(5))
            {
                case 0 -> rnd.nextInt();
                case 1 -> 0xFFFF_FFFF;
                case 2 -> payload + MTU * rnd.nextInt(4);
                default -> payload;
            };
            if (Opcode.rethOffset(opcode) >= 0)
            {
                reth(opcode).virtualAddress(va).rkey(rkey).dmaLength(
                    opcode == Opcode.RC_RDMA_READ_REQUEST && rnd.nextBoolean() ? rnd.nextInt(8 * MTU) : dmaLength);
            }
            if (Opcode.atomicEthOffset(opcode) >= 0)
            {
                atomicEth(opcode).virtualAddress(rnd.nextInt(4) == 0 ? va : va & ~7L).rkey(rkey)
                    .swapOrAddData(rnd.nextLong()).compareData(rnd.nextLong());
            }
            if (Opcode.aethOffset(opcode) >= 0)
            {
                aeth(opcode).syndrome(rnd.nextInt(256)).msn(rnd.nextInt());
            }
            if (rnd.nextInt(10) == 0)
            {
                bth.padCount(rnd.nextInt(4));
            }
            if (rnd.nextInt(10) == 0)
            {
                bth.pkey(rnd.nextInt(0x10000));
            }
            seal(length, aIp);
            inject(length, aIp, SRC_PORT);
            final long naks = fatalNaks();
            if (naks != fatalNaks)
            {
                // the victim failed: it ignores everything until its NAK is out and it is in ERR, then it is replaced
                fatalNaks = naks;
                awaitDeviceState(link.b.qp(), IbvQpState.ERR);
            }
            if (i % 500 == 499)
            {
                final Map<String, Long> a1 = pair.a.engine.counters().snapshot();
                final Map<String, Long> b1 = pair.b.engine.counters().snapshot();
                QpKit.assertCountersGrew(a0, a1);
                QpKit.assertCountersGrew(b0, b1);
                a0 = a1;
                b0 = b1;
                QpKit.assertNoEngineErrors(pair);
            }
        }
        assertTrue(links > 100, "the fuzz broke victim QPs, as it should: " + links);
        assertTrue(db(EngineCounters.COMPLETIONS_BASE) > 0, "some hostile-but-legal SENDs were received");
        assertTrue(db(EngineCounters.NAK_REM_ACCESS_SENT) + db(EngineCounters.NAK_INV_REQ_SENT) > 0);
        // nothing outside the victims' MRs was written: b's main buffer (another PD) keeps its pattern
        assertArrayEquals(patternLow, QpKit.copy(pair.b.buffer, 0, patternLow.length));
        assertArrayEquals(patternHigh, QpKit.copy(pair.b.buffer, RcPair.BUFFER - 4096, 4096));
        QpKit.assertNoEngineErrors(pair);
        assertSurvives(18);
        final QpKit.Link fresh = new QpKit.Link(pair);
        QpKit.assertWorks(fresh.a, fresh.b, 19);
    }

    private long fatalNaks()
    {
        return pair.b.engine.counters().get(EngineCounters.NAK_INV_REQ_SENT) +
            pair.b.engine.counters().get(EngineCounters.NAK_REM_ACCESS_SENT) +
            pair.b.engine.counters().get(EngineCounters.NAK_REM_OP_SENT);
    }

    private void awaitDeviceState(final IbvQp qp, final IbvQpState expected)
    {
        final QueuePair q = device(pair.b, qp);
        final long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        while (q.read(QueuePair::state) != expected && System.nanoTime() < deadline)
        {
            Thread.onSpinWait();
        }
        assertEquals(expected, q.read(QueuePair::state), "victim QP " + qp.qpNum());
    }

    /** A separate connection whose b QP takes the fuzz, with receives posted so SENDs can land. */
    private QpKit.Link victim()
    {
        final QpKit.Link link = new QpKit.Link(pair);
        final IbvRecvWr rwr = new IbvRecvWr();
        for (int i = 0; i < 16; i++)
        {
            rwr.wrId = i;
            rwr.sge(link.b.mr().addr() + i * 8192L, 8192, link.b.mr().lkey());
            link.b.qp().postRecv(rwr);
        }
        return link;
    }
}
