package io.softnic.wire.cm;

/**
 * Connection Reply (REP, attribute 0x0013; IBTA vol. 1, Table 110). Offsets from the MAD start:
 * <pre>
 *  24-27   local communication id
 *  28-31   remote communication id
 *  32-35   local Q_Key
 *  36-38   local QPN                      39  reserved
 *  40-42   local EE context number        43  reserved
 *  44-46   starting PSN                   47  reserved
 *  48      responder resources
 *  49      initiator depth
 *  50      target ACK delay (7-3), failover accepted (2-1), end-to-end flow control (0)
 *  51      RNR retry count (7-5), SRQ (4), reserved (3-0)
 *  52-59   local CA GUID
 *  60-255  private data (196 bytes)
 * </pre>
 */
public final class CmRep extends CmPeerMessage<CmRep> {
    public static final int LOCAL_Q_KEY_OFFSET = DATA_OFFSET + 8;
    public static final int LOCAL_QPN_OFFSET = DATA_OFFSET + 12;
    public static final int LOCAL_EECN_OFFSET = DATA_OFFSET + 16;
    public static final int STARTING_PSN_OFFSET = DATA_OFFSET + 20;
    public static final int RESPONDER_RESOURCES_OFFSET = DATA_OFFSET + 24;
    public static final int INITIATOR_DEPTH_OFFSET = DATA_OFFSET + 25;
    public static final int TARGET_ACK_DELAY_OFFSET = DATA_OFFSET + 26;
    public static final int RNR_RETRY_COUNT_OFFSET = DATA_OFFSET + 27;
    public static final int LOCAL_CA_GUID_OFFSET = DATA_OFFSET + 28;
    public static final int PRIVATE_DATA_OFFSET = DATA_OFFSET + 36;
    public static final int PRIVATE_DATA_LENGTH = 196;

    /** Failover accepted codes. */
    public static final int FAILOVER_ACCEPTED = 0;
    public static final int FAILOVER_NOT_SUPPORTED = 1;
    public static final int FAILOVER_REJECTED = 2;

    private static final int TARGET_ACK_DELAY_SHIFT = 3;
    private static final int TARGET_ACK_DELAY_WIDTH = 5;
    private static final int FAILOVER_SHIFT = 1;
    private static final int FAILOVER_WIDTH = 2;
    private static final int END_TO_END_FLOW_CONTROL_BIT = 0;
    private static final int RNR_RETRY_COUNT_SHIFT = 5;
    private static final int RNR_RETRY_COUNT_WIDTH = 3;
    private static final int SRQ_BIT = 4;

    public CmRep() {
        super(ATTR_REP, PRIVATE_DATA_OFFSET, PRIVATE_DATA_LENGTH);
    }

    public int localQKey() {
        return getI32(LOCAL_Q_KEY_OFFSET);
    }

    public CmRep localQKey(final int value) {
        putI32(LOCAL_Q_KEY_OFFSET, value);
        return this;
    }

    public int localQpn() {
        return getU24(LOCAL_QPN_OFFSET);
    }

    public CmRep localQpn(final int value) {
        putU24(LOCAL_QPN_OFFSET, value);
        return this;
    }

    public int localEecn() {
        return getU24(LOCAL_EECN_OFFSET);
    }

    public CmRep localEecn(final int value) {
        putU24(LOCAL_EECN_OFFSET, value);
        return this;
    }

    public int startingPsn() {
        return getU24(STARTING_PSN_OFFSET);
    }

    public CmRep startingPsn(final int value) {
        putU24(STARTING_PSN_OFFSET, value);
        return this;
    }

    public int responderResources() {
        return getU8(RESPONDER_RESOURCES_OFFSET);
    }

    public CmRep responderResources(final int value) {
        putU8(RESPONDER_RESOURCES_OFFSET, value);
        return this;
    }

    public int initiatorDepth() {
        return getU8(INITIATOR_DEPTH_OFFSET);
    }

    public CmRep initiatorDepth(final int value) {
        putU8(INITIATOR_DEPTH_OFFSET, value);
        return this;
    }

    /** {@link CmTimeout} exponent of the responder's ACK turnaround. */
    public int targetAckDelay() {
        return getBits(TARGET_ACK_DELAY_OFFSET, TARGET_ACK_DELAY_SHIFT, TARGET_ACK_DELAY_WIDTH);
    }

    public CmRep targetAckDelay(final int value) {
        putBits(TARGET_ACK_DELAY_OFFSET, TARGET_ACK_DELAY_SHIFT, TARGET_ACK_DELAY_WIDTH, value);
        return this;
    }

    public int failoverAccepted() {
        return getBits(TARGET_ACK_DELAY_OFFSET, FAILOVER_SHIFT, FAILOVER_WIDTH);
    }

    public CmRep failoverAccepted(final int value) {
        putBits(TARGET_ACK_DELAY_OFFSET, FAILOVER_SHIFT, FAILOVER_WIDTH, value);
        return this;
    }

    public boolean endToEndFlowControl() {
        return getBit(TARGET_ACK_DELAY_OFFSET, END_TO_END_FLOW_CONTROL_BIT);
    }

    public CmRep endToEndFlowControl(final boolean value) {
        putBit(TARGET_ACK_DELAY_OFFSET, END_TO_END_FLOW_CONTROL_BIT, value);
        return this;
    }

    public int rnrRetryCount() {
        return getBits(RNR_RETRY_COUNT_OFFSET, RNR_RETRY_COUNT_SHIFT, RNR_RETRY_COUNT_WIDTH);
    }

    public CmRep rnrRetryCount(final int value) {
        putBits(RNR_RETRY_COUNT_OFFSET, RNR_RETRY_COUNT_SHIFT, RNR_RETRY_COUNT_WIDTH, value);
        return this;
    }

    public boolean srq() {
        return getBit(RNR_RETRY_COUNT_OFFSET, SRQ_BIT);
    }

    public CmRep srq(final boolean value) {
        putBit(RNR_RETRY_COUNT_OFFSET, SRQ_BIT, value);
        return this;
    }

    public long localCaGuid() {
        return getI64(LOCAL_CA_GUID_OFFSET);
    }

    public CmRep localCaGuid(final long value) {
        putI64(LOCAL_CA_GUID_OFFSET, value);
        return this;
    }
}
