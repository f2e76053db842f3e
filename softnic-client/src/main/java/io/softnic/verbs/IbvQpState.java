package io.softnic.verbs;

/** {@code enum ibv_qp_state}, in C order. */
public enum IbvQpState
{
    RESET, INIT, RTR, RTS, SQD, SQE, ERR;

    private static final IbvQpState[] VALUES = values();

    public static IbvQpState of(final int code)
    {
        if (code < 0 || code >= VALUES.length)
        {
            throw new VerbsException("unknown QP state " + code);
        }
        return VALUES[code];
    }
}
