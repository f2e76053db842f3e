package io.softnic.wire;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.Objects;

/**
 * Base of every header view: a reusable window onto a {@link MemorySegment} at some offset.
 *
 * <p>Wrapping does not copy and getters/setters do not allocate, so one instance per header kind
 * can be kept per thread and re-pointed at each packet. All multi-byte fields on the InfiniBand
 * wire are big-endian and need not be aligned, hence the unaligned big-endian layouts below.
 *
 * <p>{@code wrap} does not check that the whole header fits; every access is still bounds-checked
 * by the segment itself, so a view over too short a buffer fails with
 * {@link IndexOutOfBoundsException} rather than reading foreign memory. Code parsing untrusted
 * input validates lengths first (see {@link PacketView}).
 */
public abstract class Flyweight {
    protected static final ValueLayout.OfByte BYTE = ValueLayout.JAVA_BYTE;
    protected static final ValueLayout.OfShort SHORT_BE =
        ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);
    protected static final ValueLayout.OfInt INT_BE =
        ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);
    protected static final ValueLayout.OfLong LONG_BE =
        ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);

    protected static final int U24_MASK = 0xFF_FFFF;

    private MemorySegment segment = MemorySegment.NULL;
    private long offset;

    /** Points this view at {@code segment[offset...]}; returns {@code this} for chaining. */
    public Flyweight wrap(final MemorySegment segment, final long offset) {
        this.segment = Objects.requireNonNull(segment, "segment");
        this.offset = offset;
        return this;
    }

    public final MemorySegment segment() {
        return segment;
    }

    public final long offset() {
        return offset;
    }

    // Field accessors. `index` is relative to offset(); values are returned unsigned where the
    // result type is wide enough, and setters take the low bits of `value`.

    protected final int getU8(final int index) {
        return segment.get(BYTE, offset + index) & 0xFF;
    }

    protected final void putU8(final int index, final int value) {
        segment.set(BYTE, offset + index, (byte) value);
    }

    protected final int getU16(final int index) {
        return segment.get(SHORT_BE, offset + index) & 0xFFFF;
    }

    protected final void putU16(final int index, final int value) {
        segment.set(SHORT_BE, offset + index, (short) value);
    }

    protected final int getU24(final int index) {
        final long at = offset + index;
        return (segment.get(BYTE, at) & 0xFF) << 16
            | (segment.get(SHORT_BE, at + 1) & 0xFFFF);
    }

    protected final void putU24(final int index, final int value) {
        final long at = offset + index;
        segment.set(BYTE, at, (byte) (value >>> 16));
        segment.set(SHORT_BE, at + 1, (short) value);
    }

    /** 32-bit field as a Java int (keys, immediate data and lengths are usually handled raw). */
    protected final int getI32(final int index) {
        return segment.get(INT_BE, offset + index);
    }

    protected final void putI32(final int index, final int value) {
        segment.set(INT_BE, offset + index, value);
    }

    protected final long getU32(final int index) {
        return segment.get(INT_BE, offset + index) & 0xFFFF_FFFFL;
    }

    protected final long getI64(final int index) {
        return segment.get(LONG_BE, offset + index);
    }

    protected final void putI64(final int index, final long value) {
        segment.set(LONG_BE, offset + index, value);
    }

    /** Bit field of {@code width} bits starting {@code shift} bits above the LSB of byte {@code index}. */
    protected final int getBits(final int index, final int shift, final int width) {
        return (getU8(index) >>> shift) & ((1 << width) - 1);
    }

    /** Read-modify-write so the neighbouring fields sharing the byte are preserved. */
    protected final void putBits(final int index, final int shift, final int width, final int value) {
        final int mask = ((1 << width) - 1) << shift;
        putU8(index, (getU8(index) & ~mask) | ((value << shift) & mask));
    }

    /** Bit field of {@code width} bits starting {@code shift} bits above the LSB of the big-endian u32 at {@code index}. */
    protected final int getBits32(final int index, final int shift, final int width) {
        return (int) ((getU32(index) >>> shift) & ((1L << width) - 1));
    }

    /** Read-modify-write of a bit field within the big-endian u32 at {@code index}. */
    protected final void putBits32(final int index, final int shift, final int width, final int value) {
        final int mask = (int) (((1L << width) - 1) << shift);
        putI32(index, (getI32(index) & ~mask) | ((value << shift) & mask));
    }

    protected final boolean getBit(final int index, final int bit) {
        return (getU8(index) & (1 << bit)) != 0;
    }

    protected final void putBit(final int index, final int bit, final boolean value) {
        putBits(index, bit, 1, value ? 1 : 0);
    }

    /** Zeroes {@code length} bytes from {@code index}. */
    protected final void zero(final int index, final int length) {
        // A loop rather than asSlice().fill() so that resetting a header never allocates.
        long at = offset + index;
        final long end = at + length;
        for (; at + Long.BYTES <= end; at += Long.BYTES) {
            segment.set(LONG_BE, at, 0L);
        }
        for (; at < end; at++) {
            segment.set(BYTE, at, (byte) 0);
        }
    }

    /** Copies {@code length} bytes of this view at {@code index} out to {@code dst}. */
    protected final void copyOut(final int index, final MemorySegment dst, final long dstOffset, final int length) {
        MemorySegment.copy(segment, offset + index, dst, dstOffset, length);
    }

    /** Copies {@code length} bytes from {@code src} into this view at {@code index}. */
    protected final void copyIn(final int index, final MemorySegment src, final long srcOffset, final int length) {
        MemorySegment.copy(src, srcOffset, segment, offset + index, length);
    }
}
