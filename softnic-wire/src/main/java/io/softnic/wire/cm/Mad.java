package io.softnic.wire.cm;

import io.softnic.wire.Flyweight;
import java.lang.foreign.MemorySegment;

/**
 * Management Datagram: the fixed 256-byte unit of InfiniBand management, here the
 * Communication Manager class carried on QP1 (IBTA vol. 1, chapter 13). On RoCEv2 it travels as the
 * payload of a UD SEND_ONLY to QP 1 with DETH Q_Key {@link #Q_KEY_GSI} and source QP 1.
 *
 * <p>Common header (big-endian):
 * <pre>
 *  0      base version (1)
 *  1      management class (0x07 = CM)
 *  2      class version (2 for CM)
 *  3      method: R bit (7) and method (6-0)
 *  4-5    status
 *  6-7    class specific
 *  8-15   transaction id
 *  16-17  attribute id
 *  18-19  reserved
 *  20-23  attribute modifier
 *  24-255 class data
 * </pre>
 */
public class Mad extends Flyweight {
    public static final int MAD_LENGTH = 256;
    public static final int HEADER_LENGTH = 24;
    public static final int DATA_OFFSET = HEADER_LENGTH;
    public static final int DATA_LENGTH = MAD_LENGTH - HEADER_LENGTH;

    public static final int BASE_VERSION_OFFSET = 0;
    public static final int MGMT_CLASS_OFFSET = 1;
    public static final int CLASS_VERSION_OFFSET = 2;
    public static final int METHOD_OFFSET = 3;
    public static final int STATUS_OFFSET = 4;
    public static final int CLASS_SPECIFIC_OFFSET = 6;
    public static final int TRANSACTION_ID_OFFSET = 8;
    public static final int ATTRIBUTE_ID_OFFSET = 16;
    public static final int RESERVED_OFFSET = 18;
    public static final int ATTRIBUTE_MODIFIER_OFFSET = 20;

    public static final int BASE_VERSION = 1;
    public static final int MGMT_CLASS_CM = 0x07;
    public static final int CM_CLASS_VERSION = 2;

    public static final int METHOD_GET = 0x01;
    public static final int METHOD_SET = 0x02;
    /** All CM protocol messages are SENDs; there are no GetResp-style replies. */
    public static final int METHOD_SEND = 0x03;
    public static final int METHOD_GET_RESP = 0x81;

    public static final int ATTR_CLASS_PORT_INFO = 0x0001;
    public static final int ATTR_REQ = 0x0010;
    public static final int ATTR_MRA = 0x0011;
    public static final int ATTR_REJ = 0x0012;
    public static final int ATTR_REP = 0x0013;
    public static final int ATTR_RTU = 0x0014;
    public static final int ATTR_DREQ = 0x0015;
    public static final int ATTR_DREP = 0x0016;
    public static final int ATTR_SIDR_REQ = 0x0017;
    public static final int ATTR_SIDR_REP = 0x0018;
    public static final int ATTR_LAP = 0x0019;
    public static final int ATTR_APR = 0x001A;

    /** Well-known Q_Key of the General Services Interface (QP1). */
    public static final int Q_KEY_GSI = 0x8001_0000;
    /** The General Services QP. */
    public static final int QPN_GSI = 1;

    @Override
    public Mad wrap(final MemorySegment segment, final long offset) {
        super.wrap(segment, offset);
        return this;
    }

    /** Zeroes the whole 256-byte MAD. */
    public Mad reset() {
        zero(0, MAD_LENGTH);
        return this;
    }

    /**
     * Zeroes the MAD and writes a CM SEND header, ready for the message body: the usual first
     * step of building any CM message.
     */
    public Mad initCm(final int attributeId, final long transactionId) {
        reset();
        putU8(BASE_VERSION_OFFSET, BASE_VERSION);
        putU8(MGMT_CLASS_OFFSET, MGMT_CLASS_CM);
        putU8(CLASS_VERSION_OFFSET, CM_CLASS_VERSION);
        putU8(METHOD_OFFSET, METHOD_SEND);
        putU16(ATTRIBUTE_ID_OFFSET, attributeId);
        putI64(TRANSACTION_ID_OFFSET, transactionId);
        return this;
    }

    /** True if base version, management class and class version are those of CM. */
    public boolean isCm() {
        return baseVersion() == BASE_VERSION && mgmtClass() == MGMT_CLASS_CM && classVersion() == CM_CLASS_VERSION;
    }

    public int baseVersion() {
        return getU8(BASE_VERSION_OFFSET);
    }

    public Mad baseVersion(final int value) {
        putU8(BASE_VERSION_OFFSET, value);
        return this;
    }

    public int mgmtClass() {
        return getU8(MGMT_CLASS_OFFSET);
    }

    public Mad mgmtClass(final int value) {
        putU8(MGMT_CLASS_OFFSET, value);
        return this;
    }

    public int classVersion() {
        return getU8(CLASS_VERSION_OFFSET);
    }

    public Mad classVersion(final int value) {
        putU8(CLASS_VERSION_OFFSET, value);
        return this;
    }

    /** Whole method byte, including the response bit 7. */
    public int method() {
        return getU8(METHOD_OFFSET);
    }

    public Mad method(final int value) {
        putU8(METHOD_OFFSET, value);
        return this;
    }

    public int status() {
        return getU16(STATUS_OFFSET);
    }

    public Mad status(final int value) {
        putU16(STATUS_OFFSET, value);
        return this;
    }

    public int classSpecific() {
        return getU16(CLASS_SPECIFIC_OFFSET);
    }

    public Mad classSpecific(final int value) {
        putU16(CLASS_SPECIFIC_OFFSET, value);
        return this;
    }

    public long transactionId() {
        return getI64(TRANSACTION_ID_OFFSET);
    }

    public Mad transactionId(final long value) {
        putI64(TRANSACTION_ID_OFFSET, value);
        return this;
    }

    public int attributeId() {
        return getU16(ATTRIBUTE_ID_OFFSET);
    }

    public Mad attributeId(final int value) {
        putU16(ATTRIBUTE_ID_OFFSET, value);
        return this;
    }

    public int reserved() {
        return getU16(RESERVED_OFFSET);
    }

    public int attributeModifier() {
        return getI32(ATTRIBUTE_MODIFIER_OFFSET);
    }

    public Mad attributeModifier(final int value) {
        putI32(ATTRIBUTE_MODIFIER_OFFSET, value);
        return this;
    }

    public static String attributeName(final int attributeId) {
        return switch (attributeId) {
            case ATTR_CLASS_PORT_INFO -> "ClassPortInfo";
            case ATTR_REQ -> "REQ";
            case ATTR_MRA -> "MRA";
            case ATTR_REJ -> "REJ";
            case ATTR_REP -> "REP";
            case ATTR_RTU -> "RTU";
            case ATTR_DREQ -> "DREQ";
            case ATTR_DREP -> "DREP";
            case ATTR_SIDR_REQ -> "SIDR_REQ";
            case ATTR_SIDR_REP -> "SIDR_REP";
            case ATTR_LAP -> "LAP";
            case ATTR_APR -> "APR";
            default -> "ATTR(0x" + Integer.toHexString(attributeId) + ")";
        };
    }

    @Override
    public String toString() {
        return getClass().getSimpleName() + "{class=0x" + Integer.toHexString(mgmtClass())
            + " v" + classVersion() + " method=0x" + Integer.toHexString(method())
            + " attr=" + attributeName(attributeId()) + " tid=0x" + Long.toHexString(transactionId()) + "}";
    }
}
