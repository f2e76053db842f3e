package io.softnic.tools.perf;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * What a perf run does, validated: the test, the message sizes (one per round), iterations or duration, QPs and
 * depths, MTU, reporting unit and the CM service port. The client's values govern the run; the server takes them from
 * the connection request and the per-round control messages.
 */
public record PerfConfig(
    PerfTest test,
    List<Integer> sizes,
    long iters,
    int durationSeconds,
    int qps,
    int txDepth,
    int mtu,
    boolean reportGbits,
    AtomicOp atomicOp,
    int cmPort,
    boolean warmUp,
    CqOptions cq,
    int qpTimeout)
{
    public static final int DEFAULT_CM_PORT = 18515;
    public static final int MAX_QPS = ControlMessage.MAX_QPS;
    public static final int MAX_TX_DEPTH = 8192;
    /** Requests in flight over all QPs (QPs times TX depth): bounds send rings and the send CQ. */
    public static final int MAX_IN_FLIGHT = 1 << 21;
    /** CQ entries a side of any valid run may need (see {@link #cqEntries}). */
    public static final long MAX_CQ_ENTRIES = MAX_IN_FLIGHT + 4L * MAX_QPS + 16;
    /** Registered memory per side. */
    public static final long MAX_BUFFER_BYTES = 4L << 30;
    public static final int CQ_MOD_SIZE_LIMIT = 8192;

    /** perftest's default local ACK timeout: 4.096 us * 2^14, 67 ms. */
    public static final int DEFAULT_QP_TIMEOUT = 14;
    /** The longest local ACK timeout picked by itself: 1.07 s. */
    public static final int MAX_AUTO_QP_TIMEOUT = 18;

    public PerfConfig
    {
        sizes = List.copyOf(sizes);
        cq = cq == null ? CqOptions.POLLING : cq;
    }

    /** With the local ACK timeout picked for the run ({@link #ackTimeout()}). */
    public PerfConfig(final PerfTest test, final List<Integer> sizes, final long iters, final int durationSeconds,
        final int qps, final int txDepth, final int mtu, final boolean reportGbits, final AtomicOp atomicOp,
        final int cmPort, final boolean warmUp, final CqOptions cq)
    {
        this(test, sizes, iters, durationSeconds, qps, txDepth, mtu, reportGbits, atomicOp, cmPort, warmUp, cq, 0);
    }

    /** Without CQ options: busy polling, perftest's CQ moderation rule. */
    public PerfConfig(final PerfTest test, final List<Integer> sizes, final long iters, final int durationSeconds,
        final int qps, final int txDepth, final int mtu, final boolean reportGbits, final AtomicOp atomicOp,
        final int cmPort, final boolean warmUp)
    {
        this(test, sizes, iters, durationSeconds, qps, txDepth, mtu, reportGbits, atomicOp, cmPort, warmUp,
            CqOptions.POLLING);
    }

    /** A run of the test's defaults at the given sizes; the demo and tests start from here. */
    public static PerfConfig defaults(final PerfTest test, final List<Integer> sizes)
    {
        return new PerfConfig(test, sizes, test.defaultIters(), 0, 1, test.defaultTxDepth(), 4096, false,
            AtomicOp.FETCH_AND_ADD, DEFAULT_CM_PORT, false);
    }

    public PerfConfig withIters(final long n)
    {
        return new PerfConfig(test, sizes, n, durationSeconds, qps, txDepth, mtu, reportGbits, atomicOp, cmPort,
            warmUp, cq, qpTimeout);
    }

    public PerfConfig withDuration(final int seconds)
    {
        return new PerfConfig(test, sizes, iters, seconds, qps, txDepth, mtu, reportGbits, atomicOp, cmPort, warmUp,
            cq, qpTimeout);
    }

    public PerfConfig withCmPort(final int port)
    {
        return new PerfConfig(test, sizes, iters, durationSeconds, qps, txDepth, mtu, reportGbits, atomicOp, port,
            warmUp, cq, qpTimeout);
    }

    public PerfConfig withWarmUp(final boolean on)
    {
        return new PerfConfig(test, sizes, iters, durationSeconds, qps, txDepth, mtu, reportGbits, atomicOp, cmPort,
            on, cq, qpTimeout);
    }

    /** The local ACK timeout code (4.096 us * 2^code); 0 picks it from the requests in flight. */
    public PerfConfig withQpTimeout(final int code)
    {
        return new PerfConfig(test, sizes, iters, durationSeconds, qps, txDepth, mtu, reportGbits, atomicOp, cmPort,
            warmUp, cq, code);
    }

    /**
     * The local ACK timeout code the QPs are connected with (4.096 us * 2^code, perftest's -u): as asked, or else
     * perftest's 14 (67 ms) for up to 4096 requests in flight over all QPs, one more (twice as long) per doubling
     * beyond, at most 18 (1.07 s). Requests in flight on other QPs queue ahead of a QP's packets and ACKs, and on a
     * small loaded machine the engines move tens of thousands of messages a second, not millions: a timeout shorter
     * than that queue fires for packets that were not lost (go-back-N then resends everything after them), and seven
     * in a row fail the QP with RETRY_EXC_ERR. The cap bounds how long a real loss stalls its QP.
     */
    public int ackTimeout()
    {
        if (qpTimeout > 0)
        {
            return qpTimeout;
        }
        final long inFlight = (long)qps * txDepth;
        int code = DEFAULT_QP_TIMEOUT;
        for (long n = 4096; n < inFlight && code < MAX_AUTO_QP_TIMEOUT; n <<= 1)
        {
            code++;
        }
        return code;
    }

    public PerfConfig withCq(final CqOptions options)
    {
        return new PerfConfig(test, sizes, iters, durationSeconds, qps, txDepth, mtu, reportGbits, atomicOp, cmPort,
            warmUp, options, qpTimeout);
    }

    /** The unreported round before the first one (perftest's --perform_warm_up): short, at the first size. */
    public long warmUpIters()
    {
        return Math.min(iters, test.isBandwidth() ? 5000 : 2000);
    }

    public boolean timed()
    {
        return durationSeconds > 0;
    }

    public int maxSize()
    {
        return Collections.max(sizes);
    }

    /**
     * Completions are requested every cqMod WRs (perftest's CQ moderation): a fraction of the TX depth, and every
     * WR for messages above 8 KiB, as perftest does (MSG_SIZE_CQ_MOD_LIMIT); {@code --cq-mod} sets it outright.
     */
    public static int cqMod(final int txDepth, final int size)
    {
        return size > CQ_MOD_SIZE_LIMIT ? 1 : Math.max(1, Math.min(64, txDepth / 2));
    }

    public int cqMod(final int size)
    {
        return cq.cqMod() > 0 ? cq.cqMod() : cqMod(txDepth, size);
    }

    /**
     * The entries of the largest CQ either side of a run creates: the client's send CQ (every request of every QP)
     * or the server's receive CQ in send_bw (every posted receive). At most {@link #MAX_CQ_ENTRIES} when QPs times
     * TX depth is within {@link #MAX_IN_FLIGHT}.
     */
    public static long cqEntries(final PerfTest test, final int qps, final int txDepth)
    {
        final long send = PerfEndpoint.sendCqe(test, true, qps, txDepth);
        final long recv = PerfEndpoint.dataRecvCqe(qps, BufferLayout.dataRxDepth(test, qps, txDepth));
        return Math.max(send, recv);
    }

    /**
     * Why a run of this shape cannot be set up - too many requests in flight, or more registered memory than a side
     * may take - or null if it can. Both sides ask: the client of its command line, the server of a client's request.
     */
    public static String shapeProblem(final PerfTest test, final int qps, final int txDepth, final int maxSize)
    {
        if ((long)qps * txDepth > MAX_IN_FLIGHT)
        {
            return "-q " + qps + " with -t " + txDepth + " asks for " + (long)qps * txDepth + " requests in flight; " +
                "at most " + MAX_IN_FLIGHT + " (lower -t)";
        }
        final long bytes = bufferBytes(test, qps, txDepth, maxSize);
        if (bytes > MAX_BUFFER_BYTES)
        {
            return "-q " + qps + " with messages of up to " + maxSize + " B needs " + (bytes >> 20) + " MiB of " +
                "registered memory per side (a message per QP at least); at most " + (MAX_BUFFER_BYTES >> 20) + " MiB";
        }
        return null;
    }

    /** The bytes of the buffer each side registers for a run of {@code qps} QPs with messages up to maxSize. */
    public static long bufferBytes(final PerfTest test, final int qps, final int txDepth, final int maxSize)
    {
        return new BufferLayout(test, qps, txDepth, maxSize).length();
    }

    /** perftest's -a: 2 bytes up to 8 MiB doubling; atomics move 8 bytes only. */
    public static List<Integer> allSizes(final PerfTest test)
    {
        if (test.verb() == PerfTest.Verb.ATOMIC)
        {
            return List.of(PerfTest.ATOMIC_SIZE);
        }
        final List<Integer> sizes = new ArrayList<>();
        for (int s = 2; s <= PerfTest.MAX_SIZE; s <<= 1)
        {
            sizes.add(s);
        }
        return sizes;
    }
}
