package io.softnic.wire.cm;

import io.softnic.wire.Flyweight;
import java.lang.foreign.MemorySegment;

/**
 * The 44-byte path description that a REQ carries twice (primary and alternate path).
 * Offsets are from the start of the path block:
 * <pre>
 *  0-1    local port LID               (0xFFFF, the permissive LID, on RoCE)
 *  2-3    remote port LID
 *  4-19   local port GID
 *  20-35  remote port GID
 *  36-39  flow label (31-12) reserved (11-6) packet rate (5-0)
 *  40     traffic class
 *  41     hop limit
 *  42     SL (7-4) subnet local (3) reserved (2-0)
 *  43     local ACK timeout (7-3) reserved (2-0)
 * </pre>
 * The reserved low bits of byte 43 belong to the enclosing REQ (SAP supported lives there in the
 * alternate path) and are preserved by the setters.
 */
public final class CmPath extends Flyweight {
    public static final int LENGTH = 44;

    public static final int LOCAL_LID_OFFSET = 0;
    public static final int REMOTE_LID_OFFSET = 2;
    public static final int LOCAL_GID_OFFSET = 4;
    public static final int REMOTE_GID_OFFSET = 20;
    public static final int FLOW_LABEL_OFFSET = 36;
    public static final int PACKET_RATE_OFFSET = 39;
    public static final int TRAFFIC_CLASS_OFFSET = 40;
    public static final int HOP_LIMIT_OFFSET = 41;
    public static final int SL_OFFSET = 42;
    public static final int LOCAL_ACK_TIMEOUT_OFFSET = 43;

    /** LID used on RoCE, which has no subnet manager to assign LIDs. */
    public static final int LID_PERMISSIVE = 0xFFFF;

    private static final int FLOW_LABEL_SHIFT = 12;
    private static final int FLOW_LABEL_WIDTH = 20;
    private static final int PACKET_RATE_WIDTH = 6;
    private static final int SL_SHIFT = 4;
    private static final int SL_WIDTH = 4;
    private static final int SUBNET_LOCAL_BIT = 3;
    private static final int LOCAL_ACK_TIMEOUT_SHIFT = 3;
    private static final int LOCAL_ACK_TIMEOUT_WIDTH = 5;

    @Override
    public CmPath wrap(final MemorySegment segment, final long offset) {
        super.wrap(segment, offset);
        return this;
    }

    public int localLid() {
        return getU16(LOCAL_LID_OFFSET);
    }

    public CmPath localLid(final int lid) {
        putU16(LOCAL_LID_OFFSET, lid);
        return this;
    }

    public int remoteLid() {
        return getU16(REMOTE_LID_OFFSET);
    }

    public CmPath remoteLid(final int lid) {
        putU16(REMOTE_LID_OFFSET, lid);
        return this;
    }

    public void getLocalGid(final MemorySegment dst, final long dstOffset) {
        copyOut(LOCAL_GID_OFFSET, dst, dstOffset, Gid.LENGTH);
    }

    public CmPath putLocalGid(final MemorySegment src, final long srcOffset) {
        copyIn(LOCAL_GID_OFFSET, src, srcOffset, Gid.LENGTH);
        return this;
    }

    public void getRemoteGid(final MemorySegment dst, final long dstOffset) {
        copyOut(REMOTE_GID_OFFSET, dst, dstOffset, Gid.LENGTH);
    }

    public CmPath putRemoteGid(final MemorySegment src, final long srcOffset) {
        copyIn(REMOTE_GID_OFFSET, src, srcOffset, Gid.LENGTH);
        return this;
    }

    /** Local GID as an IPv4 address, for the ::ffff:a.b.c.d GIDs of RoCEv2 over IPv4; see {@link Gid#ipv4FromMapped}. */
    public int localGidIpv4() {
        return Gid.ipv4FromMapped(segment(), offset() + LOCAL_GID_OFFSET);
    }

    public CmPath localGidIpv4(final int ipv4) {
        Gid.putIpv4Mapped(segment(), offset() + LOCAL_GID_OFFSET, ipv4);
        return this;
    }

    public int remoteGidIpv4() {
        return Gid.ipv4FromMapped(segment(), offset() + REMOTE_GID_OFFSET);
    }

    public CmPath remoteGidIpv4(final int ipv4) {
        Gid.putIpv4Mapped(segment(), offset() + REMOTE_GID_OFFSET, ipv4);
        return this;
    }

    public int flowLabel() {
        return getBits32(FLOW_LABEL_OFFSET, FLOW_LABEL_SHIFT, FLOW_LABEL_WIDTH);
    }

    public CmPath flowLabel(final int value) {
        putBits32(FLOW_LABEL_OFFSET, FLOW_LABEL_SHIFT, FLOW_LABEL_WIDTH, value);
        return this;
    }

    /** IBA static rate encoding (e.g. 2 = 2.5 Gb/s ... 7 = 40 Gb/s). */
    public int packetRate() {
        return getBits(PACKET_RATE_OFFSET, 0, PACKET_RATE_WIDTH);
    }

    public CmPath packetRate(final int value) {
        putBits(PACKET_RATE_OFFSET, 0, PACKET_RATE_WIDTH, value);
        return this;
    }

    public int trafficClass() {
        return getU8(TRAFFIC_CLASS_OFFSET);
    }

    public CmPath trafficClass(final int value) {
        putU8(TRAFFIC_CLASS_OFFSET, value);
        return this;
    }

    public int hopLimit() {
        return getU8(HOP_LIMIT_OFFSET);
    }

    public CmPath hopLimit(final int value) {
        putU8(HOP_LIMIT_OFFSET, value);
        return this;
    }

    public int sl() {
        return getBits(SL_OFFSET, SL_SHIFT, SL_WIDTH);
    }

    public CmPath sl(final int value) {
        putBits(SL_OFFSET, SL_SHIFT, SL_WIDTH, value);
        return this;
    }

    public boolean subnetLocal() {
        return getBit(SL_OFFSET, SUBNET_LOCAL_BIT);
    }

    public CmPath subnetLocal(final boolean value) {
        putBit(SL_OFFSET, SUBNET_LOCAL_BIT, value);
        return this;
    }

    /** ACK timeout exponent: 4.096 us * 2^value (see {@link CmTimeout}). */
    public int localAckTimeout() {
        return getBits(LOCAL_ACK_TIMEOUT_OFFSET, LOCAL_ACK_TIMEOUT_SHIFT, LOCAL_ACK_TIMEOUT_WIDTH);
    }

    public CmPath localAckTimeout(final int value) {
        putBits(LOCAL_ACK_TIMEOUT_OFFSET, LOCAL_ACK_TIMEOUT_SHIFT, LOCAL_ACK_TIMEOUT_WIDTH, value);
        return this;
    }
}
