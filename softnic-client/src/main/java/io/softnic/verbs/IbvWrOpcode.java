package io.softnic.verbs;

/** Send work request opcodes with ibverbs' {@code enum ibv_wr_opcode} values. */
public final class IbvWrOpcode
{
    public static final int RDMA_WRITE = 0;
    public static final int RDMA_WRITE_WITH_IMM = 1;
    public static final int SEND = 2;
    public static final int SEND_WITH_IMM = 3;
    public static final int RDMA_READ = 4;
    public static final int ATOMIC_CMP_AND_SWP = 5;
    public static final int ATOMIC_FETCH_AND_ADD = 6;
    public static final int LOCAL_INV = 7;
    public static final int BIND_MW = 8;
    public static final int SEND_WITH_INV = 9;

    private IbvWrOpcode()
    {
    }

    /** The operations an RC QP of softnic carries out; the rest are refused at post time. */
    public static boolean isSupportedOnRc(final int opcode)
    {
        return opcode >= RDMA_WRITE && opcode <= ATOMIC_FETCH_AND_ADD;
    }

    public static boolean isAtomic(final int opcode)
    {
        return opcode == ATOMIC_CMP_AND_SWP || opcode == ATOMIC_FETCH_AND_ADD;
    }

    /** The completion opcode a successful send WR of this opcode reports. */
    public static int completionOpcode(final int opcode)
    {
        return switch (opcode)
        {
            case RDMA_WRITE, RDMA_WRITE_WITH_IMM -> IbvWcOpcode.RDMA_WRITE;
            case RDMA_READ -> IbvWcOpcode.RDMA_READ;
            case ATOMIC_CMP_AND_SWP -> IbvWcOpcode.COMP_SWAP;
            case ATOMIC_FETCH_AND_ADD -> IbvWcOpcode.FETCH_ADD;
            default -> IbvWcOpcode.SEND;
        };
    }

    public static String name(final int opcode)
    {
        return switch (opcode)
        {
            case RDMA_WRITE -> "RDMA_WRITE";
            case RDMA_WRITE_WITH_IMM -> "RDMA_WRITE_WITH_IMM";
            case SEND -> "SEND";
            case SEND_WITH_IMM -> "SEND_WITH_IMM";
            case RDMA_READ -> "RDMA_READ";
            case ATOMIC_CMP_AND_SWP -> "ATOMIC_CMP_AND_SWP";
            case ATOMIC_FETCH_AND_ADD -> "ATOMIC_FETCH_AND_ADD";
            case LOCAL_INV -> "LOCAL_INV";
            case BIND_MW -> "BIND_MW";
            case SEND_WITH_INV -> "SEND_WITH_INV";
            default -> "UNKNOWN(" + opcode + ")";
        };
    }
}
