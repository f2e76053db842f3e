package io.softnic.wire.cm;

import java.lang.foreign.MemorySegment;

/**
 * Connection Request (REQ, attribute 0x0010; IBTA vol. 1 chapter 12, Table 106). Offsets from the
 * start of the MAD:
 * <pre>
 *  24-27   local communication id
 *  28-31   reserved
 *  32-39   service id
 *  40-47   local CA GUID
 *  48-51   reserved
 *  52-55   local Q_Key
 *  56-58   local QPN                      59  responder resources
 *  60-62   local EECN                     63  initiator depth
 *  64-66   remote EECN                    67  remote CM response timeout (7-3),
 *                                              transport service type (2-1), end-to-end flow control (0)
 *  68-70   starting PSN                   71  local CM response timeout (7-3), retry count (2-0)
 *  72-73   partition key
 *  74      path MTU (7-4), RDC exists (3), RNR retry count (2-0)
 *  75      max CM retries (7-4), SRQ (3), extended transport type (2-0)
 *  76-119  primary path ({@link CmPath})
 *  120-163 alternate path ({@link CmPath}); bit 2 of byte 163 is SAP supported
 *  164-255 private data (92 bytes)
 * </pre>
 */
public final class CmReq extends CmMessage<CmReq> {
    public static final int SERVICE_ID_OFFSET = DATA_OFFSET + 8;
    public static final int LOCAL_CA_GUID_OFFSET = DATA_OFFSET + 16;
    public static final int LOCAL_Q_KEY_OFFSET = DATA_OFFSET + 28;
    public static final int LOCAL_QPN_OFFSET = DATA_OFFSET + 32;
    public static final int RESPONDER_RESOURCES_OFFSET = DATA_OFFSET + 35;
    public static final int LOCAL_EECN_OFFSET = DATA_OFFSET + 36;
    public static final int INITIATOR_DEPTH_OFFSET = DATA_OFFSET + 39;
    public static final int REMOTE_EECN_OFFSET = DATA_OFFSET + 40;
    public static final int REMOTE_CM_RESPONSE_TIMEOUT_OFFSET = DATA_OFFSET + 43;
    public static final int STARTING_PSN_OFFSET = DATA_OFFSET + 44;
    public static final int LOCAL_CM_RESPONSE_TIMEOUT_OFFSET = DATA_OFFSET + 47;
    public static final int PARTITION_KEY_OFFSET = DATA_OFFSET + 48;
    public static final int PATH_MTU_OFFSET = DATA_OFFSET + 50;
    public static final int MAX_CM_RETRIES_OFFSET = DATA_OFFSET + 51;
    public static final int PRIMARY_PATH_OFFSET = DATA_OFFSET + 52;
    public static final int ALTERNATE_PATH_OFFSET = DATA_OFFSET + 96;
    public static final int SAP_SUPPORTED_OFFSET = ALTERNATE_PATH_OFFSET + CmPath.LOCAL_ACK_TIMEOUT_OFFSET;
    public static final int PRIVATE_DATA_OFFSET = DATA_OFFSET + 140;
    public static final int PRIVATE_DATA_LENGTH = 92;

    /** Transport service type codes. */
    public static final int TRANSPORT_RC = 0;
    public static final int TRANSPORT_UC = 1;
    public static final int TRANSPORT_RD = 2;

    // Byte 67
    private static final int CM_TIMEOUT_SHIFT = 3;
    private static final int CM_TIMEOUT_WIDTH = 5;
    private static final int TRANSPORT_SERVICE_TYPE_SHIFT = 1;
    private static final int TRANSPORT_SERVICE_TYPE_WIDTH = 2;
    private static final int END_TO_END_FLOW_CONTROL_BIT = 0;
    // Byte 71
    private static final int RETRY_COUNT_WIDTH = 3;
    // Byte 74
    private static final int PATH_MTU_SHIFT = 4;
    private static final int PATH_MTU_WIDTH = 4;
    private static final int RDC_EXISTS_BIT = 3;
    private static final int RNR_RETRY_COUNT_WIDTH = 3;
    // Byte 75
    private static final int MAX_CM_RETRIES_SHIFT = 4;
    private static final int MAX_CM_RETRIES_WIDTH = 4;
    private static final int SRQ_BIT = 3;
    private static final int EXTENDED_TRANSPORT_TYPE_WIDTH = 3;
    // Byte 163
    private static final int SAP_SUPPORTED_BIT = 2;

    private final CmPath primaryPath = new CmPath();
    private final CmPath alternatePath = new CmPath();

    public CmReq() {
        super(ATTR_REQ, PRIVATE_DATA_OFFSET, PRIVATE_DATA_LENGTH);
    }

    @Override
    public CmReq wrap(final MemorySegment segment, final long offset) {
        super.wrap(segment, offset);
        primaryPath.wrap(segment, offset + PRIMARY_PATH_OFFSET);
        alternatePath.wrap(segment, offset + ALTERNATE_PATH_OFFSET);
        return this;
    }

    /** The primary path, a view that follows this REQ's wrap. */
    public CmPath primaryPath() {
        return primaryPath;
    }

    /** The alternate path (all zero when there is none, as on RoCE). */
    public CmPath alternatePath() {
        return alternatePath;
    }

    public long serviceId() {
        return getI64(SERVICE_ID_OFFSET);
    }

    public CmReq serviceId(final long value) {
        putI64(SERVICE_ID_OFFSET, value);
        return this;
    }

    public long localCaGuid() {
        return getI64(LOCAL_CA_GUID_OFFSET);
    }

    public CmReq localCaGuid(final long value) {
        putI64(LOCAL_CA_GUID_OFFSET, value);
        return this;
    }

    public int localQKey() {
        return getI32(LOCAL_Q_KEY_OFFSET);
    }

    public CmReq localQKey(final int value) {
        putI32(LOCAL_Q_KEY_OFFSET, value);
        return this;
    }

    public int localQpn() {
        return getU24(LOCAL_QPN_OFFSET);
    }

    public CmReq localQpn(final int value) {
        putU24(LOCAL_QPN_OFFSET, value);
        return this;
    }

    /** RDMA READ / atomic requests the sender accepts as responder. */
    public int responderResources() {
        return getU8(RESPONDER_RESOURCES_OFFSET);
    }

    public CmReq responderResources(final int value) {
        putU8(RESPONDER_RESOURCES_OFFSET, value);
        return this;
    }

    public int localEecn() {
        return getU24(LOCAL_EECN_OFFSET);
    }

    public CmReq localEecn(final int value) {
        putU24(LOCAL_EECN_OFFSET, value);
        return this;
    }

    /** RDMA READ / atomic requests the sender will have outstanding as requester. */
    public int initiatorDepth() {
        return getU8(INITIATOR_DEPTH_OFFSET);
    }

    public CmReq initiatorDepth(final int value) {
        putU8(INITIATOR_DEPTH_OFFSET, value);
        return this;
    }

    public int remoteEecn() {
        return getU24(REMOTE_EECN_OFFSET);
    }

    public CmReq remoteEecn(final int value) {
        putU24(REMOTE_EECN_OFFSET, value);
        return this;
    }

    /** How long the passive side may take to reply, as a {@link CmTimeout} exponent. */
    public int remoteCmResponseTimeout() {
        return getBits(REMOTE_CM_RESPONSE_TIMEOUT_OFFSET, CM_TIMEOUT_SHIFT, CM_TIMEOUT_WIDTH);
    }

    public CmReq remoteCmResponseTimeout(final int value) {
        putBits(REMOTE_CM_RESPONSE_TIMEOUT_OFFSET, CM_TIMEOUT_SHIFT, CM_TIMEOUT_WIDTH, value);
        return this;
    }

    public int transportServiceType() {
        return getBits(REMOTE_CM_RESPONSE_TIMEOUT_OFFSET, TRANSPORT_SERVICE_TYPE_SHIFT, TRANSPORT_SERVICE_TYPE_WIDTH);
    }

    public CmReq transportServiceType(final int value) {
        putBits(REMOTE_CM_RESPONSE_TIMEOUT_OFFSET, TRANSPORT_SERVICE_TYPE_SHIFT, TRANSPORT_SERVICE_TYPE_WIDTH, value);
        return this;
    }

    public boolean endToEndFlowControl() {
        return getBit(REMOTE_CM_RESPONSE_TIMEOUT_OFFSET, END_TO_END_FLOW_CONTROL_BIT);
    }

    public CmReq endToEndFlowControl(final boolean value) {
        putBit(REMOTE_CM_RESPONSE_TIMEOUT_OFFSET, END_TO_END_FLOW_CONTROL_BIT, value);
        return this;
    }

    public int startingPsn() {
        return getU24(STARTING_PSN_OFFSET);
    }

    public CmReq startingPsn(final int value) {
        putU24(STARTING_PSN_OFFSET, value);
        return this;
    }

    public int localCmResponseTimeout() {
        return getBits(LOCAL_CM_RESPONSE_TIMEOUT_OFFSET, CM_TIMEOUT_SHIFT, CM_TIMEOUT_WIDTH);
    }

    public CmReq localCmResponseTimeout(final int value) {
        putBits(LOCAL_CM_RESPONSE_TIMEOUT_OFFSET, CM_TIMEOUT_SHIFT, CM_TIMEOUT_WIDTH, value);
        return this;
    }

    /** Transport retries on timeout (0-7). */
    public int retryCount() {
        return getBits(LOCAL_CM_RESPONSE_TIMEOUT_OFFSET, 0, RETRY_COUNT_WIDTH);
    }

    public CmReq retryCount(final int value) {
        putBits(LOCAL_CM_RESPONSE_TIMEOUT_OFFSET, 0, RETRY_COUNT_WIDTH, value);
        return this;
    }

    public int partitionKey() {
        return getU16(PARTITION_KEY_OFFSET);
    }

    public CmReq partitionKey(final int value) {
        putU16(PARTITION_KEY_OFFSET, value);
        return this;
    }

    /** {@link io.softnic.wire.Mtu} code. */
    public int pathMtu() {
        return getBits(PATH_MTU_OFFSET, PATH_MTU_SHIFT, PATH_MTU_WIDTH);
    }

    public CmReq pathMtu(final int value) {
        putBits(PATH_MTU_OFFSET, PATH_MTU_SHIFT, PATH_MTU_WIDTH, value);
        return this;
    }

    public boolean rdcExists() {
        return getBit(PATH_MTU_OFFSET, RDC_EXISTS_BIT);
    }

    public CmReq rdcExists(final boolean value) {
        putBit(PATH_MTU_OFFSET, RDC_EXISTS_BIT, value);
        return this;
    }

    /** RNR NAK retries (0-7, 7 = infinite). */
    public int rnrRetryCount() {
        return getBits(PATH_MTU_OFFSET, 0, RNR_RETRY_COUNT_WIDTH);
    }

    public CmReq rnrRetryCount(final int value) {
        putBits(PATH_MTU_OFFSET, 0, RNR_RETRY_COUNT_WIDTH, value);
        return this;
    }

    public int maxCmRetries() {
        return getBits(MAX_CM_RETRIES_OFFSET, MAX_CM_RETRIES_SHIFT, MAX_CM_RETRIES_WIDTH);
    }

    public CmReq maxCmRetries(final int value) {
        putBits(MAX_CM_RETRIES_OFFSET, MAX_CM_RETRIES_SHIFT, MAX_CM_RETRIES_WIDTH, value);
        return this;
    }

    public boolean srq() {
        return getBit(MAX_CM_RETRIES_OFFSET, SRQ_BIT);
    }

    public CmReq srq(final boolean value) {
        putBit(MAX_CM_RETRIES_OFFSET, SRQ_BIT, value);
        return this;
    }

    public int extendedTransportType() {
        return getBits(MAX_CM_RETRIES_OFFSET, 0, EXTENDED_TRANSPORT_TYPE_WIDTH);
    }

    public CmReq extendedTransportType(final int value) {
        putBits(MAX_CM_RETRIES_OFFSET, 0, EXTENDED_TRANSPORT_TYPE_WIDTH, value);
        return this;
    }

    public boolean sapSupported() {
        return getBit(SAP_SUPPORTED_OFFSET, SAP_SUPPORTED_BIT);
    }

    public CmReq sapSupported(final boolean value) {
        putBit(SAP_SUPPORTED_OFFSET, SAP_SUPPORTED_BIT, value);
        return this;
    }
}
