package io.softnic.hostif;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Send work queue entry as the tenant writes it into its send queue ring. Every field is untrusted when the device
 * reads it: the device checks opcode, SGE count, lengths and keys before use.
 */
public final class SendWqe
{
    public static final int WR_ID_OFFSET = 0;
    public static final int OPCODE_OFFSET = 8;
    public static final int SEND_FLAGS_OFFSET = 9;
    public static final int NUM_SGE_OFFSET = 10;
    /** Completion vector hint of the posting thread, for spreading send completions over CPUs. */
    public static final int COMP_VECTOR_OFFSET = 11;
    public static final int IMM_DATA_OFFSET = 12;
    public static final int REMOTE_ADDR_OFFSET = 16;
    public static final int RKEY_OFFSET = 24;
    public static final int INLINE_LENGTH_OFFSET = 28;
    public static final int COMPARE_ADD_OFFSET = 32;
    public static final int SWAP_OFFSET = 40;
    public static final int HEADER_LENGTH = 64;
    /** SGEs, or the inline payload when the INLINE flag is set, follow the header. */
    public static final int SGE_OFFSET = HEADER_LENGTH;

    private MemorySegment segment;
    private long offset;

    /** Bytes per entry for a QP with these capabilities, a multiple of 64 so entries stay cache-line aligned. */
    public static int stride(final int maxSge, final int maxInlineData)
    {
        final int body = Math.max(maxSge * Sge.LENGTH, maxInlineData);
        return (HEADER_LENGTH + body + 63) & ~63;
    }

    public SendWqe wrap(final MemorySegment segment, final long offset)
    {
        this.segment = segment;
        this.offset = offset;
        return this;
    }

    public long offset()
    {
        return offset;
    }

    public long wrId()
    {
        return segment.get(ValueLayout.JAVA_LONG, offset + WR_ID_OFFSET);
    }

    public SendWqe wrId(final long v)
    {
        segment.set(ValueLayout.JAVA_LONG, offset + WR_ID_OFFSET, v);
        return this;
    }

    public int opcode()
    {
        return segment.get(ValueLayout.JAVA_BYTE, offset + OPCODE_OFFSET) & 0xFF;
    }

    public SendWqe opcode(final int v)
    {
        segment.set(ValueLayout.JAVA_BYTE, offset + OPCODE_OFFSET, (byte)v);
        return this;
    }

    public int sendFlags()
    {
        return segment.get(ValueLayout.JAVA_BYTE, offset + SEND_FLAGS_OFFSET) & 0xFF;
    }

    public SendWqe sendFlags(final int v)
    {
        segment.set(ValueLayout.JAVA_BYTE, offset + SEND_FLAGS_OFFSET, (byte)v);
        return this;
    }

    public int numSge()
    {
        return segment.get(ValueLayout.JAVA_BYTE, offset + NUM_SGE_OFFSET) & 0xFF;
    }

    public SendWqe numSge(final int v)
    {
        segment.set(ValueLayout.JAVA_BYTE, offset + NUM_SGE_OFFSET, (byte)v);
        return this;
    }

    public int compVector()
    {
        return segment.get(ValueLayout.JAVA_BYTE, offset + COMP_VECTOR_OFFSET) & 0xFF;
    }

    public SendWqe compVector(final int v)
    {
        segment.set(ValueLayout.JAVA_BYTE, offset + COMP_VECTOR_OFFSET, (byte)v);
        return this;
    }

    public int immData()
    {
        return segment.get(ValueLayout.JAVA_INT, offset + IMM_DATA_OFFSET);
    }

    public SendWqe immData(final int v)
    {
        segment.set(ValueLayout.JAVA_INT, offset + IMM_DATA_OFFSET, v);
        return this;
    }

    public long remoteAddr()
    {
        return segment.get(ValueLayout.JAVA_LONG, offset + REMOTE_ADDR_OFFSET);
    }

    public SendWqe remoteAddr(final long v)
    {
        segment.set(ValueLayout.JAVA_LONG, offset + REMOTE_ADDR_OFFSET, v);
        return this;
    }

    public int rkey()
    {
        return segment.get(ValueLayout.JAVA_INT, offset + RKEY_OFFSET);
    }

    public SendWqe rkey(final int v)
    {
        segment.set(ValueLayout.JAVA_INT, offset + RKEY_OFFSET, v);
        return this;
    }

    public int inlineLength()
    {
        return segment.get(ValueLayout.JAVA_INT, offset + INLINE_LENGTH_OFFSET);
    }

    public SendWqe inlineLength(final int v)
    {
        segment.set(ValueLayout.JAVA_INT, offset + INLINE_LENGTH_OFFSET, v);
        return this;
    }

    public long compareAdd()
    {
        return segment.get(ValueLayout.JAVA_LONG, offset + COMPARE_ADD_OFFSET);
    }

    public SendWqe compareAdd(final long v)
    {
        segment.set(ValueLayout.JAVA_LONG, offset + COMPARE_ADD_OFFSET, v);
        return this;
    }

    public long swap()
    {
        return segment.get(ValueLayout.JAVA_LONG, offset + SWAP_OFFSET);
    }

    public SendWqe swap(final long v)
    {
        segment.set(ValueLayout.JAVA_LONG, offset + SWAP_OFFSET, v);
        return this;
    }

    public long sgeOffset(final int index)
    {
        return offset + SGE_OFFSET + (long)index * Sge.LENGTH;
    }

    public long inlineDataOffset()
    {
        return offset + SGE_OFFSET;
    }

    public MemorySegment segment()
    {
        return segment;
    }
}
