package io.softnic.wire.cm;

import java.lang.foreign.MemorySegment;

/**
 * Load Alternate Path (LAP, attribute 0x0019; IBTA vol. 1 chapter 12, "LAP Message Contents"): the sender asks its
 * peer to load a new alternate path for automatic path migration. "Local" and "remote" are from the sender's point of
 * view. Offsets from the start of the MAD:
 * <pre>
 *  24-27   local communication id
 *  28-31   remote communication id
 *  32-35   reserved
 *  36-38   remote QPN/EECN              39  remote CM response timeout (7-3), reserved (2-0)
 *  40-43   reserved
 *  44-45   alternate local port LID
 *  46-47   alternate remote port LID
 *  48-63   alternate local port GID
 *  64-79   alternate remote port GID
 *  80-83   alternate flow label (31-12), reserved (11-8), alternate traffic class (7-0)
 *  84      alternate hop limit
 *  85      reserved (7-6), alternate packet rate (5-0)
 *  86      alternate SL (7-4), alternate subnet local (3), reserved (2-0)
 *  87      alternate local ACK timeout (7-3), reserved (2-0)
 *  88-255  private data (168 bytes)
 * </pre>
 * Note that the path fields after the GIDs are laid out differently from a REQ's path ({@link CmPath}): the traffic
 * class shares the word of the flow label, and the packet rate has a byte of its own after the hop limit.
 */
public final class CmLap extends CmPeerMessage<CmLap> {
    public static final int REMOTE_QPN_EECN_OFFSET = DATA_OFFSET + 12;
    public static final int REMOTE_CM_RESPONSE_TIMEOUT_OFFSET = DATA_OFFSET + 15;
    public static final int ALT_LOCAL_LID_OFFSET = DATA_OFFSET + 20;
    public static final int ALT_REMOTE_LID_OFFSET = DATA_OFFSET + 22;
    public static final int ALT_LOCAL_GID_OFFSET = DATA_OFFSET + 24;
    public static final int ALT_REMOTE_GID_OFFSET = DATA_OFFSET + 40;
    public static final int ALT_FLOW_LABEL_OFFSET = DATA_OFFSET + 56;
    public static final int ALT_TRAFFIC_CLASS_OFFSET = DATA_OFFSET + 59;
    public static final int ALT_HOP_LIMIT_OFFSET = DATA_OFFSET + 60;
    public static final int ALT_PACKET_RATE_OFFSET = DATA_OFFSET + 61;
    public static final int ALT_SL_OFFSET = DATA_OFFSET + 62;
    public static final int ALT_LOCAL_ACK_TIMEOUT_OFFSET = DATA_OFFSET + 63;
    public static final int PRIVATE_DATA_OFFSET = DATA_OFFSET + 64;
    public static final int PRIVATE_DATA_LENGTH = 168;

    private static final int CM_TIMEOUT_SHIFT = 3;
    private static final int CM_TIMEOUT_WIDTH = 5;
    private static final int FLOW_LABEL_SHIFT = 12;
    private static final int FLOW_LABEL_WIDTH = 20;
    private static final int PACKET_RATE_WIDTH = 6;
    private static final int SL_SHIFT = 4;
    private static final int SL_WIDTH = 4;
    private static final int SUBNET_LOCAL_BIT = 3;
    private static final int LOCAL_ACK_TIMEOUT_SHIFT = 3;
    private static final int LOCAL_ACK_TIMEOUT_WIDTH = 5;

    public CmLap() {
        super(ATTR_LAP, PRIVATE_DATA_OFFSET, PRIVATE_DATA_LENGTH);
    }

    /** The QPN of the LAP's receiver (the QP whose alternate path is to be loaded). */
    public int remoteQpnEecn() {
        return getU24(REMOTE_QPN_EECN_OFFSET);
    }

    public CmLap remoteQpnEecn(final int value) {
        putU24(REMOTE_QPN_EECN_OFFSET, value);
        return this;
    }

    /** How long the receiver may take to answer with an APR, as a {@link CmTimeout} exponent. */
    public int remoteCmResponseTimeout() {
        return getBits(REMOTE_CM_RESPONSE_TIMEOUT_OFFSET, CM_TIMEOUT_SHIFT, CM_TIMEOUT_WIDTH);
    }

    public CmLap remoteCmResponseTimeout(final int value) {
        putBits(REMOTE_CM_RESPONSE_TIMEOUT_OFFSET, CM_TIMEOUT_SHIFT, CM_TIMEOUT_WIDTH, value);
        return this;
    }

    public int altLocalLid() {
        return getU16(ALT_LOCAL_LID_OFFSET);
    }

    public CmLap altLocalLid(final int lid) {
        putU16(ALT_LOCAL_LID_OFFSET, lid);
        return this;
    }

    public int altRemoteLid() {
        return getU16(ALT_REMOTE_LID_OFFSET);
    }

    public CmLap altRemoteLid(final int lid) {
        putU16(ALT_REMOTE_LID_OFFSET, lid);
        return this;
    }

    public void getAltLocalGid(final MemorySegment dst, final long dstOffset) {
        copyOut(ALT_LOCAL_GID_OFFSET, dst, dstOffset, Gid.LENGTH);
    }

    public CmLap putAltLocalGid(final MemorySegment src, final long srcOffset) {
        copyIn(ALT_LOCAL_GID_OFFSET, src, srcOffset, Gid.LENGTH);
        return this;
    }

    public void getAltRemoteGid(final MemorySegment dst, final long dstOffset) {
        copyOut(ALT_REMOTE_GID_OFFSET, dst, dstOffset, Gid.LENGTH);
    }

    public CmLap putAltRemoteGid(final MemorySegment src, final long srcOffset) {
        copyIn(ALT_REMOTE_GID_OFFSET, src, srcOffset, Gid.LENGTH);
        return this;
    }

    /** True if the alternate local GID is an IPv4-mapped one (RoCEv2 over IPv4). */
    public boolean altLocalGidIsIpv4() {
        return Gid.isIpv4Mapped(segment(), offset() + ALT_LOCAL_GID_OFFSET);
    }

    public boolean altRemoteGidIsIpv4() {
        return Gid.isIpv4Mapped(segment(), offset() + ALT_REMOTE_GID_OFFSET);
    }

    /** The alternate local GID as an IPv4 address; see {@link Gid#ipv4FromMapped}. */
    public int altLocalGidIpv4() {
        return Gid.ipv4FromMapped(segment(), offset() + ALT_LOCAL_GID_OFFSET);
    }

    public CmLap altLocalGidIpv4(final int ipv4) {
        Gid.putIpv4Mapped(segment(), offset() + ALT_LOCAL_GID_OFFSET, ipv4);
        return this;
    }

    public int altRemoteGidIpv4() {
        return Gid.ipv4FromMapped(segment(), offset() + ALT_REMOTE_GID_OFFSET);
    }

    public CmLap altRemoteGidIpv4(final int ipv4) {
        Gid.putIpv4Mapped(segment(), offset() + ALT_REMOTE_GID_OFFSET, ipv4);
        return this;
    }

    public int altFlowLabel() {
        return getBits32(ALT_FLOW_LABEL_OFFSET, FLOW_LABEL_SHIFT, FLOW_LABEL_WIDTH);
    }

    public CmLap altFlowLabel(final int value) {
        putBits32(ALT_FLOW_LABEL_OFFSET, FLOW_LABEL_SHIFT, FLOW_LABEL_WIDTH, value);
        return this;
    }

    public int altTrafficClass() {
        return getU8(ALT_TRAFFIC_CLASS_OFFSET);
    }

    public CmLap altTrafficClass(final int value) {
        putU8(ALT_TRAFFIC_CLASS_OFFSET, value);
        return this;
    }

    public int altHopLimit() {
        return getU8(ALT_HOP_LIMIT_OFFSET);
    }

    public CmLap altHopLimit(final int value) {
        putU8(ALT_HOP_LIMIT_OFFSET, value);
        return this;
    }

    /** IBA static rate encoding of the alternate path. */
    public int altPacketRate() {
        return getBits(ALT_PACKET_RATE_OFFSET, 0, PACKET_RATE_WIDTH);
    }

    public CmLap altPacketRate(final int value) {
        putBits(ALT_PACKET_RATE_OFFSET, 0, PACKET_RATE_WIDTH, value);
        return this;
    }

    public int altSl() {
        return getBits(ALT_SL_OFFSET, SL_SHIFT, SL_WIDTH);
    }

    public CmLap altSl(final int value) {
        putBits(ALT_SL_OFFSET, SL_SHIFT, SL_WIDTH, value);
        return this;
    }

    public boolean altSubnetLocal() {
        return getBit(ALT_SL_OFFSET, SUBNET_LOCAL_BIT);
    }

    public CmLap altSubnetLocal(final boolean value) {
        putBit(ALT_SL_OFFSET, SUBNET_LOCAL_BIT, value);
        return this;
    }

    /** ACK timeout exponent on the alternate path: 4.096 us * 2^value (see {@link CmTimeout}). */
    public int altLocalAckTimeout() {
        return getBits(ALT_LOCAL_ACK_TIMEOUT_OFFSET, LOCAL_ACK_TIMEOUT_SHIFT, LOCAL_ACK_TIMEOUT_WIDTH);
    }

    public CmLap altLocalAckTimeout(final int value) {
        putBits(ALT_LOCAL_ACK_TIMEOUT_OFFSET, LOCAL_ACK_TIMEOUT_SHIFT, LOCAL_ACK_TIMEOUT_WIDTH, value);
        return this;
    }
}
