package io.softnic.wire;

import java.lang.foreign.MemorySegment;

/**
 * ACK Extended Transport Header (4 bytes): a syndrome byte and the 24-bit Message Sequence Number.
 *
 * <p>The syndrome (IBTA vol. 1, chapter 9) is: bit 7 reserved, bits 6-5 the type, bits 4-0
 * a value whose meaning depends on the type: the credit count for an ACK, the RNR timer code for an
 * RNR NAK, the NAK code for a NAK. Here the type is taken as bits 7-5 so a set reserved bit makes
 * the syndrome {@link #TYPE_RESERVED} rather than silently looking valid.
 */
public final class Aeth extends Flyweight {
    public static final int LENGTH = 4;

    public static final int SYNDROME_OFFSET = 0;
    public static final int MSN_OFFSET = 1;

    public static final int TYPE_ACK = 0b000;
    public static final int TYPE_RNR_NAK = 0b001;
    /** Reserved encoding 0b010, or any syndrome with the reserved bit 7 set. */
    public static final int TYPE_RESERVED = 0b010;
    public static final int TYPE_NAK = 0b011;

    private static final int TYPE_SHIFT = 5;
    private static final int VALUE_MASK = 0x1F;

    /** Credit count meaning "no end-to-end credit information": used when the responder has an SRQ. */
    public static final int CREDITS_INVALID = 0x1F;

    public static final int NAK_PSN_SEQUENCE_ERROR = 0;
    public static final int NAK_INVALID_REQUEST = 1;
    public static final int NAK_REMOTE_ACCESS_ERROR = 2;
    public static final int NAK_REMOTE_OPERATIONAL_ERROR = 3;
    public static final int NAK_INVALID_RD_REQUEST = 4;

    /**
     * RNR NAK timer field encoding (IBTA vol. 1, chapter 9; same table as rdma-core's
     * {@code IBV_RNR_TIMER_*} and rxe's {@code rnrnak_usec}), in units of 10 microseconds. Code 0 is
     * the longest wait, not the shortest; the others roughly double every two codes.
     */
    private static final int[] RNR_TIMER_10US = {
        65536, 1, 2, 3, 4, 6, 8, 12,
        16, 24, 32, 48, 64, 96, 128, 192,
        256, 384, 512, 768, 1024, 1536, 2048, 3072,
        4096, 6144, 8192, 12288, 16384, 24576, 32768, 49152,
    };

    private static final long NANOS_PER_10US = 10_000L;

    @Override
    public Aeth wrap(final MemorySegment segment, final long offset) {
        super.wrap(segment, offset);
        return this;
    }

    public int syndrome() {
        return getU8(SYNDROME_OFFSET);
    }

    public Aeth syndrome(final int syndrome) {
        putU8(SYNDROME_OFFSET, syndrome);
        return this;
    }

    public int msn() {
        return getU24(MSN_OFFSET);
    }

    public Aeth msn(final int msn) {
        putU24(MSN_OFFSET, msn);
        return this;
    }

    /** Positive ACK syndrome carrying a credit count code (0-31, 31 = {@link #CREDITS_INVALID}). */
    public static int ackSyndrome(final int credits) {
        return syndrome(TYPE_ACK, credits);
    }

    /** RNR NAK syndrome asking the requester to wait {@link #rnrTimerNanos(int) rnrTimerNanos(timerCode)}. */
    public static int rnrNakSyndrome(final int timerCode) {
        return syndrome(TYPE_RNR_NAK, timerCode);
    }

    /** NAK syndrome with one of the {@code NAK_*} codes. */
    public static int nakSyndrome(final int code) {
        return syndrome(TYPE_NAK, code);
    }

    private static int syndrome(final int type, final int value) {
        if ((value & ~VALUE_MASK) != 0) {
            throw new IllegalArgumentException("AETH syndrome value out of range 0..31: " + value);
        }
        return type << TYPE_SHIFT | value;
    }

    /** One of {@link #TYPE_ACK}, {@link #TYPE_RNR_NAK}, {@link #TYPE_NAK}, {@link #TYPE_RESERVED}. */
    public static int type(final int syndrome) {
        final int type = (syndrome & 0xFF) >>> TYPE_SHIFT;
        return type == TYPE_ACK || type == TYPE_RNR_NAK || type == TYPE_NAK ? type : TYPE_RESERVED;
    }

    /** Low five bits: credit count, RNR timer code or NAK code depending on {@link #type(int)}. */
    public static int value(final int syndrome) {
        return syndrome & VALUE_MASK;
    }

    /** Minimum wait an RNR NAK timer code asks for, in nanoseconds (code 0 = 655.36 ms, 1 = 10 us ... 31 = 491.52 ms). */
    public static long rnrTimerNanos(final int code) {
        return RNR_TIMER_10US[code & VALUE_MASK] * NANOS_PER_10US;
    }

    public static String nakName(final int code) {
        return switch (code) {
            case NAK_PSN_SEQUENCE_ERROR -> "PSN_SEQUENCE_ERROR";
            case NAK_INVALID_REQUEST -> "INVALID_REQUEST";
            case NAK_REMOTE_ACCESS_ERROR -> "REMOTE_ACCESS_ERROR";
            case NAK_REMOTE_OPERATIONAL_ERROR -> "REMOTE_OPERATIONAL_ERROR";
            case NAK_INVALID_RD_REQUEST -> "INVALID_RD_REQUEST";
            default -> "RESERVED(" + code + ")";
        };
    }

    /** Human-readable syndrome, e.g. {@code "ACK(credits=31)"}, {@code "NAK(REMOTE_ACCESS_ERROR)"}. */
    public static String describe(final int syndrome) {
        final int value = value(syndrome);
        return switch (type(syndrome)) {
            case TYPE_ACK -> "ACK(credits=" + value + ")";
            case TYPE_RNR_NAK -> "RNR_NAK(timer=" + value + ")";
            case TYPE_NAK -> "NAK(" + nakName(value) + ")";
            default -> "RESERVED(0x" + Integer.toHexString(syndrome & 0xFF) + ")";
        };
    }

    @Override
    public String toString() {
        return "Aeth{" + describe(syndrome()) + " msn=" + msn() + "}";
    }
}
