package io.softnic.tools.perf;

/**
 * Where things live in an endpoint's one registered buffer, computed identically on both sides from what they agreed
 * on (test, QPs, TX depth, largest message): a control area (the inbox for the peer's control messages, then the outbox
 * for ours), then one region per QP. All QPs share the buffer and its memory region (one MR, however many QPs: a
 * device's MR table stays small), each QP working in its own region only.
 *
 * <p>Offsets of data ({@link #slotOffset}, {@link #recvOffset}) are relative to the QP's region. Bandwidth tests cycle
 * through slots (at most TX depth, within a memory budget per QP) so that many requests in flight touch distinct
 * memory; latency tests use slot 0 as the source and the slot after it as the target of the peer's writes and sends.
 * The budget shrinks with the number of QPs so that the whole buffer stays within about 64 MiB, but a region always
 * holds at least one message of the largest size.
 */
final class BufferLayout
{
    static final long INBOX = 0;
    private static final long MIN_BUDGET = 1L << 20;
    private static final long MAX_BUDGET = 8L << 20;
    private static final long TOTAL_BUDGET = 32L << 20;
    private static final long TOTAL_CAP = 64L << 20;
    private static final long REGION_ALIGN = 64;
    private static final long CONTROL_ALIGN = 4096;

    private final PerfTest test;
    private final int qps;
    private final int txDepth;
    private final int rxDepth;
    private final int maxSize;
    private final long budget;
    private final int messageBytes;
    private final long controlLength;
    private final long regionStride;

    BufferLayout(final PerfTest test, final int qps, final int txDepth, final int maxSize)
    {
        this.test = test;
        this.qps = qps;
        this.txDepth = txDepth;
        this.rxDepth = dataRxDepth(test, qps, txDepth);
        this.maxSize = maxSize;
        this.budget = Math.min(Math.clamp(TOTAL_BUDGET / qps, MIN_BUDGET, MAX_BUDGET), TOTAL_CAP / qps);
        this.messageBytes = ControlMessage.bytesFor(qps);
        this.controlLength = align(2L * messageBytes, CONTROL_ALIGN);
        this.regionStride = align(dataLength(), REGION_ALIGN);
    }

    /**
     * Receives the side that takes data SENDs keeps posted per QP: the test's depth (512 for send_bw), less with many
     * QPs (about 64 Ki in all, so receive queues and the receive CQ stay within the device's limits), never below the
     * TX depth, which bounds what the sender has in flight on the QP.
     */
    static int dataRxDepth(final PerfTest test, final int qps, final int txDepth)
    {
        final int depth = test.dataRxDepth();
        return test.isBandwidth() ? Math.min(depth, Math.max(txDepth, 65536 / qps)) : depth;
    }

    /** Messages start on cache lines, as perftest's INC(). */
    static long stride(final int size)
    {
        return (Math.max(size, 64) + 63L) & ~63L;
    }

    private static long align(final long v, final long to)
    {
        return (v + to - 1) / to * to;
    }

    int maxSize()
    {
        return maxSize;
    }

    int rxDepth()
    {
        return rxDepth;
    }

    /** Bytes of one control message (fixed part and a count per QP). */
    int messageBytes()
    {
        return messageBytes;
    }

    /** Where this side's outgoing control messages are written before they are sent. */
    long outbox()
    {
        return INBOX + messageBytes;
    }

    /** Where QP {@code q}'s region starts in the buffer. */
    long regionOffset(final int q)
    {
        return controlLength + q * regionStride;
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
        return slot * stride(size);
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
        final long first = test.isBandwidth() ? 0 : stride(maxSize);
        return first + slot * stride(maxSize);
    }

    /** Bytes of a QP's region that hold data (what the rounds clear, fill and check). */
    long dataLength()
    {
        if (!test.isBandwidth())
        {
            return 2 * stride(maxSize);
        }
        final long sources = Math.max(stride(maxSize), Math.min(budget, txDepth * stride(maxSize)));
        return test == PerfTest.SEND_BW ? Math.max(sources, recvSlots() * stride(maxSize)) : sources;
    }

    /** Bytes of the whole buffer: the control area and every QP's region. */
    long length()
    {
        return controlLength + qps * regionStride;
    }
}
