package io.softnic.tools.perf;

import io.softnic.tools.ToolFailure;

import java.lang.foreign.ValueLayout;

/**
 * atomic_lat: one atomic at a time on one remote word. Fetch-and-add adds 1; compare-and-swap swaps n for n+1. Either
 * way the n-th operation must fetch n-1, which is checked at every completion.
 */
final class AtomicProbe extends OneSidedProbe
{
    private final AtomicOp op;
    private long local;

    AtomicProbe(final QpLink link, final BufferLayout layout, final SendTracker sends, final AtomicOp op)
    {
        super(link, layout, sends);
        this.op = op;
    }

    @Override
    public void prepare(final int size)
    {
        local = layout.slotOffset(PerfTest.ATOMIC_SIZE, 0);
        request(op.opcode(), local, PerfTest.ATOMIC_SIZE);
        remote(local);
        wr.compareAdd = 1;
    }

    @Override
    void arm(final long i)
    {
        if (op == AtomicOp.CMP_AND_SWAP)
        {
            wr.compareAdd = i - 1;
            wr.swap = i;
        }
        buffer.set(ValueLayout.JAVA_LONG, local, -1L);
    }

    @Override
    void verify(final long i)
    {
        final long before = i - 1;
        final long fetched = buffer.get(ValueLayout.JAVA_LONG, local);
        if (fetched != before)
        {
            throw new ToolFailure(String.format("%s %d fetched %d, expected %d", op, i, fetched, before));
        }
    }
}
