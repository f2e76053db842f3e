package io.softnic.hostif;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/** Scatter/gather element layout inside a work queue entry: address, length, local key. */
public final class Sge
{
    public static final int ADDR_OFFSET = 0;
    public static final int LENGTH_OFFSET = 8;
    public static final int LKEY_OFFSET = 12;
    public static final int LENGTH = 16;

    private Sge()
    {
    }

    public static long addr(final MemorySegment s, final long sgeOffset)
    {
        return s.get(ValueLayout.JAVA_LONG, sgeOffset + ADDR_OFFSET);
    }

    /** Unsigned 32-bit length, as ibverbs' uint32_t. */
    public static long length(final MemorySegment s, final long sgeOffset)
    {
        return s.get(ValueLayout.JAVA_INT, sgeOffset + LENGTH_OFFSET) & 0xFFFF_FFFFL;
    }

    public static int lkey(final MemorySegment s, final long sgeOffset)
    {
        return s.get(ValueLayout.JAVA_INT, sgeOffset + LKEY_OFFSET);
    }

    public static void put(final MemorySegment s, final long sgeOffset, final long addr, final int length, final int lkey)
    {
        s.set(ValueLayout.JAVA_LONG, sgeOffset + ADDR_OFFSET, addr);
        s.set(ValueLayout.JAVA_INT, sgeOffset + LENGTH_OFFSET, length);
        s.set(ValueLayout.JAVA_INT, sgeOffset + LKEY_OFFSET, lkey);
    }
}
