package io.softnic.wire;

import java.lang.foreign.MemorySegment;
import java.util.Objects;

/**
 * Validates and indexes one received RoCEv2 UDP payload (BTH ... ICRC) in place.
 *
 * <p>The payload is untrusted network input, so {@link #wrap} checks every length against the
 * datagram before any header field beyond the BTH is relied upon, and never throws for malformed
 * content: it returns {@link #OK} or a negative reason code. After {@code OK}, the header
 * flyweights of the headers the opcode carries are wrapped at their offsets; the others are
 * wrapped over an empty segment, so using one by mistake fails loudly instead of reading another
 * header's bytes. The ICRC is not checked here (see {@link Icrc}), since it needs the addresses.
 *
 * <p>One instance per receive thread; {@code wrap} does not allocate.
 */
public final class PacketView {
    public static final int OK = 0;
    /** Shorter than BTH + extension headers + ICRC, or the pad count exceeds the bytes present. */
    public static final int TRUNCATED = -1;
    /** Opcode outside the RC/UD set of {@link Opcode}. */
    public static final int UNSUPPORTED_OPCODE = -2;
    /** BTH TVer is not 0. */
    public static final int BAD_TRANSPORT_VERSION = -3;
    /**
     * Non-zero pad on an opcode that carries no payload or on a FIRST/MIDDLE packet (those carry a
     * full PMTU, a multiple of 4), or payload plus pad not a multiple of 4.
     */
    public static final int BAD_PAD = -4;
    /** Bytes between the headers and the ICRC on an opcode that carries no payload (ACK, READ request, atomics). */
    public static final int UNEXPECTED_PAYLOAD = -5;

    private static final int WORD_MASK = 3;

    private final Bth bth = new Bth();
    private final Deth deth = new Deth();
    private final Reth reth = new Reth();
    private final AtomicEth atomicEth = new AtomicEth();
    private final Aeth aeth = new Aeth();
    private final AtomicAckEth atomicAckEth = new AtomicAckEth();
    private final ImmDt immDt = new ImmDt();
    private final Ieth ieth = new Ieth();

    private MemorySegment segment = MemorySegment.NULL;
    private long offset;
    private int length;
    private int opcode = -1;
    private int flags;
    private int headerLength;
    private int padCount;
    private int payloadLength;

    /**
     * Validates {@code datagram[offset, offset + length)} as a RoCEv2 UDP payload.
     *
     * @return {@link #OK} or one of the negative reason codes
     * @throws IndexOutOfBoundsException if the range itself lies outside the segment (a caller bug,
     *                                   not bad input)
     */
    public int wrap(final MemorySegment datagram, final long offset, final int length) {
        Objects.checkFromIndexSize(offset, length, datagram.byteSize());
        clear();
        if (length < Bth.LENGTH + Icrc.LENGTH) {
            return TRUNCATED;
        }
        bth.wrap(datagram, offset);
        final int opcode = bth.opcode();
        final int flags = Opcode.flags(opcode);
        if (flags == 0) {
            return UNSUPPORTED_OPCODE;
        }
        if (bth.transportVersion() != Bth.TRANSPORT_VERSION) {
            return BAD_TRANSPORT_VERSION;
        }
        final int headerLength = Opcode.headerLength(opcode);
        final int payloadAndPad = length - headerLength - Icrc.LENGTH;
        if (payloadAndPad < 0) {
            return TRUNCATED;
        }
        final int padCount = bth.padCount();
        if ((flags & Opcode.HAS_PAYLOAD) == 0) {
            if (padCount != 0) {
                return BAD_PAD;
            }
            if (payloadAndPad != 0) {
                return UNEXPECTED_PAYLOAD;
            }
        } else {
            if (padCount > payloadAndPad) {
                return TRUNCATED;
            }
            if ((padCount != 0 && (flags & Opcode.LAST) == 0) || (payloadAndPad & WORD_MASK) != 0) {
                return BAD_PAD;
            }
        }

        this.segment = datagram;
        this.offset = offset;
        this.length = length;
        this.opcode = opcode;
        this.flags = flags;
        this.headerLength = headerLength;
        this.padCount = padCount;
        this.payloadLength = payloadAndPad - padCount;
        wrapIfPresent(deth, Opcode.dethOffset(opcode));
        wrapIfPresent(reth, Opcode.rethOffset(opcode));
        wrapIfPresent(atomicEth, Opcode.atomicEthOffset(opcode));
        wrapIfPresent(aeth, Opcode.aethOffset(opcode));
        wrapIfPresent(atomicAckEth, Opcode.atomicAckEthOffset(opcode));
        wrapIfPresent(immDt, Opcode.immDtOffset(opcode));
        wrapIfPresent(ieth, Opcode.iethOffset(opcode));
        return OK;
    }

    private void wrapIfPresent(final Flyweight header, final int relativeOffset) {
        if (relativeOffset >= 0) {
            header.wrap(segment, offset + relativeOffset);
        } else {
            header.wrap(MemorySegment.NULL, 0);
        }
    }

    private void clear() {
        segment = MemorySegment.NULL;
        offset = 0;
        length = 0;
        opcode = -1;
        flags = 0;
        headerLength = 0;
        padCount = 0;
        payloadLength = 0;
        bth.wrap(MemorySegment.NULL, 0);
        deth.wrap(MemorySegment.NULL, 0);
        reth.wrap(MemorySegment.NULL, 0);
        atomicEth.wrap(MemorySegment.NULL, 0);
        aeth.wrap(MemorySegment.NULL, 0);
        atomicAckEth.wrap(MemorySegment.NULL, 0);
        immDt.wrap(MemorySegment.NULL, 0);
        ieth.wrap(MemorySegment.NULL, 0);
    }

    public static String reason(final int code) {
        return switch (code) {
            case OK -> "OK";
            case TRUNCATED -> "TRUNCATED";
            case UNSUPPORTED_OPCODE -> "UNSUPPORTED_OPCODE";
            case BAD_TRANSPORT_VERSION -> "BAD_TRANSPORT_VERSION";
            case BAD_PAD -> "BAD_PAD";
            case UNEXPECTED_PAYLOAD -> "UNEXPECTED_PAYLOAD";
            default -> "UNKNOWN(" + code + ")";
        };
    }

    public MemorySegment segment() {
        return segment;
    }

    /** Absolute offset of the BTH in {@link #segment()}. */
    public long offset() {
        return offset;
    }

    /** Whole UDP payload: headers, payload, pad and ICRC. */
    public int length() {
        return length;
    }

    public int opcode() {
        return opcode;
    }

    /** {@link Opcode#flags(int)} of the opcode. */
    public int flags() {
        return flags;
    }

    public boolean has(final int flag) {
        return (flags & flag) != 0;
    }

    /** BTH plus extension headers. */
    public int headerLength() {
        return headerLength;
    }

    public int padCount() {
        return padCount;
    }

    /** Absolute offset of the payload in {@link #segment()}. */
    public long payloadOffset() {
        return offset + headerLength;
    }

    /** Payload bytes, excluding pad and ICRC. */
    public int payloadLength() {
        return payloadLength;
    }

    /** Absolute offset of the 4-byte ICRC in {@link #segment()}. */
    public long icrcOffset() {
        return offset + length - Icrc.LENGTH;
    }

    public Bth bth() {
        return bth;
    }

    public Deth deth() {
        return deth;
    }

    public Reth reth() {
        return reth;
    }

    public AtomicEth atomicEth() {
        return atomicEth;
    }

    public Aeth aeth() {
        return aeth;
    }

    public AtomicAckEth atomicAckEth() {
        return atomicAckEth;
    }

    public ImmDt immDt() {
        return immDt;
    }

    public Ieth ieth() {
        return ieth;
    }

    @Override
    public String toString() {
        if (opcode < 0) {
            return "PacketView{invalid}";
        }
        return "PacketView{" + bth + " headers=" + headerLength + " payload=" + payloadLength
            + " pad=" + padCount + " length=" + length + "}";
    }
}
