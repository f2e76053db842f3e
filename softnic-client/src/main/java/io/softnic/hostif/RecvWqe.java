package io.softnic.hostif;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/** Receive work queue entry: the work request id, how many SGEs follow, and a completion vector hint. */
public final class RecvWqe
{
    public static final int WR_ID_OFFSET = 0;
    public static final int NUM_SGE_OFFSET = 8;
    public static final int COMP_VECTOR_OFFSET = 9;
    public static final int HEADER_LENGTH = 16;
    public static final int SGE_OFFSET = HEADER_LENGTH;

    private RecvWqe()
    {
    }

    public static int stride(final int maxSge)
    {
        return (HEADER_LENGTH + Math.max(1, maxSge) * Sge.LENGTH + 15) & ~15;
    }

    public static long wrId(final MemorySegment s, final long wqe)
    {
        return s.get(ValueLayout.JAVA_LONG, wqe + WR_ID_OFFSET);
    }

    public static int numSge(final MemorySegment s, final long wqe)
    {
        return s.get(ValueLayout.JAVA_BYTE, wqe + NUM_SGE_OFFSET) & 0xFF;
    }

    public static int compVector(final MemorySegment s, final long wqe)
    {
        return s.get(ValueLayout.JAVA_BYTE, wqe + COMP_VECTOR_OFFSET) & 0xFF;
    }

    public static void putHeader(final MemorySegment s, final long wqe, final long wrId, final int numSge, final int vector)
    {
        s.set(ValueLayout.JAVA_LONG, wqe + WR_ID_OFFSET, wrId);
        s.set(ValueLayout.JAVA_BYTE, wqe + NUM_SGE_OFFSET, (byte)numSge);
        s.set(ValueLayout.JAVA_BYTE, wqe + COMP_VECTOR_OFFSET, (byte)vector);
    }

    public static long sgeOffset(final long wqe, final int index)
    {
        return wqe + SGE_OFFSET + (long)index * Sge.LENGTH;
    }
}
