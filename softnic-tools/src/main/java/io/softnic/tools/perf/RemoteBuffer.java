package io.softnic.tools.perf;

import io.softnic.tools.ToolFailure;

import java.nio.ByteBuffer;

/**
 * A registered buffer as the peer needs it (address, rkey, length), carried in CM private data the way perftest
 * carries it over its TCP side channel.
 */
public record RemoteBuffer(long addr, int rkey, long length)
{
    public static final int BYTES = 20;

    public void put(final ByteBuffer out)
    {
        out.putLong(addr).putInt(rkey).putLong(length);
    }

    public static RemoteBuffer get(final ByteBuffer in)
    {
        return new RemoteBuffer(in.getLong(), in.getInt(), in.getLong());
    }

    public byte[] encode()
    {
        final ByteBuffer b = ByteBuffer.allocate(BYTES);
        put(b);
        return b.array();
    }

    public static RemoteBuffer decode(final byte[] data, final String from)
    {
        if (data == null || data.length < BYTES)
        {
            throw new ToolFailure(from + " sent no buffer description in its private data");
        }
        return get(ByteBuffer.wrap(data));
    }

    public void requireAtLeast(final long bytes, final String whose)
    {
        if (length < bytes)
        {
            throw new ToolFailure(whose + " buffer is " + length + " bytes, the test needs " + bytes);
        }
    }
}
