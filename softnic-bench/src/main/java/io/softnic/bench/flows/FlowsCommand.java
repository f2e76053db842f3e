package io.softnic.bench.flows;

import io.softnic.bench.DirectConnect;
import io.softnic.engine.EngineContext;
import io.softnic.engine.bus.BusFlow;
import io.softnic.engine.SoftnicEngine;
import io.softnic.engine.ThreadingMode;
import io.softnic.verbs.IbvAccess;
import io.softnic.verbs.IbvContext;
import io.softnic.verbs.IbvCq;
import io.softnic.verbs.IbvFlow;
import io.softnic.verbs.IbvMr;
import io.softnic.verbs.IbvPd;
import io.softnic.verbs.IbvQp;
import io.softnic.verbs.IbvQpInitAttr;
import io.softnic.verbs.IbvSendFlags;
import io.softnic.verbs.IbvSendWr;
import io.softnic.verbs.IbvWc;
import io.softnic.verbs.IbvWcStatus;
import io.softnic.verbs.IbvWrOpcode;
import org.HdrHistogram.Histogram;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.lang.foreign.MemorySegment;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * {@code softnic bench flows}: what the bus interface's per-flow queues (seed 3) do for a latency-sensitive flow
 * while another streams large transfers. Two engines in this process (SHARED threading, loopback). One QP sends
 * 64-byte RDMA WRITEs one at a time and times each from post to completion (the round trip: the request out, the
 * ACK back); another QP streams 1 MiB WRITEs, several in flight. Runs: the small flow alone; with the bulk flow and
 * one FIFO on the bus (arbitration off); with per-flow queues, each QP a flow of its own; and with the small flow in
 * a higher priority class than the bulk one. Prints the small flow's latency percentiles and the bulk flow's rate.
 */
@Command(
    name = "softnic bench flows",
    mixinStandardHelpOptions = true,
    header = "A 64 B WRITE flow's latency next to a 1 MiB WRITE stream: one FIFO against per-flow queues.",
    sortOptions = false)
public final class FlowsCommand implements Callable<Integer>
{
    private static final int SMALL = 64;
    private static final long MAX_NANOS = 10_000_000_000L;
    /** perftest's ACK timeout: 67 ms. */
    private static final int TIMEOUT_CODE = 14;

    @Option(names = {"-D", "--duration"}, paramLabel = "SECONDS", description = "Seconds per run (3).")
    double duration = 3;

    @Option(names = "--warmup", paramLabel = "SECONDS", description = "Unmeasured seconds before each run (1).")
    double warmup = 1;

    @Option(names = {"-s", "--bulk-size"}, paramLabel = "BYTES", description = "Bulk WRITE size (1048576).")
    int bulkSize = 1 << 20;

    @Option(names = "--bulk-depth", paramLabel = "N", description = "Bulk WRITEs in flight (4).")
    int bulkDepth = 4;

    @Option(names = "--chunk", paramLabel = "BYTES", description = "The bus's chunk per turn (the engine's default " +
        "65536).")
    int chunk = 64 * 1024;

    @Option(names = "--cycle", paramLabel = "BYTES", description = "Bytes the sender's bus grants per duty cycle " +
        "(the engine's default 524288).")
    int cycle = 512 * 1024;

    public static void main(final String[] args)
    {
        System.exit(new CommandLine(new FlowsCommand()).execute(args));
    }

    private enum Mode
    {
        ALONE("64 B alone", true, false, false),
        FIFO("+ bulk, one FIFO (flows off)", false, true, false),
        PER_FLOW("+ bulk, a flow each, same class", true, true, false),
        CLASSES("+ bulk, small flow in class 0, bulk in 1", true, true, true);

        final String label;
        final boolean arbitrate;
        final boolean bulk;
        final boolean classes;

        Mode(final String label, final boolean arbitrate, final boolean bulk, final boolean classes)
        {
            this.label = label;
            this.arbitrate = arbitrate;
            this.bulk = bulk;
            this.classes = classes;
        }
    }

    @Override
    public Integer call() throws Exception
    {
        if (duration <= 0 || duration > 600 || warmup < 0 || warmup > 60 || bulkSize < 4096 ||
            bulkSize > (16 << 20) || bulkDepth < 1 || bulkDepth > 64 || chunk < 256 || chunk > (1 << 24) ||
            cycle < chunk || cycle > (1 << 26))
        {
            System.err.println("softnic bench flows: need 0 < duration <= 600, 0 <= warmup <= 60, " +
                "4096 <= bulk-size <= 16 MiB, 1 <= bulk-depth <= 64, 256 <= chunk <= 16 MiB, chunk <= cycle <= 64 MiB");
            return 2;
        }
        System.out.printf(Locale.ROOT, "softnic bench flows: 64 B WRITE latency (post to completion) next to %d-byte " +
            "WRITEs, %d in flight; %.1f s per run after %.1f s warm-up; SHARED threading, loopback, %d CPUs%n%n",
            bulkSize, bulkDepth, duration, warmup, Runtime.getRuntime().availableProcessors());
        System.out.printf(Locale.ROOT, "%-44s %10s %10s %10s %10s %12s %14s%n", "run", "p50 us", "p99 us",
            "p99.9 us", "samples", "bulk MiB/s", "bus wait us");
        for (final Mode mode : Mode.values())
        {
            final Result r = run(mode);
            System.out.printf(Locale.ROOT, "%-44s %10.1f %10.1f %10.1f %10d %12s %14s%n", mode.label,
                r.latency.getValueAtPercentile(50) / 1e3, r.latency.getValueAtPercentile(99) / 1e3,
                r.latency.getValueAtPercentile(99.9) / 1e3, r.latency.getTotalCount(),
                mode.bulk ? String.format(Locale.ROOT, "%.0f", r.bulkMibPerSecond) : "-",
                Double.isNaN(r.busWaitNanos) ? "-" : String.format(Locale.ROOT, "%.1f", r.busWaitNanos / 1e3));
        }
        System.out.println();
        System.out.println("Latency is one 64 B RDMA WRITE from post to its completion: the request to the peer and " +
            "its ACK back, queued behind whatever the bus grants first. Flows off: one FIFO on the bus, a transfer " +
            "runs to its end. A flow each: deficit round robin in chunks of " + chunk + " bytes. Classes: strict " +
            "priority first, on both engines (the receiver takes a burst class by class). Bus wait: the small flow's mean time from queuing a turn on the sender's bus to its " +
            "grant (the part of the latency the bus decides; the rest is the kernel's socket queues and the peer).");
        return 0;
    }

    private record Result(Histogram latency, double bulkMibPerSecond, double busWaitNanos)
    {
    }

    private Result run(final Mode mode) throws Exception
    {
        try (Side a = new Side("flows-a", "127.79.1.2", mode.arbitrate, chunk, cycle, bulkSize, bulkDepth);
            Side b = new Side("flows-b", "127.79.1.3", mode.arbitrate, chunk, cycle, bulkSize, bulkDepth))
        {
            for (final Side[] ends : new Side[][]{{a, b}, {b, a}})
            {
                final int remoteIpv4 = ends[1].engine.port(0).ipv4();
                DirectConnect.toRts(ends[0].small, 1, ends[1].small.qpNum(), remoteIpv4, TIMEOUT_CODE);
                DirectConnect.toRts(ends[0].bulk, 1, ends[1].bulk.qpNum(), remoteIpv4, TIMEOUT_CODE);
            }
            BusFlow smallFlow = null;
            if (mode.arbitrate)
            {
                // both ends: the sender's bus grants turns by flow, the receiver takes a burst class by class
                for (final Side side : new Side[]{a, b})
                {
                    final IbvFlow latency = side.ctx.createFlow("latency", 0, 1);
                    side.small.flow(latency);
                    side.bulk.flow(side.ctx.createFlow("bulk", mode.classes ? 1 : 0, 1));
                    if (side == a)
                    {
                        smallFlow = a.engine.controlPlane().flows().get(latency.id());
                    }
                }
            }
            final AtomicBoolean stop = new AtomicBoolean();
            final AtomicLong bulkBytes = new AtomicLong();
            final AtomicReference<Throwable> failure = new AtomicReference<>();
            final Thread bulk = mode.bulk ? Thread.ofPlatform().name("bench-bulk").start(() ->
            {
                try
                {
                    stream(a, b, stop, bulkBytes);
                }
                catch (final Throwable t)
                {
                    failure.set(t);
                }
            }) : null;
            final Histogram latency = new Histogram(1, MAX_NANOS, 3);
            probe(a, b, warmup, null);
            final long waitBefore = smallFlow == null ? 0 : smallFlow.waitNanos();
            final long turnsBefore = smallFlow == null ? 0 : smallFlow.turns();
            final long bytesBefore = bulkBytes.get();
            final long start = System.nanoTime();
            probe(a, b, duration, latency);
            final double seconds = (System.nanoTime() - start) / 1e9;
            final long moved = bulkBytes.get() - bytesBefore;
            Thread.sleep(3); // the TX pipeline publishes the flows' statistics every millisecond
            final double busWait = smallFlow == null ? Double.NaN :
                (smallFlow.waitNanos() - waitBefore) / (double)Math.max(1, smallFlow.turns() - turnsBefore);
            stop.set(true);
            if (bulk != null)
            {
                bulk.join(30_000);
            }
            if (failure.get() != null)
            {
                throw new IllegalStateException("bulk flow failed", failure.get());
            }
            return new Result(latency, moved / (1024.0 * 1024.0) / seconds, busWait);
        }
    }

    /** The small flow: one 64 B WRITE at a time, each timed from post to completion. */
    private static void probe(final Side a, final Side b, final double seconds, final Histogram into)
    {
        final IbvSendWr wr = new IbvSendWr();
        wr.opcode = IbvWrOpcode.RDMA_WRITE;
        wr.sendFlags = IbvSendFlags.SIGNALED;
        wr.remoteAddr = b.mr.addr();
        wr.rkey = b.mr.rkey();
        wr.sge(a.mr.addr(), SMALL, a.mr.lkey());
        final IbvWc[] wc = {new IbvWc()};
        final long end = System.nanoTime() + (long)(seconds * 1e9);
        while (System.nanoTime() < end)
        {
            final long t0 = System.nanoTime();
            a.small.postSend(wr);
            while (a.smallCq.poll(wc, 1) == 0)
            {
                if (System.nanoTime() - t0 > MAX_NANOS)
                {
                    throw new IllegalStateException("a 64 B WRITE took over 10 s: " + a.engine.counters().snapshot());
                }
                Thread.yield(); // on a small machine the engines need the CPU more than this loop does
            }
            final long t = System.nanoTime() - t0;
            if (wc[0].status != IbvWcStatus.SUCCESS)
            {
                throw new IllegalStateException("64 B WRITE failed: " + wc[0].status);
            }
            if (into != null)
            {
                into.recordValue(Math.min(t, MAX_NANOS));
            }
        }
    }

    /** The bulk flow: large WRITEs, {@code depth} in flight, until told to stop; then drains. */
    private void stream(final Side a, final Side b, final AtomicBoolean stop, final AtomicLong bytes)
    {
        final IbvSendWr wr = new IbvSendWr();
        wr.opcode = IbvWrOpcode.RDMA_WRITE;
        wr.sendFlags = IbvSendFlags.SIGNALED;
        wr.remoteAddr = b.mr.addr();
        wr.rkey = b.mr.rkey();
        wr.sge(a.mr.addr(), bulkSize, a.mr.lkey());
        final IbvWc[] wcs = new IbvWc[16];
        for (int i = 0; i < wcs.length; i++)
        {
            wcs[i] = new IbvWc();
        }
        int outstanding = 0;
        while (!stop.get() || outstanding > 0)
        {
            while (!stop.get() && outstanding < bulkDepth)
            {
                a.bulk.postSend(wr);
                outstanding++;
            }
            final int n = a.bulkCq.poll(wcs, wcs.length);
            for (int i = 0; i < n; i++)
            {
                if (wcs[i].status != IbvWcStatus.SUCCESS)
                {
                    throw new IllegalStateException("bulk WRITE failed: " + wcs[i].status);
                }
                bytes.addAndGet(bulkSize);
            }
            outstanding -= n;
            if (n == 0)
            {
                Thread.yield();
            }
        }
    }

    /** One engine with a small-flow QP and a bulk-flow QP, each with its own CQ. */
    private static final class Side implements AutoCloseable
    {
        final SoftnicEngine engine;
        final IbvContext ctx;
        final IbvMr mr;
        final IbvCq smallCq;
        final IbvCq bulkCq;
        final IbvQp small;
        final IbvQp bulk;

        Side(final String name, final String address, final boolean arbitrate, final int chunk, final int cycle,
            final int bulkSize, final int bulkDepth)
        {
            engine = SoftnicEngine.launch(new EngineContext().name(name).port(address)
                .threadingMode(ThreadingMode.SHARED).numCompVectors(1).flowArbitration(arbitrate)
                .busChunkBytes(chunk).busBytesPerCycle(cycle));
            ctx = engine.open();
            final IbvPd pd = ctx.allocPd();
            final MemorySegment buffer = ctx.allocateBuffer(bulkSize);
            mr = pd.regMr(buffer, IbvAccess.LOCAL_WRITE | IbvAccess.ALL_REMOTE);
            smallCq = ctx.createCq(16, 0);
            bulkCq = ctx.createCq(256, 0);
            small = qp(pd, smallCq, 16);
            // a slot is free again once the engine retires its request, a little after the completion
            bulk = qp(pd, bulkCq, 2 * bulkDepth);
        }

        private static IbvQp qp(final IbvPd pd, final IbvCq cq, final int sendQueueDepth)
        {
            final IbvQpInitAttr init = new IbvQpInitAttr();
            init.sendCq = cq;
            init.recvCq = cq;
            init.cap.maxSendWr = sendQueueDepth;
            init.cap.maxRecvWr = 1;
            return pd.createQp(init);
        }

        @Override
        public void close()
        {
            engine.close();
        }
    }
}
