package io.softnic.hostif;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/** Completion queue entry as the device writes it into a CQ ring. */
public final class Cqe
{
    public static final int WR_ID_OFFSET = 0;
    public static final int BYTE_LEN_OFFSET = 8;
    public static final int IMM_DATA_OFFSET = 12;
    public static final int QP_NUM_OFFSET = 16;
    public static final int SRC_QP_OFFSET = 20;
    public static final int STATUS_OFFSET = 24;
    public static final int OPCODE_OFFSET = 25;
    public static final int WC_FLAGS_OFFSET = 26;
    public static final int VENDOR_ERR_OFFSET = 28;
    public static final int LENGTH = 32;

    /** ibv_wc_flags. */
    public static final int WC_WITH_IMM = 1 << 1;

    private Cqe()
    {
    }

    public static void put(
        final MemorySegment s,
        final long cqe,
        final long wrId,
        final int status,
        final int opcode,
        final int byteLen,
        final int qpNum,
        final int srcQp,
        final int wcFlags,
        final int immData,
        final int vendorErr)
    {
        s.set(ValueLayout.JAVA_LONG, cqe + WR_ID_OFFSET, wrId);
        s.set(ValueLayout.JAVA_INT, cqe + BYTE_LEN_OFFSET, byteLen);
        s.set(ValueLayout.JAVA_INT, cqe + IMM_DATA_OFFSET, immData);
        s.set(ValueLayout.JAVA_INT, cqe + QP_NUM_OFFSET, qpNum);
        s.set(ValueLayout.JAVA_INT, cqe + SRC_QP_OFFSET, srcQp);
        s.set(ValueLayout.JAVA_BYTE, cqe + STATUS_OFFSET, (byte)status);
        s.set(ValueLayout.JAVA_BYTE, cqe + OPCODE_OFFSET, (byte)opcode);
        s.set(ValueLayout.JAVA_BYTE, cqe + WC_FLAGS_OFFSET, (byte)wcFlags);
        s.set(ValueLayout.JAVA_INT, cqe + VENDOR_ERR_OFFSET, vendorErr);
    }

    public static long wrId(final MemorySegment s, final long cqe)
    {
        return s.get(ValueLayout.JAVA_LONG, cqe + WR_ID_OFFSET);
    }

    public static int byteLen(final MemorySegment s, final long cqe)
    {
        return s.get(ValueLayout.JAVA_INT, cqe + BYTE_LEN_OFFSET);
    }

    public static int immData(final MemorySegment s, final long cqe)
    {
        return s.get(ValueLayout.JAVA_INT, cqe + IMM_DATA_OFFSET);
    }

    public static int qpNum(final MemorySegment s, final long cqe)
    {
        return s.get(ValueLayout.JAVA_INT, cqe + QP_NUM_OFFSET);
    }

    public static int srcQp(final MemorySegment s, final long cqe)
    {
        return s.get(ValueLayout.JAVA_INT, cqe + SRC_QP_OFFSET);
    }

    public static int status(final MemorySegment s, final long cqe)
    {
        return s.get(ValueLayout.JAVA_BYTE, cqe + STATUS_OFFSET) & 0xFF;
    }

    public static int opcode(final MemorySegment s, final long cqe)
    {
        return s.get(ValueLayout.JAVA_BYTE, cqe + OPCODE_OFFSET) & 0xFF;
    }

    public static int wcFlags(final MemorySegment s, final long cqe)
    {
        return s.get(ValueLayout.JAVA_BYTE, cqe + WC_FLAGS_OFFSET) & 0xFF;
    }

    public static int vendorErr(final MemorySegment s, final long cqe)
    {
        return s.get(ValueLayout.JAVA_INT, cqe + VENDOR_ERR_OFFSET);
    }
}
