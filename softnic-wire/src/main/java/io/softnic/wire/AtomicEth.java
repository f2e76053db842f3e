package io.softnic.wire;

import java.lang.foreign.MemorySegment;

/**
 * Atomic Extended Transport Header (28 bytes) of COMPARE_SWAP and FETCH_ADD.
 * <pre>
 *  0-7    virtual address (8-byte aligned target)
 *  8-11   R_Key
 *  12-19  swap data (CmpSwap) or add data (FetchAdd)
 *  20-27  compare data (CmpSwap only)
 * </pre>
 */
public final class AtomicEth extends Flyweight {
    public static final int LENGTH = 28;

    public static final int VIRTUAL_ADDRESS_OFFSET = 0;
    public static final int RKEY_OFFSET = 8;
    public static final int SWAP_OR_ADD_DATA_OFFSET = 12;
    public static final int COMPARE_DATA_OFFSET = 20;

    @Override
    public AtomicEth wrap(final MemorySegment segment, final long offset) {
        super.wrap(segment, offset);
        return this;
    }

    public long virtualAddress() {
        return getI64(VIRTUAL_ADDRESS_OFFSET);
    }

    public AtomicEth virtualAddress(final long va) {
        putI64(VIRTUAL_ADDRESS_OFFSET, va);
        return this;
    }

    public int rkey() {
        return getI32(RKEY_OFFSET);
    }

    public AtomicEth rkey(final int rkey) {
        putI32(RKEY_OFFSET, rkey);
        return this;
    }

    public long swapOrAddData() {
        return getI64(SWAP_OR_ADD_DATA_OFFSET);
    }

    public AtomicEth swapOrAddData(final long value) {
        putI64(SWAP_OR_ADD_DATA_OFFSET, value);
        return this;
    }

    public long compareData() {
        return getI64(COMPARE_DATA_OFFSET);
    }

    public AtomicEth compareData(final long value) {
        putI64(COMPARE_DATA_OFFSET, value);
        return this;
    }

    @Override
    public String toString() {
        return "AtomicEth{va=0x" + Long.toHexString(virtualAddress()) + " rkey=0x" + Integer.toHexString(rkey())
            + " swapOrAdd=0x" + Long.toHexString(swapOrAddData()) + " compare=0x" + Long.toHexString(compareData())
            + "}";
    }
}
