package io.softnic.wire.cm;

/**
 * The logarithmic time encoding CM uses for response timeouts, service timeouts, target ACK delay
 * and the QP local ACK timeout: {@code 4.096 us * 2^value} (value 0-31).
 */
public final class CmTimeout {
    public static final long BASE_NANOS = 4_096L;
    public static final int MAX_EXPONENT = 31;

    private CmTimeout() {
    }

    public static long nanos(final int exponent) {
        if (exponent < 0 || exponent > MAX_EXPONENT) {
            throw new IllegalArgumentException("timeout exponent outside 0..31: " + exponent);
        }
        return BASE_NANOS << exponent;
    }

    /** Smallest exponent whose timeout is at least {@code nanos} (clamped to 0..31). */
    public static int exponent(final long nanos) {
        int exponent = 0;
        while (exponent < MAX_EXPONENT && (BASE_NANOS << exponent) < nanos) {
            exponent++;
        }
        return exponent;
    }
}
