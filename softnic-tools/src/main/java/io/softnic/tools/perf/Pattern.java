package io.softnic.tools.perf;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * The data the tests move: a byte stream derived from a seed (one per side and QP) and the byte's index, so every
 * byte says where it belongs. Filling and checking go a word at a time; a check names the first byte that differs.
 */
public final class Pattern
{
    private static final ValueLayout.OfLong LE_LONG =
        ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final long GOLDEN = 0x9E3779B97F4A7C15L;

    private Pattern()
    {
    }

    public static long seed(final int side, final int qp)
    {
        return mix(GOLDEN * (((long)side << 32) | (qp + 1L)));
    }

    public static long word(final long seed, final long wordIndex)
    {
        return mix(seed + wordIndex * GOLDEN);
    }

    public static byte byteAt(final long seed, final long index)
    {
        return (byte)(word(seed, index >>> 3) >>> ((index & 7) << 3));
    }

    /** Writes bytes [base, base+length) of the stream at offset; base must be a multiple of 8. */
    public static void fill(
        final MemorySegment seg, final long offset, final long length, final long seed, final long base)
    {
        checkBase(base);
        long w = base >>> 3;
        long i = 0;
        for (; i + 8 <= length; i += 8, w++)
        {
            seg.set(LE_LONG, offset + i, word(seed, w));
        }
        for (; i < length; i++)
        {
            seg.set(ValueLayout.JAVA_BYTE, offset + i, byteAt(seed, base + i));
        }
    }

    /** The index (from offset) of the first byte that is not bytes [base, base+length) of the stream, or -1. */
    public static long firstMismatch(
        final MemorySegment seg, final long offset, final long length, final long seed, final long base)
    {
        checkBase(base);
        long w = base >>> 3;
        long i = 0;
        for (; i + 8 <= length; i += 8, w++)
        {
            final long diff = seg.get(LE_LONG, offset + i) ^ word(seed, w);
            if (diff != 0)
            {
                return i + (Long.numberOfTrailingZeros(diff) >>> 3);
            }
        }
        for (; i < length; i++)
        {
            if (seg.get(ValueLayout.JAVA_BYTE, offset + i) != byteAt(seed, base + i))
            {
                return i;
            }
        }
        return -1;
    }

    private static void checkBase(final long base)
    {
        if ((base & 7) != 0)
        {
            throw new IllegalArgumentException("pattern base must be a multiple of 8: " + base);
        }
    }

    private static long mix(final long x)
    {
        long z = x;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
