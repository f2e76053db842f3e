package io.softnic.wire;

import java.lang.foreign.MemorySegment;

/**
 * RDMA Extended Transport Header (16 bytes): the remote buffer of a WRITE (first/only packet) or
 * a READ request.
 * <pre>
 *  0-7    virtual address
 *  8-11   R_Key
 *  12-15  DMA length (u32)
 * </pre>
 */
public final class Reth extends Flyweight {
    public static final int LENGTH = 16;

    public static final int VIRTUAL_ADDRESS_OFFSET = 0;
    public static final int RKEY_OFFSET = 8;
    public static final int DMA_LENGTH_OFFSET = 12;

    @Override
    public Reth wrap(final MemorySegment segment, final long offset) {
        super.wrap(segment, offset);
        return this;
    }

    public long virtualAddress() {
        return getI64(VIRTUAL_ADDRESS_OFFSET);
    }

    public Reth virtualAddress(final long va) {
        putI64(VIRTUAL_ADDRESS_OFFSET, va);
        return this;
    }

    public int rkey() {
        return getI32(RKEY_OFFSET);
    }

    public Reth rkey(final int rkey) {
        putI32(RKEY_OFFSET, rkey);
        return this;
    }

    /** Raw 32-bit length; values of 2 GiB and above are negative, see {@link #dmaLengthUnsigned()}. */
    public int dmaLength() {
        return getI32(DMA_LENGTH_OFFSET);
    }

    public long dmaLengthUnsigned() {
        return getU32(DMA_LENGTH_OFFSET);
    }

    public Reth dmaLength(final int length) {
        putI32(DMA_LENGTH_OFFSET, length);
        return this;
    }

    @Override
    public String toString() {
        return "Reth{va=0x" + Long.toHexString(virtualAddress()) + " rkey=0x" + Integer.toHexString(rkey())
            + " len=" + dmaLengthUnsigned() + "}";
    }
}
