package io.softnic.tools.perf;

import io.softnic.verbs.IbvSendFlags;
import io.softnic.verbs.IbvSendWr;

import java.lang.foreign.MemorySegment;

/**
 * What every latency exchange shares: one preallocated signaled work request on the test's QP, the timestamps of
 * its last post and completion, and the end-of-round drain of send completions.
 */
abstract class LatencyProbe implements LatencyOp
{
    final QpLink link;
    final BufferLayout layout;
    final SendTracker sends;
    final IbvSendWr wr = new IbvSendWr(1);
    final MemorySegment buffer;
    long postedAt;
    long completedAt;

    LatencyProbe(final QpLink link, final BufferLayout layout, final SendTracker sends)
    {
        this.link = link;
        this.layout = layout;
        this.sends = sends;
        this.buffer = link.buffer;
    }

    /** Resets the work request to a signaled {@code opcode} from {@code size} bytes at local offset {@code local}. */
    final void request(final int opcode, final long local, final int size)
    {
        wr.reset();
        wr.opcode = opcode;
        wr.sendFlags = IbvSendFlags.SIGNALED;
        wr.sge(link.addr(local), size, link.lkey());
    }

    /** Points the work request at the peer's buffer, {@code offset} bytes in. */
    final void remote(final long offset)
    {
        wr.remoteAddr = link.remoteAddr(offset);
        wr.rkey = link.rkey();
    }

    /** Posts exchange i's request, noting when. */
    final void post(final long i)
    {
        wr.wrId = WrIds.data(link.index, i);
        postedAt = System.nanoTime();
        link.qp.postSend(wr);
        sends.posted();
    }

    @Override
    public final long postedAt()
    {
        return postedAt;
    }

    @Override
    public final long completedAt()
    {
        return completedAt;
    }

    @Override
    public final void drain()
    {
        sends.awaitAll();
    }
}
