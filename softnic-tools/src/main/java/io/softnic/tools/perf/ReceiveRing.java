package io.softnic.tools.perf;

import io.softnic.verbs.IbvQp;
import io.softnic.verbs.IbvRecvWr;

/**
 * A QP's posted receives, replenished one for one as they complete. Receives for data point at the receive slots in
 * turn; receives that only take control messages (RDMA WRITE with immediate) carry no SGE.
 */
final class ReceiveRing
{
    private final IbvQp qp;
    private final int qpIndex;
    private final long slot0Addr;
    private final long stride;
    private final int slots;
    private final int length;
    private final int lkey;
    private final IbvRecvWr wr = new IbvRecvWr(1);
    private long seq;

    ReceiveRing(final IbvQp qp, final int qpIndex, final long slot0Addr, final long stride, final int slots,
        final int length, final int lkey)
    {
        this.qp = qp;
        this.qpIndex = qpIndex;
        this.slot0Addr = slot0Addr;
        this.stride = stride;
        this.slots = slots;
        this.length = length;
        this.lkey = lkey;
    }

    static ReceiveRing controlOnly(final IbvQp qp, final int qpIndex)
    {
        return new ReceiveRing(qp, qpIndex, 0, 0, 0, 0, 0);
    }

    void post(final int count)
    {
        for (int i = 0; i < count; i++)
        {
            repost();
        }
    }

    void repost()
    {
        wr.wrId = WrIds.data(qpIndex, seq);
        wr.next = null;
        if (length > 0)
        {
            wr.sgList[0].set(slot0Addr + (seq % slots) * stride, length, lkey);
            wr.numSge = 1;
        }
        else
        {
            wr.numSge = 0;
        }
        qp.postRecv(wr);
        seq++;
    }

    int slotOf(final long wrId)
    {
        return slots == 0 ? 0 : (int)(WrIds.seq(wrId) % slots);
    }
}
