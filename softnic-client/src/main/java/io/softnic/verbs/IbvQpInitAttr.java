package io.softnic.verbs;

/** {@code struct ibv_qp_init_attr} for an RC QP. */
public final class IbvQpInitAttr
{
    public IbvCq sendCq;
    public IbvCq recvCq;
    public final IbvQpCap cap = new IbvQpCap();
    /** Every send WR completes signaled, whatever its flags (ibverbs' sq_sig_all). */
    public boolean sqSigAll;
}
