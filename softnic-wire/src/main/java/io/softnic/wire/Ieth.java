package io.softnic.wire;

import java.lang.foreign.MemorySegment;

/** Invalidate Extended Transport Header (4 bytes): the R_Key a SEND_WITH_INVALIDATE invalidates at the responder. */
public final class Ieth extends Flyweight {
    public static final int LENGTH = 4;

    public static final int RKEY_OFFSET = 0;

    @Override
    public Ieth wrap(final MemorySegment segment, final long offset) {
        super.wrap(segment, offset);
        return this;
    }

    public int rkey() {
        return getI32(RKEY_OFFSET);
    }

    public Ieth rkey(final int rkey) {
        putI32(RKEY_OFFSET, rkey);
        return this;
    }

    @Override
    public String toString() {
        return "Ieth{rkey=0x" + Integer.toHexString(rkey()) + "}";
    }
}
