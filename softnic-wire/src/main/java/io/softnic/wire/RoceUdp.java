package io.softnic.wire;

/** UDP encapsulation constants and helpers of RoCEv2 (IBTA RoCEv2 annex A17). */
public final class RoceUdp {
    /** IANA-assigned destination port of RoCEv2. */
    public static final int DEFAULT_PORT = 4791;

    /** The annex reserves source ports 0xC000-0xFFFF for flow entropy (ECMP/RSS spreading). */
    public static final int SOURCE_PORT_BASE = 0xC000;
    public static final int SOURCE_PORT_BITS = 14;

    /** UDP header length; the RoCEv2 UDP payload starts with the BTH. */
    public static final int UDP_HEADER_LENGTH = 8;
    /** IPv4 header without options, as the kernel emits for our sockets. */
    public static final int IPV4_HEADER_LENGTH = 20;
    /** Trailing invariant CRC. */
    public static final int ICRC_LENGTH = 4;

    /** 2^32 / golden ratio: multiplicative (Fibonacci) hashing spreads consecutive QPNs apart. */
    private static final int GOLDEN_RATIO_32 = 0x61C8_8647;

    private RoceUdp() {
    }

    /**
     * Stable per-QP UDP source port in 0xC000..0xFFFF: the top 14 bits of {@code qpn * 0x61C88647}
     * (Knuth's multiplicative hash), so all packets of one QP take the same network path while
     * different QPs spread over paths. This is the same hash Linux rxe applies to the QPN
     * ({@code hash_32(qpn, 14)}), so a softnic QP and an rxe QP with the same number pick the same port.
     */
    public static int sourcePort(final int qpn) {
        return SOURCE_PORT_BASE | ((qpn * GOLDEN_RATIO_32) >>> (Integer.SIZE - SOURCE_PORT_BITS));
    }
}
