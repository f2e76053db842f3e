package io.softnic.wire.cm;

import java.lang.foreign.MemorySegment;

/**
 * Reject (REJ, attribute 0x0012; IBTA vol. 1, Table 108). Offsets from the MAD start:
 * <pre>
 *  24-27   local communication id
 *  28-31   remote communication id (0 when rejecting a REQ before one was assigned)
 *  32      message REJected (7-6), reserved (5-0)
 *  33      reject info length (7-1), reserved (0)
 *  34-35   reason
 *  36-107  additional reject information, ARI (72 bytes)
 *  108-255 private data (148 bytes)
 * </pre>
 */
public final class CmRej extends CmPeerMessage<CmRej> {
    public static final int MESSAGE_REJECTED_OFFSET = DATA_OFFSET + 8;
    public static final int REJECT_INFO_LENGTH_OFFSET = DATA_OFFSET + 9;
    public static final int REASON_OFFSET = DATA_OFFSET + 10;
    public static final int ARI_OFFSET = DATA_OFFSET + 12;
    public static final int ARI_LENGTH = 72;
    public static final int PRIVATE_DATA_OFFSET = DATA_OFFSET + 84;
    public static final int PRIVATE_DATA_LENGTH = 148;

    // Reject reasons (IBTA vol. 1 chapter 12; Linux enum ib_cm_rej_reason).
    public static final int NO_QP = 1;
    public static final int NO_EEC = 2;
    public static final int NO_RESOURCES = 3;
    public static final int TIMEOUT = 4;
    public static final int UNSUPPORTED_REQ = 5;
    public static final int INVALID_COMM_ID = 6;
    public static final int INVALID_COMM_INSTANCE = 7;
    /** What rdma_cm answers when nobody listens on the service id (its ECONNREFUSED). */
    public static final int INVALID_SERVICE_ID = 8;
    public static final int INVALID_TRANSPORT_TYPE = 9;
    public static final int STALE_CONN = 10;
    public static final int RDC_NOT_EXIST = 11;
    public static final int INVALID_GID = 12;
    public static final int INVALID_LID = 13;
    public static final int INVALID_SL = 14;
    public static final int INVALID_TRAFFIC_CLASS = 15;
    public static final int INVALID_HOP_LIMIT = 16;
    public static final int INVALID_PACKET_RATE = 17;
    public static final int INVALID_ALT_GID = 18;
    public static final int INVALID_ALT_LID = 19;
    public static final int INVALID_ALT_SL = 20;
    public static final int INVALID_ALT_TRAFFIC_CLASS = 21;
    public static final int INVALID_ALT_HOP_LIMIT = 22;
    public static final int INVALID_ALT_PACKET_RATE = 23;
    public static final int PORT_CM_REDIRECT = 24;
    public static final int PORT_REDIRECT = 25;
    public static final int INVALID_MTU = 26;
    public static final int INSUFFICIENT_RESP_RESOURCES = 27;
    /** Application reject; rdma_cm's rdma_reject() uses this with the caller's private data. */
    public static final int CONSUMER_DEFINED = 28;
    public static final int INVALID_RNR_RETRY = 29;
    public static final int DUPLICATE_LOCAL_COMM_ID = 30;
    public static final int INVALID_CLASS_VERSION = 31;
    public static final int INVALID_FLOW_LABEL = 32;
    public static final int INVALID_ALT_FLOW_LABEL = 33;
    public static final int VENDOR_OPTION_NOT_SUPPORTED = 35;

    private static final int MESSAGE_SHIFT = 6;
    private static final int MESSAGE_WIDTH = 2;
    private static final int REJECT_INFO_LENGTH_SHIFT = 1;
    private static final int REJECT_INFO_LENGTH_WIDTH = 7;

    public CmRej() {
        super(ATTR_REJ, PRIVATE_DATA_OFFSET, PRIVATE_DATA_LENGTH);
    }

    /** {@link #MESSAGE_REQ}, {@link #MESSAGE_REP} or {@link #MESSAGE_OTHER}. */
    public int messageRejected() {
        return getBits(MESSAGE_REJECTED_OFFSET, MESSAGE_SHIFT, MESSAGE_WIDTH);
    }

    public CmRej messageRejected(final int value) {
        putBits(MESSAGE_REJECTED_OFFSET, MESSAGE_SHIFT, MESSAGE_WIDTH, value);
        return this;
    }

    /** Bytes of ARI that are meaningful (0-72). */
    public int rejectInfoLength() {
        return getBits(REJECT_INFO_LENGTH_OFFSET, REJECT_INFO_LENGTH_SHIFT, REJECT_INFO_LENGTH_WIDTH);
    }

    public CmRej rejectInfoLength(final int value) {
        putBits(REJECT_INFO_LENGTH_OFFSET, REJECT_INFO_LENGTH_SHIFT, REJECT_INFO_LENGTH_WIDTH, value);
        return this;
    }

    public int reason() {
        return getU16(REASON_OFFSET);
    }

    public CmRej reason(final int value) {
        putU16(REASON_OFFSET, value);
        return this;
    }

    /** Copies {@code length} (at most 72) bytes of ARI out. */
    public void getAri(final MemorySegment dst, final long dstOffset, final int length) {
        checkAriLength(length);
        copyOut(ARI_OFFSET, dst, dstOffset, length);
    }

    /** Writes {@code length} bytes of ARI, zeroes the rest and sets the reject info length to match. */
    public CmRej putAri(final MemorySegment src, final long srcOffset, final int length) {
        checkAriLength(length);
        copyIn(ARI_OFFSET, src, srcOffset, length);
        zero(ARI_OFFSET + length, ARI_LENGTH - length);
        return rejectInfoLength(length);
    }

    private static void checkAriLength(final int length) {
        if (length < 0 || length > ARI_LENGTH) {
            throw new IllegalArgumentException("ARI length " + length + " outside 0.." + ARI_LENGTH);
        }
    }

    public static String reasonName(final int reason) {
        return switch (reason) {
            case NO_QP -> "NO_QP";
            case NO_EEC -> "NO_EEC";
            case NO_RESOURCES -> "NO_RESOURCES";
            case TIMEOUT -> "TIMEOUT";
            case UNSUPPORTED_REQ -> "UNSUPPORTED_REQ";
            case INVALID_COMM_ID -> "INVALID_COMM_ID";
            case INVALID_COMM_INSTANCE -> "INVALID_COMM_INSTANCE";
            case INVALID_SERVICE_ID -> "INVALID_SERVICE_ID";
            case INVALID_TRANSPORT_TYPE -> "INVALID_TRANSPORT_TYPE";
            case STALE_CONN -> "STALE_CONN";
            case RDC_NOT_EXIST -> "RDC_NOT_EXIST";
            case INVALID_GID -> "INVALID_GID";
            case INVALID_LID -> "INVALID_LID";
            case INVALID_SL -> "INVALID_SL";
            case INVALID_TRAFFIC_CLASS -> "INVALID_TRAFFIC_CLASS";
            case INVALID_HOP_LIMIT -> "INVALID_HOP_LIMIT";
            case INVALID_PACKET_RATE -> "INVALID_PACKET_RATE";
            case INVALID_ALT_GID -> "INVALID_ALT_GID";
            case INVALID_ALT_LID -> "INVALID_ALT_LID";
            case INVALID_ALT_SL -> "INVALID_ALT_SL";
            case INVALID_ALT_TRAFFIC_CLASS -> "INVALID_ALT_TRAFFIC_CLASS";
            case INVALID_ALT_HOP_LIMIT -> "INVALID_ALT_HOP_LIMIT";
            case INVALID_ALT_PACKET_RATE -> "INVALID_ALT_PACKET_RATE";
            case PORT_CM_REDIRECT -> "PORT_CM_REDIRECT";
            case PORT_REDIRECT -> "PORT_REDIRECT";
            case INVALID_MTU -> "INVALID_MTU";
            case INSUFFICIENT_RESP_RESOURCES -> "INSUFFICIENT_RESP_RESOURCES";
            case CONSUMER_DEFINED -> "CONSUMER_DEFINED";
            case INVALID_RNR_RETRY -> "INVALID_RNR_RETRY";
            case DUPLICATE_LOCAL_COMM_ID -> "DUPLICATE_LOCAL_COMM_ID";
            case INVALID_CLASS_VERSION -> "INVALID_CLASS_VERSION";
            case INVALID_FLOW_LABEL -> "INVALID_FLOW_LABEL";
            case INVALID_ALT_FLOW_LABEL -> "INVALID_ALT_FLOW_LABEL";
            case VENDOR_OPTION_NOT_SUPPORTED -> "VENDOR_OPTION_NOT_SUPPORTED";
            default -> "REASON(" + reason + ")";
        };
    }
}
