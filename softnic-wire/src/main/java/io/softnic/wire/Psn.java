package io.softnic.wire;

/**
 * Arithmetic on 24-bit Packet Sequence Numbers, which wrap from 0xFFFFFF to 0.
 *
 * <p>Ordering is only meaningful for PSNs less than 2^23 apart (the IBTA window is half the
 * space), which {@link #diff(int, int)} encodes by sign-extending the 24-bit difference.
 */
public final class Psn {
    public static final int MASK = 0xFF_FFFF;
    /** Half the PSN space: the largest distance that still has a well-defined order. */
    public static final int HALF_RANGE = 1 << 23;

    private Psn() {
    }

    public static int add(final int psn, final int n) {
        return (psn + n) & MASK;
    }

    public static int next(final int psn) {
        return (psn + 1) & MASK;
    }

    public static int previous(final int psn) {
        return (psn - 1) & MASK;
    }

    /** {@code a - b} as a signed 24-bit value in [-2^23, 2^23). */
    public static int diff(final int a, final int b) {
        // Shift the 24-bit difference to the top of the int and back to sign-extend it.
        return ((a - b) << 8) >> 8;
    }

    public static boolean before(final int a, final int b) {
        return diff(a, b) < 0;
    }

    public static boolean beforeOrEqual(final int a, final int b) {
        return diff(a, b) <= 0;
    }

    public static boolean after(final int a, final int b) {
        return diff(a, b) > 0;
    }

    public static boolean afterOrEqual(final int a, final int b) {
        return diff(a, b) >= 0;
    }

    public static boolean isValid(final int psn) {
        return (psn & ~MASK) == 0;
    }
}
