package io.softnic.tools.perf;

/**
 * Where things live in each QP's registered buffer, computed identically on both sides from what they agreed on:
 * a control page (inbox for the peer's control messages, outbox for ours), then the data area. Bandwidth tests cycle
 * through slots (at most TX depth, within a memory budget) so that many requests in flight touch distinct memory;
 * latency tests use slot 0 as the source and the slot after it as the target of the peer's writes and sends.
 */
final class BufferLayout
{
    static final long INBOX = 0;
    static final long OUTBOX = 2048;
    static final int MESSAGE_BYTES = 2048;
    static final long DATA = 4096;
    private static final long MIN_BUDGET = 1L << 20;
    private static final long MAX_BUDGET = 8L << 20;
    private static final long TOTAL_BUDGET = 32L << 20;

    private final PerfTest test;
    private final int txDepth;
    private final int rxDepth;
    private final int maxSize;
    private final long budget;

    BufferLayout(final PerfTest test, final int qps, final int txDepth, final int maxSize)
    {
        this.test = test;
        this.txDepth = txDepth;
        this.rxDepth = test.dataRxDepth();
        this.maxSize = maxSize;
        this.budget = Math.clamp(TOTAL_BUDGET / qps, MIN_BUDGET, MAX_BUDGET);
    }

    /** Messages start on cache lines, as perftest's INC(). */
    static long stride(final int size)
    {
        return (Math.max(size, 64) + 63L) & ~63L;
    }

    int maxSize()
    {
        return maxSize;
    }

    /** Source (and, for WRITE/READ/atomics, target) slots of a bandwidth round; latency tests use one. */
    int slots(final int size)
    {
        if (!test.isBandwidth())
        {
            return 1;
        }
        return Math.clamp(budget / stride(size), 1, txDepth);
    }

    long slotOffset(final int size, final int slot)
    {
        return DATA + slot * stride(size);
    }

    /** Slots that receive SENDs or the peer's ping-pong writes. */
    int recvSlots()
    {
        if (test == PerfTest.SEND_BW)
        {
            return Math.clamp(budget / stride(maxSize), 1, rxDepth);
        }
        return test.isPingPong() ? 1 : 0;
    }

    long recvStride()
    {
        return stride(maxSize);
    }

    long recvOffset(final int slot)
    {
        final long first = test.isBandwidth() ? DATA : DATA + stride(maxSize);
        return first + slot * stride(maxSize);
    }

    long dataLength()
    {
        if (!test.isBandwidth())
        {
            return 2 * stride(maxSize);
        }
        final long sources = Math.max(stride(maxSize), Math.min(budget, txDepth * stride(maxSize)));
        return test == PerfTest.SEND_BW ? Math.max(sources, recvSlots() * stride(maxSize)) : sources;
    }

    long length()
    {
        return DATA + dataLength();
    }
}
