package io.softnic.wire;

import java.lang.foreign.MemorySegment;

/** Immediate Data Extended Transport Header (4 bytes), handed to the receiver's completion as is. */
public final class ImmDt extends Flyweight {
    public static final int LENGTH = 4;

    public static final int IMMEDIATE_DATA_OFFSET = 0;

    @Override
    public ImmDt wrap(final MemorySegment segment, final long offset) {
        super.wrap(segment, offset);
        return this;
    }

    public int immediateData() {
        return getI32(IMMEDIATE_DATA_OFFSET);
    }

    public ImmDt immediateData(final int value) {
        putI32(IMMEDIATE_DATA_OFFSET, value);
        return this;
    }

    @Override
    public String toString() {
        return "ImmDt{0x" + Integer.toHexString(immediateData()) + "}";
    }
}
