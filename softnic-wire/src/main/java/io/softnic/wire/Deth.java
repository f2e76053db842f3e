package io.softnic.wire;

import java.lang.foreign.MemorySegment;

/**
 * Datagram Extended Transport Header (8 bytes) of UD packets.
 * <pre>
 *  0-3    Q_Key
 *  4      reserved
 *  5-7    source QP
 * </pre>
 */
public final class Deth extends Flyweight {
    public static final int LENGTH = 8;

    public static final int QKEY_OFFSET = 0;
    public static final int RESERVED_OFFSET = 4;
    public static final int SRC_QP_OFFSET = 5;

    @Override
    public Deth wrap(final MemorySegment segment, final long offset) {
        super.wrap(segment, offset);
        return this;
    }

    public int qkey() {
        return getI32(QKEY_OFFSET);
    }

    public Deth qkey(final int qkey) {
        putI32(QKEY_OFFSET, qkey);
        return this;
    }

    public int srcQp() {
        return getU24(SRC_QP_OFFSET);
    }

    /** Also clears the reserved byte, which shares no bits with anything else. */
    public Deth srcQp(final int qpn) {
        putU8(RESERVED_OFFSET, 0);
        putU24(SRC_QP_OFFSET, qpn);
        return this;
    }

    @Override
    public String toString() {
        return "Deth{qkey=0x" + Integer.toHexString(qkey()) + " srcQp=0x" + Integer.toHexString(srcQp()) + "}";
    }
}
