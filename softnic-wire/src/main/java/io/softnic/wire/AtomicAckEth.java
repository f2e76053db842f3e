package io.softnic.wire;

import java.lang.foreign.MemorySegment;

/** Atomic Acknowledge Extended Transport Header (8 bytes): the target's value before the atomic. */
public final class AtomicAckEth extends Flyweight {
    public static final int LENGTH = 8;

    public static final int ORIGINAL_REMOTE_DATA_OFFSET = 0;

    @Override
    public AtomicAckEth wrap(final MemorySegment segment, final long offset) {
        super.wrap(segment, offset);
        return this;
    }

    public long originalRemoteData() {
        return getI64(ORIGINAL_REMOTE_DATA_OFFSET);
    }

    public AtomicAckEth originalRemoteData(final long value) {
        putI64(ORIGINAL_REMOTE_DATA_OFFSET, value);
        return this;
    }

    @Override
    public String toString() {
        return "AtomicAckEth{orig=0x" + Long.toHexString(originalRemoteData()) + "}";
    }
}
