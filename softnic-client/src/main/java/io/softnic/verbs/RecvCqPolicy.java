package io.softnic.verbs;

/** Which CQ of a QP's CQ set a receive completes into (see {@link IbvQpInitAttr#cqSet}). */
public final class RecvCqPolicy
{
    /** Always the QP's receive CQ. */
    public static final int FIXED = 0;
    /** The CQ of the vector named in the receive WR ({@link IbvRecvWr#compVector}); the receive CQ if none. */
    public static final int BY_VECTOR = 1;
    /** Message by message over the CQ set in turn. */
    public static final int ROUND_ROBIN = 2;

    private RecvCqPolicy()
    {
    }

    public static void validate(final int policy)
    {
        if (policy < FIXED || policy > ROUND_ROBIN)
        {
            throw new VerbsException("unknown receive CQ policy " + policy + " (FIXED 0, BY_VECTOR 1, ROUND_ROBIN 2)");
        }
    }
}
