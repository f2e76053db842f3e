package io.softnic.verbs;

/** Work completion status, in the order of ibverbs' {@code enum ibv_wc_status} so codes match the C values. */
public enum IbvWcStatus
{
    SUCCESS,
    LOC_LEN_ERR,
    LOC_QP_OP_ERR,
    LOC_EEC_OP_ERR,
    LOC_PROT_ERR,
    WR_FLUSH_ERR,
    MW_BIND_ERR,
    BAD_RESP_ERR,
    LOC_ACCESS_ERR,
    REM_INV_REQ_ERR,
    REM_ACCESS_ERR,
    REM_OP_ERR,
    RETRY_EXC_ERR,
    RNR_RETRY_EXC_ERR,
    LOC_RDD_VIOL_ERR,
    REM_INV_RD_REQ_ERR,
    REM_ABORT_ERR,
    INV_EECN_ERR,
    INV_EEC_STATE_ERR,
    FATAL_ERR,
    RESP_TIMEOUT_ERR,
    GENERAL_ERR;

    private static final IbvWcStatus[] VALUES = values();

    public int code()
    {
        return ordinal();
    }

    /** Decodes a status word read from a completion ring; anything unknown reads as GENERAL_ERR. */
    public static IbvWcStatus of(final int code)
    {
        return code >= 0 && code < VALUES.length ? VALUES[code] : GENERAL_ERR;
    }
}
