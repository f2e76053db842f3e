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
    CqOptions cq)
{
    public static final int DEFAULT_CM_PORT = 18515;
    public static final int MAX_QPS = ControlMessage.MAX_QPS;
    public static final int MAX_TX_DEPTH = 8192;
    public static final int CQ_MOD_SIZE_LIMIT = 8192;

    public PerfConfig
    {
        sizes = List.copyOf(sizes);
        cq = cq == null ? CqOptions.POLLING : cq;
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
            warmUp, cq);
    }

    public PerfConfig withDuration(final int seconds)
    {
        return new PerfConfig(test, sizes, iters, seconds, qps, txDepth, mtu, reportGbits, atomicOp, cmPort, warmUp,
            cq);
    }

    public PerfConfig withCmPort(final int port)
    {
        return new PerfConfig(test, sizes, iters, durationSeconds, qps, txDepth, mtu, reportGbits, atomicOp, port,
            warmUp, cq);
    }

    public PerfConfig withWarmUp(final boolean on)
    {
        return new PerfConfig(test, sizes, iters, durationSeconds, qps, txDepth, mtu, reportGbits, atomicOp, cmPort,
            on, cq);
    }

    public PerfConfig withCq(final CqOptions options)
    {
        return new PerfConfig(test, sizes, iters, durationSeconds, qps, txDepth, mtu, reportGbits, atomicOp, cmPort,
            warmUp, options);
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
