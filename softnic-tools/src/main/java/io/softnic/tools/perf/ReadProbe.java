package io.softnic.tools.perf;

import io.softnic.tools.ToolFailure;
import io.softnic.verbs.IbvSendFlags;
import io.softnic.verbs.IbvSendWr;
import io.softnic.verbs.IbvWrOpcode;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * read_lat: one RDMA READ at a time. Before each read the last byte of the local target is spoiled, so a completion
 * whose data did not arrive shows at once; the whole message is checked at the end of the round.
 */
final class ReadProbe implements LatencyOp
{
    private final QpLink link;
    private final BufferLayout layout;
    private final SendTracker sends;
    private final IbvSendWr wr = new IbvSendWr(1);
    private final MemorySegment buffer;
    private long lastByte;
    private byte expected;
    private long postedAt;
    private long completedAt;

    ReadProbe(final QpLink link, final BufferLayout layout, final SendTracker sends)
    {
        this.link = link;
        this.layout = layout;
        this.sends = sends;
        this.buffer = link.buffer;
    }

    @Override
    public void prepare(final int size)
    {
        final long at = layout.slotOffset(size, 0);
        lastByte = at + size - 1;
        expected = Pattern.byteAt(Integrity.seed(Integrity.SERVER, link.index), size - 1);
        wr.reset();
        wr.opcode = IbvWrOpcode.RDMA_READ;
        wr.sendFlags = IbvSendFlags.SIGNALED;
        wr.sge(link.addr(at), size, link.lkey());
        wr.remoteAddr = link.remoteAddr(at);
        wr.rkey = link.rkey();
    }

    @Override
    public boolean exchange(final long i)
    {
        buffer.set(ValueLayout.JAVA_BYTE, lastByte, (byte)~expected);
        wr.wrId = WrIds.data(link.index, i);
        postedAt = System.nanoTime();
        link.qp.postSend(wr);
        sends.posted();
        sends.awaitAll();
        completedAt = System.nanoTime();
        final byte got = buffer.get(ValueLayout.JAVA_BYTE, lastByte);
        if (got != expected)
        {
            throw new ToolFailure(String.format("RDMA READ %d completed but its last byte is 0x%02x, expected 0x%02x",
                i, got & 0xFF, expected & 0xFF));
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
