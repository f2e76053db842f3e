package io.softnic.tools.perf;

import io.softnic.tools.ToolFailure;
import io.softnic.verbs.IbvSendFlags;
import io.softnic.verbs.IbvSendWr;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * atomic_lat: one atomic at a time on one remote word. Fetch-and-add adds 1; compare-and-swap swaps n for n+1. Either
 * way the n-th operation must fetch n-1, which is checked at every completion.
 */
final class AtomicProbe implements LatencyOp
{
    private final QpLink link;
    private final BufferLayout layout;
    private final SendTracker sends;
    private final AtomicOp op;
    private final IbvSendWr wr = new IbvSendWr(1);
    private final MemorySegment buffer;
    private long local;
    private long postedAt;
    private long completedAt;

    AtomicProbe(final QpLink link, final BufferLayout layout, final SendTracker sends, final AtomicOp op)
    {
        this.link = link;
        this.layout = layout;
        this.sends = sends;
        this.op = op;
        this.buffer = link.buffer;
    }

    @Override
    public void prepare(final int size)
    {
        local = layout.slotOffset(PerfTest.ATOMIC_SIZE, 0);
        wr.reset();
        wr.opcode = op.opcode();
        wr.sendFlags = IbvSendFlags.SIGNALED;
        wr.sge(link.addr(local), PerfTest.ATOMIC_SIZE, link.lkey());
        wr.remoteAddr = link.remoteAddr(local);
        wr.rkey = link.rkey();
        wr.compareAdd = 1;
    }

    @Override
    public boolean exchange(final long i)
    {
        final long before = i - 1;
        if (op == AtomicOp.CMP_AND_SWAP)
        {
            wr.compareAdd = before;
            wr.swap = i;
        }
        buffer.set(ValueLayout.JAVA_LONG, local, -1L);
        wr.wrId = WrIds.data(link.index, i);
        postedAt = System.nanoTime();
        link.qp.postSend(wr);
        sends.posted();
        sends.awaitAll();
        completedAt = System.nanoTime();
        final long fetched = buffer.get(ValueLayout.JAVA_LONG, local);
        if (fetched != before)
        {
            throw new ToolFailure(String.format("%s %d fetched %d, expected %d", op, i, fetched, before));
        }
        link.round.ops = i;
        return true;
    }

    @Override
    public long postedAt()
    {
        return postedAt;
    }

    @Override
    public long completedAt()
    {
        return completedAt;
    }

    @Override
    public void drain()
    {
        sends.awaitAll();
    }
}
