package io.softnic.wire;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Objects;
import java.util.zip.CRC32;

/**
 * The RoCEv2 Invariant CRC over IPv4 (IBTA RoCEv2 annex A17), as computed by Linux rxe
 * ({@code drivers/infiniband/sw/rxe/rxe_icrc.c}) and RoCE hardware.
 *
 * <p>The CRC is the ordinary reflected IEEE CRC-32 (what {@link CRC32} computes) over the
 * concatenation of:
 * <ol>
 *   <li>8 bytes of 0xFF, standing in for the InfiniBand LRH that RoCE does not have;</li>
 *   <li>the 20-byte IPv4 header with TOS, TTL and header checksum replaced by all ones (fields a
 *       router may rewrite);</li>
 *   <li>the 8-byte UDP header with its checksum replaced by all ones;</li>
 *   <li>the BTH with byte 4 (FECN, BECN, reserved) replaced by 0xFF;</li>
 *   <li>the rest of the UDP payload: extension headers, payload and pad, excluding the ICRC.</li>
 * </ol>
 *
 * <p><b>Byte order on the wire.</b> rxe seeds the kernel's raw {@code crc32_le} with 0xDEBB20E3
 * (the state after 0xFFFFFFFF and the eight 0xFF bytes), runs it over the rest, and stores
 * {@code ~crc} through a {@code u32} pointer, i.e. in host order: little-endian on every platform
 * rxe interoperates on. The complement of the raw state is exactly {@link CRC32#getValue()}, so the
 * ICRC is {@code CRC32.getValue()} stored least significant byte first, the same convention as the
 * Ethernet FCS. {@link #compute} returns that value as an int; {@link #write} stores it
 * little-endian; Wireshark (which reads the trailer big-endian) therefore displays it byte-swapped.
 *
 * <p><b>The IPv4 header is not on the receive path.</b> A UDP socket does not see the IP header,
 * so it is rebuilt from what the engine knows, assuming what Linux emits for an <em>unconnected</em>
 * UDP socket with DF set: version/IHL 0x45, identification 0, flags DF with fragment offset 0,
 * protocol 17, no options. A <em>connected</em> socket gets a per-socket incrementing
 * identification instead, and rxe picks a pseudo-random one; such packets only verify through the
 * overload that takes the identification explicitly.
 *
 * <p>An instance holds a reusable {@link CRC32} and scratch buffer: not thread-safe, allocation
 * free in steady state (see {@link #update(MemorySegment, long, int)}).
 */
public final class Icrc {
    public static final int LENGTH = 4;

    /** IPv4 flags/fragment-offset word with only Don't Fragment set. */
    public static final int IPV4_FLAGS_DF = 0x4000;
    /** Identification Linux uses for unconnected UDP sockets with DF set. */
    public static final int IPV4_IDENTIFICATION_DF = 0;

    private static final int LRH_MASK_LENGTH = 8;
    private static final int IPV4_OFFSET = LRH_MASK_LENGTH;
    private static final int UDP_OFFSET = IPV4_OFFSET + RoceUdp.IPV4_HEADER_LENGTH;
    private static final int BTH_OFFSET = UDP_OFFSET + RoceUdp.UDP_HEADER_LENGTH;
    private static final int PSEUDO_HEADER_LENGTH = BTH_OFFSET + Bth.LENGTH;

    private static final int IPV4_VERSION_IHL = 0x45;
    private static final int IPPROTO_UDP = 17;

    private static final ValueLayout.OfShort SHORT_BE =
        ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);
    private static final ValueLayout.OfInt INT_BE =
        ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);
    private static final ValueLayout.OfInt INT_LE =
        ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private final CRC32 crc = new CRC32();
    private final byte[] pseudoHeader = new byte[PSEUDO_HEADER_LENGTH];
    private final MemorySegment pseudo = MemorySegment.ofArray(pseudoHeader);

    // One-entry cache of a ByteBuffer view: CRC32 only consumes arrays and ByteBuffers, and making
    // a view per packet would allocate. Packet buffers are normally long-lived, so this hits.
    private MemorySegment cachedSegment;
    private ByteBuffer cachedBuffer;

    public Icrc() {
        // The fields that are all ones, or constant for our sockets, are laid down once.
        pseudo.asSlice(0, LRH_MASK_LENGTH).fill((byte) 0xFF);
        pseudo.set(ValueLayout.JAVA_BYTE, IPV4_OFFSET, (byte) IPV4_VERSION_IHL);
        pseudo.set(ValueLayout.JAVA_BYTE, IPV4_OFFSET + 1, (byte) 0xFF);             // TOS
        pseudo.set(ValueLayout.JAVA_BYTE, IPV4_OFFSET + 8, (byte) 0xFF);             // TTL
        pseudo.set(ValueLayout.JAVA_BYTE, IPV4_OFFSET + 9, (byte) IPPROTO_UDP);
        pseudo.set(SHORT_BE, IPV4_OFFSET + 10, (short) 0xFFFF);                       // checksum
        pseudo.set(SHORT_BE, UDP_OFFSET + 6, (short) 0xFFFF);                         // UDP checksum
    }

    /**
     * ICRC of the RoCEv2 UDP payload {@code udpPayload[offset, offset + udpPayloadLength)}, whose
     * last 4 bytes are the ICRC itself and are not covered, for a packet sent by an unconnected
     * Linux UDP socket with DF set. Addresses are IPv4 in network order as ints (127.0.0.2 =
     * 0x7F000002). Returns the value whose little-endian bytes are the trailer.
     *
     * @throws IllegalArgumentException  if the payload is shorter than a BTH plus ICRC
     * @throws IndexOutOfBoundsException if the range lies outside the segment
     */
    public int compute(final int srcIpv4, final int dstIpv4, final int srcUdpPort, final int dstUdpPort,
                       final MemorySegment udpPayload, final long offset, final int udpPayloadLength) {
        return compute(srcIpv4, dstIpv4, IPV4_IDENTIFICATION_DF, IPV4_FLAGS_DF, srcUdpPort, dstUdpPort,
            udpPayload, offset, udpPayloadLength);
    }

    /** As {@link #compute(int, int, int, int, MemorySegment, long, int)} with explicit IPv4 identification and flags/fragment word. */
    public int compute(final int srcIpv4, final int dstIpv4, final int ipIdentification, final int ipFlagsFragment,
                       final int srcUdpPort, final int dstUdpPort,
                       final MemorySegment udpPayload, final long offset, final int udpPayloadLength) {
        Objects.checkFromIndexSize(offset, udpPayloadLength, udpPayload.byteSize());
        if (udpPayloadLength < Bth.LENGTH + LENGTH) {
            throw new IllegalArgumentException("RoCEv2 payload too short for BTH and ICRC: " + udpPayloadLength);
        }
        final MemorySegment p = pseudo;
        p.set(SHORT_BE, IPV4_OFFSET + 2,
            (short) (RoceUdp.IPV4_HEADER_LENGTH + RoceUdp.UDP_HEADER_LENGTH + udpPayloadLength));
        p.set(SHORT_BE, IPV4_OFFSET + 4, (short) ipIdentification);
        p.set(SHORT_BE, IPV4_OFFSET + 6, (short) ipFlagsFragment);
        p.set(INT_BE, IPV4_OFFSET + 12, srcIpv4);
        p.set(INT_BE, IPV4_OFFSET + 16, dstIpv4);
        p.set(SHORT_BE, UDP_OFFSET, (short) srcUdpPort);
        p.set(SHORT_BE, UDP_OFFSET + 2, (short) dstUdpPort);
        p.set(SHORT_BE, UDP_OFFSET + 4, (short) (RoceUdp.UDP_HEADER_LENGTH + udpPayloadLength));
        MemorySegment.copy(udpPayload, offset, p, BTH_OFFSET, Bth.LENGTH);
        p.set(ValueLayout.JAVA_BYTE, BTH_OFFSET + Bth.VARIANT_OFFSET, (byte) 0xFF);

        crc.reset();
        crc.update(pseudoHeader, 0, PSEUDO_HEADER_LENGTH);
        update(udpPayload, offset + Bth.LENGTH, udpPayloadLength - Bth.LENGTH - LENGTH);
        return (int) crc.getValue();
    }

    /** Computes the ICRC and stores it in the last 4 bytes of the payload. */
    public void write(final int srcIpv4, final int dstIpv4, final int srcUdpPort, final int dstUdpPort,
                      final MemorySegment udpPayload, final long offset, final int udpPayloadLength) {
        final int icrc = compute(srcIpv4, dstIpv4, srcUdpPort, dstUdpPort, udpPayload, offset, udpPayloadLength);
        udpPayload.set(INT_LE, offset + udpPayloadLength - LENGTH, icrc);
    }

    /** True if the last 4 bytes of the payload hold its ICRC; false also for a payload too short to have one. */
    public boolean check(final int srcIpv4, final int dstIpv4, final int srcUdpPort, final int dstUdpPort,
                         final MemorySegment udpPayload, final long offset, final int udpPayloadLength) {
        return check(srcIpv4, dstIpv4, IPV4_IDENTIFICATION_DF, IPV4_FLAGS_DF, srcUdpPort, dstUdpPort,
            udpPayload, offset, udpPayloadLength);
    }

    /** As {@link #check(int, int, int, int, MemorySegment, long, int)} with explicit IPv4 identification and flags/fragment word. */
    public boolean check(final int srcIpv4, final int dstIpv4, final int ipIdentification, final int ipFlagsFragment,
                         final int srcUdpPort, final int dstUdpPort,
                         final MemorySegment udpPayload, final long offset, final int udpPayloadLength) {
        if (udpPayloadLength < Bth.LENGTH + LENGTH) {
            return false;
        }
        return stored(udpPayload, offset, udpPayloadLength) == compute(srcIpv4, dstIpv4, ipIdentification,
            ipFlagsFragment, srcUdpPort, dstUdpPort, udpPayload, offset, udpPayloadLength);
    }

    /** The ICRC held in the trailer, in the same representation {@link #compute} returns. */
    public static int stored(final MemorySegment udpPayload, final long offset, final int udpPayloadLength) {
        return udpPayload.get(INT_LE, offset + udpPayloadLength - LENGTH);
    }

    private void update(final MemorySegment segment, final long offset, final int length) {
        if (length == 0) {
            return;
        }
        final long size = segment.byteSize();
        if (size > Integer.MAX_VALUE) {
            // A ByteBuffer cannot view the whole of a segment this large: slice just the range.
            crc.update(segment.asSlice(offset, length).asByteBuffer());
            return;
        }
        // Heap segments over read-only views have no accessible array, and CRC32 then copies
        // through a temporary array: fine for tests, avoided on the packet path.
        if (segment != cachedSegment) {
            cachedBuffer = segment.asByteBuffer();
            cachedSegment = segment;
        }
        final ByteBuffer buffer = cachedBuffer;
        // Bounds are checked by the buffer: limit before position, both within capacity.
        buffer.limit(Math.toIntExact(offset + length)).position((int) offset);
        crc.update(buffer);
    }
}
