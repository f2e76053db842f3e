package io.softnic.wire.cm;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * 128-bit Global Identifiers. RoCEv2 over IPv4 uses the IPv4-mapped IPv6 form
 * {@code ::ffff:a.b.c.d} as the port GID, which is what rdma_cm puts in CM path records.
 */
public final class Gid {
    public static final int LENGTH = 16;

    private static final int MAPPED_PREFIX_ZEROES = 10;
    private static final int MAPPED_MARKER_OFFSET = 10;
    private static final int MAPPED_ADDRESS_OFFSET = 12;
    private static final short MAPPED_MARKER = (short) 0xFFFF;

    private static final ValueLayout.OfLong LONG_BE = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);
    private static final ValueLayout.OfShort SHORT_BE = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);
    private static final ValueLayout.OfInt INT_BE = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);

    private Gid() {
    }

    /** Writes {@code ::ffff:a.b.c.d} for {@code ipv4} (e.g. 127.0.0.2 = 0x7F000002). */
    public static void putIpv4Mapped(final MemorySegment segment, final long offset, final int ipv4) {
        segment.set(LONG_BE, offset, 0L);
        segment.set(SHORT_BE, offset + 8, (short) 0);
        segment.set(SHORT_BE, offset + MAPPED_MARKER_OFFSET, MAPPED_MARKER);
        segment.set(INT_BE, offset + MAPPED_ADDRESS_OFFSET, ipv4);
    }

    public static boolean isIpv4Mapped(final MemorySegment segment, final long offset) {
        return segment.get(LONG_BE, offset) == 0L
            && segment.get(SHORT_BE, offset + 8) == 0
            && segment.get(SHORT_BE, offset + MAPPED_MARKER_OFFSET) == MAPPED_MARKER;
    }

    /**
     * The IPv4 address of a {@code ::ffff:a.b.c.d} GID.
     *
     * @throws IllegalArgumentException if the GID is not IPv4-mapped (every int is a valid IPv4
     *                                  address, so there is no sentinel; test with {@link #isIpv4Mapped} first
     *                                  when the GID comes from the network)
     */
    public static int ipv4FromMapped(final MemorySegment segment, final long offset) {
        if (!isIpv4Mapped(segment, offset)) {
            throw new IllegalArgumentException("GID is not IPv4-mapped");
        }
        return segment.get(INT_BE, offset + MAPPED_ADDRESS_OFFSET);
    }

    /** True if all 16 bytes are zero (an unset GID). */
    public static boolean isZero(final MemorySegment segment, final long offset) {
        return segment.get(LONG_BE, offset) == 0L && segment.get(LONG_BE, offset + 8) == 0L;
    }

    /** Canonical text for logs: the dotted quad for IPv4-mapped GIDs, colon-separated hex otherwise. */
    public static String toString(final MemorySegment segment, final long offset) {
        if (isIpv4Mapped(segment, offset)) {
            final int a = segment.get(INT_BE, offset + MAPPED_ADDRESS_OFFSET);
            return "::ffff:" + (a >>> 24) + "." + ((a >>> 16) & 0xFF) + "." + ((a >>> 8) & 0xFF) + "." + (a & 0xFF);
        }
        final StringBuilder text = new StringBuilder(39);
        for (int i = 0; i < LENGTH; i += 2) {
            if (i > 0) {
                text.append(':');
            }
            text.append(Integer.toHexString(segment.get(SHORT_BE, offset + i) & 0xFFFF));
        }
        return text.toString();
    }
}
