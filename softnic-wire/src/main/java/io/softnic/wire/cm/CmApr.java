package io.softnic.wire.cm;

import java.lang.foreign.MemorySegment;

/**
 * Alternate Path Response (APR, attribute 0x001A; IBTA vol. 1 chapter 12, "APR Message Contents"): the answer to a
 * LAP, saying whether the alternate path was loaded. Offsets from the start of the MAD:
 * <pre>
 *  24-27   local communication id
 *  28-31   remote communication id
 *  32      additional information length
 *  33      AP status
 *  34-35   reserved
 *  36-107  additional information (72 bytes)
 *  108-255 private data (148 bytes)
 * </pre>
 */
public final class CmApr extends CmPeerMessage<CmApr> {
    public static final int INFO_LENGTH_OFFSET = DATA_OFFSET + 8;
    public static final int AP_STATUS_OFFSET = DATA_OFFSET + 9;
    public static final int INFO_OFFSET = DATA_OFFSET + 12;
    public static final int INFO_LENGTH = 72;
    public static final int PRIVATE_DATA_OFFSET = DATA_OFFSET + 84;
    public static final int PRIVATE_DATA_LENGTH = 148;

    // AP status codes (IBTA vol. 1 chapter 12; Linux enum ib_cm_apr_status).
    /** The alternate path was loaded. */
    public static final int AP_LOADED = 0;
    public static final int INVALID_COMM_ID = 1;
    public static final int AP_UNSUPPORTED = 2;
    public static final int AP_REJECTED = 3;
    public static final int AP_REDIRECT = 4;
    public static final int AP_IS_CURRENT = 5;
    public static final int INVALID_QPN_EECN = 6;
    public static final int INVALID_LID = 7;
    public static final int INVALID_GID = 8;
    public static final int INVALID_FLOW_LABEL = 9;
    public static final int INVALID_TRAFFIC_CLASS = 10;
    public static final int INVALID_HOP_LIMIT = 11;
    public static final int INVALID_PACKET_RATE = 12;
    public static final int INVALID_SL = 13;

    public CmApr() {
        super(ATTR_APR, PRIVATE_DATA_OFFSET, PRIVATE_DATA_LENGTH);
    }

    /** Bytes of additional information that are meaningful (0-72). */
    public int infoLength() {
        return getU8(INFO_LENGTH_OFFSET);
    }

    public CmApr infoLength(final int value) {
        putU8(INFO_LENGTH_OFFSET, value);
        return this;
    }

    public int apStatus() {
        return getU8(AP_STATUS_OFFSET);
    }

    public CmApr apStatus(final int value) {
        putU8(AP_STATUS_OFFSET, value);
        return this;
    }

    /** Copies {@code length} (at most 72) bytes of additional information out. */
    public void getInfo(final MemorySegment dst, final long dstOffset, final int length) {
        checkInfoLength(length);
        copyOut(INFO_OFFSET, dst, dstOffset, length);
    }

    /** Writes {@code length} bytes of additional information, zeroes the rest and sets the length to match. */
    public CmApr putInfo(final MemorySegment src, final long srcOffset, final int length) {
        checkInfoLength(length);
        copyIn(INFO_OFFSET, src, srcOffset, length);
        zero(INFO_OFFSET + length, INFO_LENGTH - length);
        return infoLength(length);
    }

    private static void checkInfoLength(final int length) {
        if (length < 0 || length > INFO_LENGTH) {
            throw new IllegalArgumentException("APR additional information length " + length + " outside 0.."
                + INFO_LENGTH);
        }
    }

    public static String statusName(final int status) {
        return switch (status) {
            case AP_LOADED -> "AP_LOADED";
            case INVALID_COMM_ID -> "INVALID_COMM_ID";
            case AP_UNSUPPORTED -> "AP_UNSUPPORTED";
            case AP_REJECTED -> "AP_REJECTED";
            case AP_REDIRECT -> "AP_REDIRECT";
            case AP_IS_CURRENT -> "AP_IS_CURRENT";
            case INVALID_QPN_EECN -> "INVALID_QPN_EECN";
            case INVALID_LID -> "INVALID_LID";
            case INVALID_GID -> "INVALID_GID";
            case INVALID_FLOW_LABEL -> "INVALID_FLOW_LABEL";
            case INVALID_TRAFFIC_CLASS -> "INVALID_TRAFFIC_CLASS";
            case INVALID_HOP_LIMIT -> "INVALID_HOP_LIMIT";
            case INVALID_PACKET_RATE -> "INVALID_PACKET_RATE";
            case INVALID_SL -> "INVALID_SL";
            default -> "AP_STATUS(" + status + ")";
        };
    }
}
