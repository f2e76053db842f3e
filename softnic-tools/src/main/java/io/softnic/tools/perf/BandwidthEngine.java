package io.softnic.tools.perf;

import io.softnic.tools.ToolFailure;
import io.softnic.verbs.IbvSendFlags;
import io.softnic.verbs.IbvSendWr;
import io.softnic.verbs.IbvWc;
import io.softnic.verbs.IbvWrOpcode;
import org.agrona.concurrent.BackoffIdleStrategy;
import org.agrona.concurrent.IdleStrategy;

/**
 * The pipelined requester of every *_bw test (perftest's run_iter_bw): per QP it keeps up to TX depth requests in
 * flight, asks for a completion every cqMod requests (every request above 8 KiB, as perftest) and on the last, and
 * counts a signaled completion as the completion of every request before it. Requests cycle through the region's
 * slots.
 *
 * <p>Posting goes round robin over the QPs ({@link RoundRobin}): a pass posts at most one request on each QP that has
 * room, and passes repeat while one of them posted anything; then the send CQ is drained. So the device sees the work
 * requests of many QPs interleaved (q0 r0, q1 r0, ..., q0 r1, q1 r1, ...) rather than each QP filled to its TX depth
 * before the next, and one QP behaves as before: filled to its depth, then polled.
 *
 * <p>Nothing is allocated per request: one reusable work request for all QPs (they share one memory region), counters
 * in arrays, completions polled into a preallocated batch. With {@code -e} the loop sleeps on the send CQ's events
 * where it would back off.
 *
 * <p>Peak bandwidth is the best of the intervals of at least 5 ms between completions; the average runs from the
 * first post to the last completion.
 */
final class BandwidthEngine implements RoundRobin.Post
{
    private static final long PEAK_INTERVAL_NANOS = 5_000_000L;

    private final PerfEndpoint endpoint;
    private final PerfTest test;
    private final AtomicOp atomicOp;
    private final Watchdog watchdog;
    private final int txDepth;
    private final PerfConfig config;
    private final QpLink[] links;
    private final IbvSendWr wr = new IbvSendWr(1);
    private final long[] posted;
    private final long[] completed;
    private final long[] target;
    private final long[] lastSignaled;
    private final RoundRobin roundRobin;
    private final IdleStrategy idle = new BackoffIdleStrategy(1_000, 100, 1_000, 50_000);
    // the round's settings, for post()
    private int slots;
    private int cqMod;
    private long stride;
    private boolean remote;
    private boolean cas;

    BandwidthEngine(final PerfEndpoint endpoint, final PerfConfig config, final Watchdog watchdog)
    {
        this.endpoint = endpoint;
        this.test = config.test();
        this.atomicOp = config.atomicOp();
        this.watchdog = watchdog;
        this.txDepth = config.txDepth();
        this.config = config;
        this.links = endpoint.links.toArray(new QpLink[0]); // by index, for the loops over every QP
        final int qps = links.length;
        posted = new long[qps];
        completed = new long[qps];
        target = new long[qps];
        lastSignaled = new long[qps];
        roundRobin = new RoundRobin(qps);
    }

    /** Runs one round: {@code iters} requests per QP, or as many as fit in {@code durationNanos} when that is > 0. */
    BandwidthResult run(final int size, final long iters, final long durationNanos)
    {
        final int qps = links.length;
        final boolean timed = durationNanos > 0;
        slots = endpoint.layout.slots(size);
        cqMod = config.cqMod(size);
        stride = BufferLayout.stride(size);
        remote = test.verb() != PerfTest.Verb.SEND;
        cas = atomicOp == AtomicOp.CMP_AND_SWAP && test.verb() == PerfTest.Verb.ATOMIC;
        configure(size);
        for (int q = 0; q < qps; q++)
        {
            posted[q] = 0;
            completed[q] = 0;
            target[q] = timed ? Long.MAX_VALUE : iters;
            lastSignaled[q] = -1;
        }
        roundRobin.everyQp();
        final Completions cq = endpoint.sendCq;
        final int batch = cq.batch();
        watchdog.reset();
        idle.reset();
        final long start = System.nanoTime();
        final long deadline = start + durationNanos;
        boolean stopping = !timed;
        long end = start;
        long done = 0;
        long intervalStart = start;
        long intervalDone = 0;
        double peakOpsPerNano = 0;
        while (true)
        {
            roundRobin.fill(posted, completed, target, txDepth, this);
            int n;
            int polled = 0;
            do
            {
                n = cq.poll();
                for (int i = 0; i < n; i++)
                {
                    final IbvWc wc = cq.wc(i);
                    if (WrIds.isControl(wc.wrId))
                    {
                        throw new ToolFailure("protocol error: control completion during a bandwidth round");
                    }
                    final int q = WrIds.qp(wc.wrId);
                    final long c = WrIds.seq(wc.wrId) + 1;
                    done += c - completed[q];
                    completed[q] = c;
                    roundRobin.room(q);
                }
                polled += n;
            }
            while (n == batch);
            if (polled > 0)
            {
                final long now = System.nanoTime();
                end = now;
                watchdog.progress();
                idle.reset();
                if (now - intervalStart >= PEAK_INTERVAL_NANOS)
                {
                    peakOpsPerNano = Math.max(peakOpsPerNano, (done - intervalDone) / (double)(now - intervalStart));
                    intervalStart = now;
                    intervalDone = done;
                }
            }
            if (stopping && allCompleted())
            {
                break;
            }
            if (polled == 0)
            {
                if (cq.eventDriven())
                {
                    cq.awaitEvent();
                }
                else
                {
                    idle.idle();
                }
                watchdog.check(true, "waiting for send completions");
            }
            if (!stopping && System.nanoTime() >= deadline)
            {
                stopping = true;
                for (int q = 0; q < qps; q++)
                {
                    // the last request must be signaled, or the unsignaled ones after the last completion never report
                    target[q] = posted[q] > lastSignaled[q] + 1 ? posted[q] + 1 : posted[q];
                }
                roundRobin.everyQp(); // new targets: a QP may owe one more (signaled) request
            }
        }
        for (int q = 0; q < qps; q++)
        {
            links[q].round.ops = posted[q];
        }
        final double seconds = Math.max(end - start, 1) / 1e9;
        final double avg = (double)size * done / seconds;
        final double peak = Math.max(peakOpsPerNano * 1e9 * size, avg);
        return new BandwidthResult(size, timed ? done : iters, peak, avg, done / seconds / 1e6);
    }

    private boolean allCompleted()
    {
        for (int q = 0; q < completed.length; q++)
        {
            if (completed[q] != target[q])
            {
                return false;
            }
        }
        return true;
    }

    /** Posts request {@code p} of QP {@code q} (called by {@link RoundRobin#fill} in round-robin order). */
    @Override
    public void post(final int q, final long p)
    {
        final QpLink link = links[q];
        final long offset = (p % slots) * stride;
        wr.wrId = WrIds.data(q, p);
        wr.sgList[0].addr = link.addr(offset);
        if (remote)
        {
            wr.remoteAddr = link.remoteAddr(offset);
            wr.rkey = link.rkey();
        }
        if (cas)
        {
            final long lap = p / slots;
            wr.compareAdd = lap;
            wr.swap = lap + 1;
        }
        final boolean signaled = (p + 1) % cqMod == 0 || p + 1 == target[q];
        wr.sendFlags = signaled ? IbvSendFlags.SIGNALED : 0;
        link.qp.postSend(wr);
        if (signaled)
        {
            lastSignaled[q] = p;
        }
    }

    /** The fields every request of the round shares; address, wr_id, flags (and CAS operands) change per post. */
    private void configure(final int size)
    {
        wr.reset();
        wr.numSge = 1;
        wr.sgList[0].lkey = endpoint.mr.lkey();
        wr.sgList[0].length = size;
        switch (test.verb())
        {
            case WRITE -> wr.opcode = IbvWrOpcode.RDMA_WRITE;
            case READ -> wr.opcode = IbvWrOpcode.RDMA_READ;
            case SEND -> wr.opcode = IbvWrOpcode.SEND;
            case ATOMIC ->
            {
                wr.opcode = atomicOp.opcode();
                wr.sgList[0].length = PerfTest.ATOMIC_SIZE;
                wr.compareAdd = 1;
            }
        }
    }
}
