package io.softnic.wire;

import java.lang.foreign.MemorySegment;

/**
 * Base Transport Header, the 12 bytes that start every InfiniBand transport packet (IBTA vol. 1,
 * chapter 9). Layout (big-endian):
 * <pre>
 *  0      opcode
 *  1      SE(7) M(6) PadCnt(5-4) TVer(3-0)
 *  2-3    P_Key
 *  4      FECN(7) BECN(6) reserved(5-0)    "variant": masked to all ones for the ICRC
 *  5-7    DestQP
 *  8      AckReq(7) reserved(6-0)
 *  9-11   PSN
 * </pre>
 */
public final class Bth extends Flyweight {
    public static final int LENGTH = 12;

    public static final int OPCODE_OFFSET = 0;
    public static final int FLAGS_OFFSET = 1;
    public static final int PKEY_OFFSET = 2;
    public static final int VARIANT_OFFSET = 4;
    public static final int DEST_QP_OFFSET = 5;
    public static final int ACK_REQ_OFFSET = 8;
    public static final int PSN_OFFSET = 9;

    private static final int SOLICITED_EVENT_BIT = 7;
    private static final int MIG_REQ_BIT = 6;
    private static final int PAD_COUNT_SHIFT = 4;
    private static final int PAD_COUNT_WIDTH = 2;
    private static final int TRANSPORT_VERSION_SHIFT = 0;
    private static final int TRANSPORT_VERSION_WIDTH = 4;
    private static final int FECN_BIT = 7;
    private static final int BECN_BIT = 6;
    private static final int ACK_REQ_BIT = 7;

    /** The only transport header version defined; anything else must be dropped. */
    public static final int TRANSPORT_VERSION = 0;
    /** Default partition, full membership: what RoCE uses unless partitions are configured. */
    public static final int DEFAULT_PKEY = 0xFFFF;

    @Override
    public Bth wrap(final MemorySegment segment, final long offset) {
        super.wrap(segment, offset);
        return this;
    }

    /** Zeroes all 12 bytes, so a header can be built field by field without stale bits. */
    public Bth reset() {
        zero(0, LENGTH);
        return this;
    }

    public int opcode() {
        return getU8(OPCODE_OFFSET);
    }

    public Bth opcode(final int opcode) {
        putU8(OPCODE_OFFSET, opcode);
        return this;
    }

    public boolean solicitedEvent() {
        return getBit(FLAGS_OFFSET, SOLICITED_EVENT_BIT);
    }

    public Bth solicitedEvent(final boolean value) {
        putBit(FLAGS_OFFSET, SOLICITED_EVENT_BIT, value);
        return this;
    }

    public boolean migReq() {
        return getBit(FLAGS_OFFSET, MIG_REQ_BIT);
    }

    public Bth migReq(final boolean value) {
        putBit(FLAGS_OFFSET, MIG_REQ_BIT, value);
        return this;
    }

    /** Bytes (0-3) appended to the payload to make it a multiple of 4. */
    public int padCount() {
        return getBits(FLAGS_OFFSET, PAD_COUNT_SHIFT, PAD_COUNT_WIDTH);
    }

    public Bth padCount(final int value) {
        putBits(FLAGS_OFFSET, PAD_COUNT_SHIFT, PAD_COUNT_WIDTH, value);
        return this;
    }

    public int transportVersion() {
        return getBits(FLAGS_OFFSET, TRANSPORT_VERSION_SHIFT, TRANSPORT_VERSION_WIDTH);
    }

    public Bth transportVersion(final int value) {
        putBits(FLAGS_OFFSET, TRANSPORT_VERSION_SHIFT, TRANSPORT_VERSION_WIDTH, value);
        return this;
    }

    public int pkey() {
        return getU16(PKEY_OFFSET);
    }

    public Bth pkey(final int value) {
        putU16(PKEY_OFFSET, value);
        return this;
    }

    public boolean fecn() {
        return getBit(VARIANT_OFFSET, FECN_BIT);
    }

    public Bth fecn(final boolean value) {
        putBit(VARIANT_OFFSET, FECN_BIT, value);
        return this;
    }

    public boolean becn() {
        return getBit(VARIANT_OFFSET, BECN_BIT);
    }

    public Bth becn(final boolean value) {
        putBit(VARIANT_OFFSET, BECN_BIT, value);
        return this;
    }

    public int destQp() {
        return getU24(DEST_QP_OFFSET);
    }

    public Bth destQp(final int qpn) {
        putU24(DEST_QP_OFFSET, qpn);
        return this;
    }

    public boolean ackReq() {
        return getBit(ACK_REQ_OFFSET, ACK_REQ_BIT);
    }

    /** Sets the AckReq bit; the seven reserved bits of the same byte are preserved (zero them with reset()). */
    public Bth ackReq(final boolean value) {
        putBit(ACK_REQ_OFFSET, ACK_REQ_BIT, value);
        return this;
    }

    public int psn() {
        return getU24(PSN_OFFSET);
    }

    public Bth psn(final int psn) {
        putU24(PSN_OFFSET, psn);
        return this;
    }

    @Override
    public String toString() {
        return "Bth{" + Opcode.name(opcode())
            + " se=" + solicitedEvent() + " m=" + migReq() + " pad=" + padCount() + " tver=" + transportVersion()
            + " pkey=0x" + Integer.toHexString(pkey()) + " fecn=" + fecn() + " becn=" + becn()
            + " dqp=0x" + Integer.toHexString(destQp()) + " a=" + ackReq() + " psn=" + psn() + "}";
    }
}
