package io.softnic.verbs;

/** A receive work request, reusable like {@link IbvSendWr}. */
public final class IbvRecvWr
{
    public long wrId;
    public final IbvSge[] sgList;
    public int numSge;
    /** Completion vector for the receive completion when the QP spreads receives by vector; -1 for default. */
    public int compVector = -1;
    public IbvRecvWr next;

    public IbvRecvWr()
    {
        this(4);
    }

    public IbvRecvWr(final int maxSge)
    {
        sgList = new IbvSge[maxSge];
        for (int i = 0; i < maxSge; i++)
        {
            sgList[i] = new IbvSge();
        }
    }

    public IbvRecvWr sge(final long addr, final int length, final int lkey)
    {
        sgList[0].set(addr, length, lkey);
        numSge = 1;
        return this;
    }
}
