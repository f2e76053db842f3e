package io.softnic.tools.perf;

import io.softnic.tools.ToolFailure;
import io.softnic.verbs.IbvWrOpcode;

import java.lang.foreign.ValueLayout;

/**
 * read_lat: one RDMA READ at a time. Before each read the last byte of the local target is spoiled, so a completion
 * whose data did not arrive shows at once; the whole message is checked at the end of the round.
 */
final class ReadProbe extends OneSidedProbe
{
    private long lastByte;
    private byte expected;

    ReadProbe(final QpLink link, final BufferLayout layout, final SendTracker sends)
    {
        super(link, layout, sends);
    }

    @Override
    public void prepare(final int size)
    {
        final long at = layout.slotOffset(size, 0);
        lastByte = at + size - 1;
        expected = Pattern.byteAt(Integrity.seed(Integrity.SERVER, link.index), size - 1);
        request(IbvWrOpcode.RDMA_READ, at, size);
        remote(at);
    }

    @Override
    void arm(final long i)
    {
        buffer.set(ValueLayout.JAVA_BYTE, lastByte, (byte)~expected);
    }

    @Override
    void verify(final long i)
    {
        final byte got = buffer.get(ValueLayout.JAVA_BYTE, lastByte);
        if (got != expected)
        {
            throw new ToolFailure(String.format("RDMA READ %d completed but its last byte is 0x%02x, expected 0x%02x",
                i, got & 0xFF, expected & 0xFF));
        }
    }
}
