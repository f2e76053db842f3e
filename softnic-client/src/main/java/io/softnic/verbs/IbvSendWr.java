package io.softnic.verbs;

import java.lang.foreign.MemorySegment;

/**
 * A send work request, reusable: fill it, post it, fill it again. Nothing is allocated per post. Chains are
 * built with {@link #next}, as in ibverbs.
 */
public final class IbvSendWr
{
    public long wrId;
    public int opcode = IbvWrOpcode.SEND;
    public int sendFlags;
    public int immData;
    /** RDMA and atomic target. */
    public long remoteAddr;
    public int rkey;
    /** Atomics: compare value (CMP_AND_SWP) or the addend (FETCH_AND_ADD). */
    public long compareAdd;
    public long swap;
    /** Completion vector to complete on; -1 lets the device pick (the posting thread's vector). */
    public int compVector = -1;
    public final IbvSge[] sgList;
    public int numSge;
    /** With {@link IbvSendFlags#INLINE}: the payload is copied from here at post time, SGEs are ignored. */
    public MemorySegment inlineData;
    public IbvSendWr next;

    public IbvSendWr()
    {
        this(4);
    }

    public IbvSendWr(final int maxSge)
    {
        sgList = new IbvSge[maxSge];
        for (int i = 0; i < maxSge; i++)
        {
            sgList[i] = new IbvSge();
        }
    }

    public IbvSendWr reset()
    {
        wrId = 0;
        opcode = IbvWrOpcode.SEND;
        sendFlags = 0;
        immData = 0;
        remoteAddr = 0;
        rkey = 0;
        compareAdd = 0;
        swap = 0;
        compVector = -1;
        numSge = 0;
        inlineData = null;
        next = null;
        return this;
    }

    /** Convenience for the common single-SGE request. */
    public IbvSendWr sge(final long addr, final int length, final int lkey)
    {
        sgList[0].set(addr, length, lkey);
        numSge = 1;
        return this;
    }
}
