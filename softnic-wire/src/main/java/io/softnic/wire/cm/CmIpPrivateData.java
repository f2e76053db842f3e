package io.softnic.wire.cm;

import io.softnic.wire.Flyweight;
import java.lang.foreign.MemorySegment;

/**
 * The header rdma_cm puts at the start of a REQ's private data to carry IP addressing over the
 * IB CM (the "RDMA IP CM Service", IBTA annex A11; Linux {@code struct cma_hdr}). 36 bytes:
 * <pre>
 *  0      version (0x00)
 *  1      IP version (7-4): 4 or 6; reserved (3-0)
 *  2-3    source port of the active side
 *  4-19   source IP address
 *  20-35  destination IP address
 * </pre>
 * An IPv4 address occupies the last 4 bytes of its 16 with the first 12 zero (rdma_cm writes the
 * address into a zeroed buffer; this is not the ::ffff: form used for GIDs). The consumer's own
 * private data follows at {@link #USER_DATA_OFFSET}, leaving 56 bytes of a REQ.
 *
 * <p>The matching service id is {@code 0x0000000001000000 | portSpace << 16 | destinationPort},
 * e.g. {@code 0x0000000001060000 | port} for {@link #RDMA_PS_TCP}.
 */
public final class CmIpPrivateData extends Flyweight {
    public static final int LENGTH = 36;
    public static final int USER_DATA_OFFSET = LENGTH;
    /** Room for consumer private data in a REQ after this header. */
    public static final int REQ_USER_DATA_LENGTH = CmReq.PRIVATE_DATA_LENGTH - LENGTH;

    public static final int VERSION_OFFSET = 0;
    public static final int IP_VERSION_OFFSET = 1;
    public static final int PORT_OFFSET = 2;
    public static final int SRC_ADDR_OFFSET = 4;
    public static final int DST_ADDR_OFFSET = 20;
    public static final int ADDR_LENGTH = 16;

    public static final int CMA_VERSION = 0x00;
    public static final int IP_VERSION_4 = 4;
    public static final int IP_VERSION_6 = 6;

    /** rdma_cm port spaces (enum rdma_ucm_port_space). */
    public static final int RDMA_PS_IPOIB = 0x0002;
    public static final int RDMA_PS_IB = 0x013F;
    public static final int RDMA_PS_TCP = 0x0106;
    public static final int RDMA_PS_UDP = 0x0111;

    /** Service ids of the RDMA IP CM service all share this prefix (annex A11.2). */
    public static final long SERVICE_ID_PREFIX = 0x0000_0000_0100_0000L;
    public static final long SERVICE_ID_PREFIX_MASK = 0xFFFF_FFFF_FF00_0000L;

    private static final int IP_VERSION_SHIFT = 4;
    private static final int IP_VERSION_WIDTH = 4;
    private static final int IPV4_IN_ADDR_OFFSET = 12;
    private static final int PORT_SPACE_SHIFT = 16;
    private static final int PORT_MASK = 0xFFFF;

    @Override
    public CmIpPrivateData wrap(final MemorySegment segment, final long offset) {
        super.wrap(segment, offset);
        return this;
    }

    /** Writes a complete IPv4 header as rdma_cm's active side does. */
    public CmIpPrivateData ipv4(final int srcIpv4, final int srcPort, final int dstIpv4) {
        zero(0, LENGTH);
        version(CMA_VERSION);
        ipVersion(IP_VERSION_4);
        port(srcPort);
        putI32(SRC_ADDR_OFFSET + IPV4_IN_ADDR_OFFSET, srcIpv4);
        putI32(DST_ADDR_OFFSET + IPV4_IN_ADDR_OFFSET, dstIpv4);
        return this;
    }

    public int version() {
        return getU8(VERSION_OFFSET);
    }

    public CmIpPrivateData version(final int value) {
        putU8(VERSION_OFFSET, value);
        return this;
    }

    public int ipVersion() {
        return getBits(IP_VERSION_OFFSET, IP_VERSION_SHIFT, IP_VERSION_WIDTH);
    }

    public CmIpPrivateData ipVersion(final int value) {
        putBits(IP_VERSION_OFFSET, IP_VERSION_SHIFT, IP_VERSION_WIDTH, value);
        return this;
    }

    public boolean isIpv4() {
        return version() == CMA_VERSION && ipVersion() == IP_VERSION_4;
    }

    /** The active side's source port. */
    public int port() {
        return getU16(PORT_OFFSET);
    }

    public CmIpPrivateData port(final int value) {
        putU16(PORT_OFFSET, value);
        return this;
    }

    /** Low 4 bytes of the source address: the IPv4 address when {@link #isIpv4()}. */
    public int srcIpv4() {
        return getI32(SRC_ADDR_OFFSET + IPV4_IN_ADDR_OFFSET);
    }

    public CmIpPrivateData srcIpv4(final int ipv4) {
        zero(SRC_ADDR_OFFSET, IPV4_IN_ADDR_OFFSET);
        putI32(SRC_ADDR_OFFSET + IPV4_IN_ADDR_OFFSET, ipv4);
        return this;
    }

    public int dstIpv4() {
        return getI32(DST_ADDR_OFFSET + IPV4_IN_ADDR_OFFSET);
    }

    public CmIpPrivateData dstIpv4(final int ipv4) {
        zero(DST_ADDR_OFFSET, IPV4_IN_ADDR_OFFSET);
        putI32(DST_ADDR_OFFSET + IPV4_IN_ADDR_OFFSET, ipv4);
        return this;
    }

    public void getSrcAddr(final MemorySegment dst, final long dstOffset) {
        copyOut(SRC_ADDR_OFFSET, dst, dstOffset, ADDR_LENGTH);
    }

    public CmIpPrivateData putSrcAddr(final MemorySegment src, final long srcOffset) {
        copyIn(SRC_ADDR_OFFSET, src, srcOffset, ADDR_LENGTH);
        return this;
    }

    public void getDstAddr(final MemorySegment dst, final long dstOffset) {
        copyOut(DST_ADDR_OFFSET, dst, dstOffset, ADDR_LENGTH);
    }

    public CmIpPrivateData putDstAddr(final MemorySegment src, final long srcOffset) {
        copyIn(DST_ADDR_OFFSET, src, srcOffset, ADDR_LENGTH);
        return this;
    }

    /** Service id rdma_cm uses to connect to {@code port} in {@code portSpace}. */
    public static long serviceId(final int portSpace, final int port) {
        return SERVICE_ID_PREFIX | (long) (portSpace & PORT_MASK) << PORT_SPACE_SHIFT | (port & PORT_MASK);
    }

    /** {@code serviceId(RDMA_PS_TCP, port)}: what rdma_connect() to an RC listener uses. */
    public static long tcpServiceId(final int port) {
        return serviceId(RDMA_PS_TCP, port);
    }

    public static boolean isIpServiceId(final long serviceId) {
        return (serviceId & SERVICE_ID_PREFIX_MASK) == SERVICE_ID_PREFIX;
    }

    public static int servicePortSpace(final long serviceId) {
        return (int) (serviceId >>> PORT_SPACE_SHIFT) & PORT_MASK;
    }

    /** The destination port a service id encodes. */
    public static int servicePort(final long serviceId) {
        return (int) serviceId & PORT_MASK;
    }
}
