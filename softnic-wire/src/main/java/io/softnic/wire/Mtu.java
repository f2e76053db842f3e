package io.softnic.wire;

/** The IBA path MTU encoding used in CM messages and QP attributes (1 = 256 ... 5 = 4096 bytes). */
public final class Mtu {
    public static final int MTU_256 = 1;
    public static final int MTU_512 = 2;
    public static final int MTU_1024 = 3;
    public static final int MTU_2048 = 4;
    public static final int MTU_4096 = 5;

    private static final int SMALLEST_SHIFT = 7; // code 1 = 256 = 1 << 8

    private Mtu() {
    }

    public static boolean isValid(final int code) {
        return code >= MTU_256 && code <= MTU_4096;
    }

    /** Payload bytes per packet for an MTU code. */
    public static int bytes(final int code) {
        if (!isValid(code)) {
            throw new IllegalArgumentException("invalid IB MTU code: " + code);
        }
        return 1 << (code + SMALLEST_SHIFT);
    }

    /** Largest MTU code not exceeding {@code bytes}, or 0 if {@code bytes} is below 256. */
    public static int code(final int bytes) {
        for (int code = MTU_4096; code >= MTU_256; code--) {
            if (bytes(code) <= bytes) {
                return code;
            }
        }
        return 0;
    }
}
