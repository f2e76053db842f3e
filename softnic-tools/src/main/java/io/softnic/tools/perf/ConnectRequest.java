package io.softnic.tools.perf;

import io.softnic.tools.ToolFailure;

import java.nio.ByteBuffer;

/**
 * The private data of a perf client's connection request (REQ, at most 56 bytes after rdma_cm's header; this uses
 * 44): which test, which of how many QPs, the depths and the largest message that size the buffers, and the client's
 * buffer (the whole registered buffer of the endpoint: both sides compute where each QP's part of it lies). Version 2
 * carries the QP index and count in 32 bits (up to {@link PerfConfig#MAX_QPS} QPs).
 */
record ConnectRequest(PerfTest test, int qpIndex, int qpCount, AtomicOp atomicOp, int txDepth, int maxSize,
    RemoteBuffer buffer)
{
    static final int MAGIC = 0x534E5046; // "SNPF"
    static final int VERSION = 2;
    static final int BYTES = 24 + RemoteBuffer.BYTES;

    byte[] encode()
    {
        final ByteBuffer b = ByteBuffer.allocate(BYTES);
        b.putInt(MAGIC).put((byte)VERSION).put((byte)test.ordinal()).put((byte)atomicOp.ordinal()).put((byte)0);
        b.putInt(qpIndex).putInt(qpCount).putInt(txDepth).putInt(maxSize);
        buffer.put(b);
        return b.array();
    }

    static ConnectRequest decode(final byte[] data)
    {
        if (data == null || data.length < BYTES)
        {
            throw new ToolFailure("connection request without softnic perf private data (not a softnic perf client?)");
        }
        final ByteBuffer b = ByteBuffer.wrap(data);
        if (b.getInt() != MAGIC)
        {
            throw new ToolFailure("connection request is not from a softnic perf client (bad magic)");
        }
        final int version = b.get();
        if (version != VERSION)
        {
            throw new ToolFailure("client speaks perf protocol version " + version + ", this server " + VERSION);
        }
        final int test = b.get();
        final int atomic = b.get();
        b.get();
        final int qpIndex = b.getInt();
        final int qpCount = b.getInt();
        final int txDepth = b.getInt();
        final int maxSize = b.getInt();
        if (test < 0 || test >= PerfTest.values().length || atomic < 0 || atomic >= AtomicOp.values().length ||
            qpCount < 1 || qpCount > PerfConfig.MAX_QPS || qpIndex < 0 || qpIndex >= qpCount ||
            txDepth < 1 || txDepth > PerfConfig.MAX_TX_DEPTH || maxSize < 1 || maxSize > PerfTest.MAX_SIZE)
        {
            throw new ToolFailure("connection request carries parameters out of range");
        }
        final String shapeProblem = PerfConfig.shapeProblem(PerfTest.values()[test], qpCount, txDepth, maxSize);
        if (shapeProblem != null)
        {
            throw new ToolFailure("the client's run cannot be set up here: " + shapeProblem);
        }
        return new ConnectRequest(PerfTest.values()[test], qpIndex, qpCount, AtomicOp.values()[atomic], txDepth,
            maxSize, RemoteBuffer.get(b));
    }
}
