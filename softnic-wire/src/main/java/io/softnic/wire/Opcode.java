package io.softnic.wire;

/**
 * BTH opcodes of the Reliable Connection and Unreliable Datagram transports (IBTA vol. 1,
 * chapter 9), with a table describing which extension headers follow the BTH.
 *
 * <p>Extension headers always appear in this order after the BTH:
 * DETH, RETH or AtomicETH, AETH, AtomicAckETH, ImmDt or IETH. Offsets returned here are from the
 * first byte of the BTH.
 */
public final class Opcode {
    public static final int RC_SEND_FIRST = 0x00;
    public static final int RC_SEND_MIDDLE = 0x01;
    public static final int RC_SEND_LAST = 0x02;
    public static final int RC_SEND_LAST_WITH_IMMEDIATE = 0x03;
    public static final int RC_SEND_ONLY = 0x04;
    public static final int RC_SEND_ONLY_WITH_IMMEDIATE = 0x05;
    public static final int RC_RDMA_WRITE_FIRST = 0x06;
    public static final int RC_RDMA_WRITE_MIDDLE = 0x07;
    public static final int RC_RDMA_WRITE_LAST = 0x08;
    public static final int RC_RDMA_WRITE_LAST_WITH_IMMEDIATE = 0x09;
    public static final int RC_RDMA_WRITE_ONLY = 0x0a;
    public static final int RC_RDMA_WRITE_ONLY_WITH_IMMEDIATE = 0x0b;
    public static final int RC_RDMA_READ_REQUEST = 0x0c;
    public static final int RC_RDMA_READ_RESPONSE_FIRST = 0x0d;
    public static final int RC_RDMA_READ_RESPONSE_MIDDLE = 0x0e;
    public static final int RC_RDMA_READ_RESPONSE_LAST = 0x0f;
    public static final int RC_RDMA_READ_RESPONSE_ONLY = 0x10;
    public static final int RC_ACKNOWLEDGE = 0x11;
    public static final int RC_ATOMIC_ACKNOWLEDGE = 0x12;
    public static final int RC_COMPARE_SWAP = 0x13;
    public static final int RC_FETCH_ADD = 0x14;
    public static final int RC_SEND_LAST_WITH_INVALIDATE = 0x16;
    public static final int RC_SEND_ONLY_WITH_INVALIDATE = 0x17;
    public static final int UD_SEND_ONLY = 0x64;
    public static final int UD_SEND_ONLY_WITH_IMMEDIATE = 0x65;

    // Which extension headers follow the BTH.
    public static final int HAS_RETH = 1;
    public static final int HAS_AETH = 1 << 1;
    public static final int HAS_IMMDT = 1 << 2;
    public static final int HAS_IETH = 1 << 3;
    public static final int HAS_ATOMIC_ETH = 1 << 4;
    public static final int HAS_ATOMIC_ACK_ETH = 1 << 5;
    public static final int HAS_DETH = 1 << 6;
    /** The packet may carry payload (possibly zero bytes); without it a non-zero pad is malformed. */
    public static final int HAS_PAYLOAD = 1 << 7;

    // Position within a message. Single-packet operations (READ request, atomics, ACKs, UD) are ONLY.
    public static final int FIRST = 1 << 8;
    public static final int MIDDLE = 1 << 9;
    public static final int LAST = 1 << 10;
    public static final int ONLY = FIRST | LAST;

    /** Sent by the requester: SEND, WRITE, READ request, atomics, UD SEND. */
    public static final int REQUEST = 1 << 11;
    /** Sent by the responder: READ responses, ACK, ATOMIC ACK. */
    public static final int RESPONSE = 1 << 12;

    // Operation kind; READ and ATOMIC are set on both the request and its response.
    public static final int SEND = 1 << 13;
    public static final int WRITE = 1 << 14;
    public static final int READ = 1 << 15;
    public static final int ATOMIC = 1 << 16;
    /** Unreliable Datagram transport (otherwise Reliable Connection). */
    public static final int UD = 1 << 17;

    private static final int OPCODES = 256;
    private static final int[] FLAGS = new int[OPCODES];
    private static final int[] HEADER_LENGTH = new int[OPCODES];
    private static final String[] NAMES = new String[OPCODES];

    static {
        final int send = REQUEST | SEND | HAS_PAYLOAD;
        final int write = REQUEST | WRITE | HAS_PAYLOAD;
        final int readResponse = RESPONSE | READ | HAS_PAYLOAD;

        define(RC_SEND_FIRST, "RC_SEND_FIRST", send | FIRST);
        define(RC_SEND_MIDDLE, "RC_SEND_MIDDLE", send | MIDDLE);
        define(RC_SEND_LAST, "RC_SEND_LAST", send | LAST);
        define(RC_SEND_LAST_WITH_IMMEDIATE, "RC_SEND_LAST_WITH_IMMEDIATE", send | LAST | HAS_IMMDT);
        define(RC_SEND_ONLY, "RC_SEND_ONLY", send | ONLY);
        define(RC_SEND_ONLY_WITH_IMMEDIATE, "RC_SEND_ONLY_WITH_IMMEDIATE", send | ONLY | HAS_IMMDT);
        define(RC_RDMA_WRITE_FIRST, "RC_RDMA_WRITE_FIRST", write | FIRST | HAS_RETH);
        define(RC_RDMA_WRITE_MIDDLE, "RC_RDMA_WRITE_MIDDLE", write | MIDDLE);
        define(RC_RDMA_WRITE_LAST, "RC_RDMA_WRITE_LAST", write | LAST);
        define(RC_RDMA_WRITE_LAST_WITH_IMMEDIATE, "RC_RDMA_WRITE_LAST_WITH_IMMEDIATE", write | LAST | HAS_IMMDT);
        define(RC_RDMA_WRITE_ONLY, "RC_RDMA_WRITE_ONLY", write | ONLY | HAS_RETH);
        define(RC_RDMA_WRITE_ONLY_WITH_IMMEDIATE, "RC_RDMA_WRITE_ONLY_WITH_IMMEDIATE",
            write | ONLY | HAS_RETH | HAS_IMMDT);
        define(RC_RDMA_READ_REQUEST, "RC_RDMA_READ_REQUEST", REQUEST | READ | ONLY | HAS_RETH);
        define(RC_RDMA_READ_RESPONSE_FIRST, "RC_RDMA_READ_RESPONSE_FIRST", readResponse | FIRST | HAS_AETH);
        define(RC_RDMA_READ_RESPONSE_MIDDLE, "RC_RDMA_READ_RESPONSE_MIDDLE", readResponse | MIDDLE);
        define(RC_RDMA_READ_RESPONSE_LAST, "RC_RDMA_READ_RESPONSE_LAST", readResponse | LAST | HAS_AETH);
        define(RC_RDMA_READ_RESPONSE_ONLY, "RC_RDMA_READ_RESPONSE_ONLY", readResponse | ONLY | HAS_AETH);
        define(RC_ACKNOWLEDGE, "RC_ACKNOWLEDGE", RESPONSE | ONLY | HAS_AETH);
        define(RC_ATOMIC_ACKNOWLEDGE, "RC_ATOMIC_ACKNOWLEDGE",
            RESPONSE | ATOMIC | ONLY | HAS_AETH | HAS_ATOMIC_ACK_ETH);
        define(RC_COMPARE_SWAP, "RC_COMPARE_SWAP", REQUEST | ATOMIC | ONLY | HAS_ATOMIC_ETH);
        define(RC_FETCH_ADD, "RC_FETCH_ADD", REQUEST | ATOMIC | ONLY | HAS_ATOMIC_ETH);
        define(RC_SEND_LAST_WITH_INVALIDATE, "RC_SEND_LAST_WITH_INVALIDATE", send | LAST | HAS_IETH);
        define(RC_SEND_ONLY_WITH_INVALIDATE, "RC_SEND_ONLY_WITH_INVALIDATE", send | ONLY | HAS_IETH);
        define(UD_SEND_ONLY, "UD_SEND_ONLY", send | ONLY | UD | HAS_DETH);
        define(UD_SEND_ONLY_WITH_IMMEDIATE, "UD_SEND_ONLY_WITH_IMMEDIATE", send | ONLY | UD | HAS_DETH | HAS_IMMDT);
    }

    private Opcode() {
    }

    private static void define(final int opcode, final String name, final int flags) {
        FLAGS[opcode] = flags;
        NAMES[opcode] = name;
        HEADER_LENGTH[opcode] = immDtOrIethEnd(flags);
    }

    public static boolean isSupported(final int opcode) {
        return flags(opcode) != 0;
    }

    /** Flags of {@code opcode}, or 0 if it is not one this NIC speaks (including values outside 0..255). */
    public static int flags(final int opcode) {
        return (opcode & ~0xFF) == 0 ? FLAGS[opcode] : 0;
    }

    public static boolean has(final int opcode, final int flag) {
        return (flags(opcode) & flag) != 0;
    }

    /** BTH plus all extension headers, in bytes; 0 if unsupported. */
    public static int headerLength(final int opcode) {
        return (opcode & ~0xFF) == 0 ? HEADER_LENGTH[opcode] : 0;
    }

    // The offset of each extension header is where the previous one in wire order ends; a chain of
    // tiny functions over the flags keeps the ordering rule in exactly one place.

    private static int dethEnd(final int flags) {
        return Bth.LENGTH + ((flags & HAS_DETH) != 0 ? Deth.LENGTH : 0);
    }

    private static int rethOrAtomicEthEnd(final int flags) {
        return dethEnd(flags)
            + ((flags & HAS_RETH) != 0 ? Reth.LENGTH : 0)
            + ((flags & HAS_ATOMIC_ETH) != 0 ? AtomicEth.LENGTH : 0);
    }

    private static int aethEnd(final int flags) {
        return rethOrAtomicEthEnd(flags) + ((flags & HAS_AETH) != 0 ? Aeth.LENGTH : 0);
    }

    private static int atomicAckEthEnd(final int flags) {
        return aethEnd(flags) + ((flags & HAS_ATOMIC_ACK_ETH) != 0 ? AtomicAckEth.LENGTH : 0);
    }

    private static int immDtOrIethEnd(final int flags) {
        return atomicAckEthEnd(flags)
            + ((flags & HAS_IMMDT) != 0 ? ImmDt.LENGTH : 0)
            + ((flags & HAS_IETH) != 0 ? Ieth.LENGTH : 0);
    }

    private static int offsetIf(final int opcode, final int flag, final int offset) {
        return (flags(opcode) & flag) != 0 ? offset : -1;
    }

    public static int dethOffset(final int opcode) {
        return offsetIf(opcode, HAS_DETH, Bth.LENGTH);
    }

    public static int rethOffset(final int opcode) {
        return offsetIf(opcode, HAS_RETH, dethEnd(flags(opcode)));
    }

    public static int atomicEthOffset(final int opcode) {
        return offsetIf(opcode, HAS_ATOMIC_ETH, dethEnd(flags(opcode)));
    }

    public static int aethOffset(final int opcode) {
        return offsetIf(opcode, HAS_AETH, rethOrAtomicEthEnd(flags(opcode)));
    }

    public static int atomicAckEthOffset(final int opcode) {
        return offsetIf(opcode, HAS_ATOMIC_ACK_ETH, aethEnd(flags(opcode)));
    }

    public static int immDtOffset(final int opcode) {
        return offsetIf(opcode, HAS_IMMDT, atomicAckEthEnd(flags(opcode)));
    }

    public static int iethOffset(final int opcode) {
        return offsetIf(opcode, HAS_IETH, atomicAckEthEnd(flags(opcode)));
    }

    /** Symbolic name for logs, e.g. {@code "RC_SEND_ONLY"}, or {@code "UNKNOWN(0x2a)"}. */
    public static String name(final int opcode) {
        final String name = (opcode & ~0xFF) == 0 ? NAMES[opcode] : null;
        return name != null ? name : "UNKNOWN(0x" + Integer.toHexString(opcode) + ")";
    }
}
