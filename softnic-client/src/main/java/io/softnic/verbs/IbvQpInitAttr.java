package io.softnic.verbs;

/** {@code struct ibv_qp_init_attr} for an RC QP. */
public final class IbvQpInitAttr
{
    public IbvCq sendCq;
    public IbvCq recvCq;
    public final IbvQpCap cap = new IbvQpCap();
    /** Every send WR completes signaled, whatever its flags (ibverbs' sq_sig_all). */
    public boolean sqSigAll;
    /**
     * Seed 5: CQs, one per completion vector, this QP completes into as well as sendCq/recvCq. A send completes into
     * the CQ of the vector that posted it (named on the WR, else the posting thread's {@link CompVector}); a receive as
     * {@link #recvCqPolicy} says. Vectors without a CQ here use sendCq/recvCq. Null: no spreading.
     */
    public IbvCq[] cqSet;
    /** The bus flow the QP's transfers queue in (seed 3); null: a flow of its own. */
    public IbvFlow flow;
    /** {@link RecvCqPolicy}. */
    public int recvCqPolicy = RecvCqPolicy.FIXED;
}
