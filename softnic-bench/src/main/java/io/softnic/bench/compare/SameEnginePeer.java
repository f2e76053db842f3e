package io.softnic.bench.compare;

import io.softnic.bench.DirectConnect;
import io.softnic.bench.compare.Measurement.Throughput;
import io.softnic.engine.EngineContext;
import io.softnic.engine.SoftnicEngine;
import io.softnic.engine.ThreadingMode;
import io.softnic.verbs.IbvAccess;
import io.softnic.verbs.IbvContext;
import io.softnic.verbs.IbvCq;
import io.softnic.verbs.IbvMr;
import io.softnic.verbs.IbvPd;
import io.softnic.verbs.IbvQp;
import io.softnic.verbs.IbvQpInitAttr;
import io.softnic.verbs.IbvSendFlags;
import io.softnic.verbs.IbvSendWr;
import io.softnic.verbs.IbvWc;
import io.softnic.verbs.IbvWcStatus;
import io.softnic.verbs.IbvWrOpcode;

import java.lang.foreign.MemorySegment;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * softnic between two QPs of one engine — the same-engine case, where packets go from the TX to the RX pipeline
 * inside the engine with no system call — set against Aeron IPC. One engine, two RC QPs connected through its own
 * address, RDMA WRITEs streamed with perftest's window (128, every 64th signaled), MTU 4096.
 */
final class SameEnginePeer implements PeerBench
{
    private static final String SUBNET = "127.77.1.";
    private static final int ADDRESSES = 8;
    private static final int DEPTH = 128;
    private static final int SIGNAL_EVERY = 64;
    /** perftest's ACK timeout (one engine: nothing is lost, nothing times out). */
    private static final int TIMEOUT_CODE = 14;
    private static final AtomicInteger RUNS = new AtomicInteger();

    @Override
    public Peer peer()
    {
        return Peer.SOFTNIC_SAME_ENGINE;
    }

    @Override
    public boolean measures(final Workload workload)
    {
        return !workload.latency();
    }

    @Override
    public List<String> notes(final Settings settings)
    {
        return List.of("softnic 1 engine: two RC QPs of one engine in " + settings.threading() + " threading, " +
            "RDMA WRITEs through its internal loopback (no UDP), window " + DEPTH + ", every " + SIGNAL_EVERY +
            "th signaled, MTU 4096");
    }

    @Override
    public Measurement measure(final Workload workload, final Settings settings)
    {
        RuntimeException last = null;
        for (int i = 0; i < ADDRESSES; i++)
        {
            final EngineContext ec = new EngineContext().name("compare-same-" + ProcessHandle.current().pid() + "-" +
                RUNS.incrementAndGet()).port(SUBNET + (2 + i)).threadingMode(
                settings.threading() == Threading.INVOKER ? ThreadingMode.INVOKER : ThreadingMode.SHARED);
            final SoftnicEngine engine;
            try
            {
                engine = SoftnicEngine.launch(ec);
            }
            catch (final RuntimeException ex)
            {
                last = ex;  // address taken: try the next
                continue;
            }
            try (engine)
            {
                return stream(engine, workload.size(), settings);
            }
        }
        throw last;
    }

    private static Measurement stream(final SoftnicEngine engine, final int size, final Settings settings)
    {
        final IbvContext ctx = engine.open();
        final IbvPd pd = ctx.allocPd();
        final IbvCq cq = ctx.createCq(DEPTH * 2, 0);
        final MemorySegment src = ctx.allocateBuffer(size);
        final MemorySegment dst = ctx.allocateBuffer(size);
        final IbvMr srcMr = pd.regMr(src, IbvAccess.LOCAL_WRITE);
        final IbvMr dstMr = pd.regMr(dst, IbvAccess.LOCAL_WRITE | IbvAccess.REMOTE_WRITE);
        final IbvQpInitAttr init = new IbvQpInitAttr();
        init.sendCq = cq;
        init.recvCq = cq;
        init.cap.maxSendWr = DEPTH * 2;    // slots are freed as the engine retires WRs, a little after their CQE
        init.cap.maxRecvWr = 1;
        final IbvQp a = pd.createQp(init);
        final IbvQp b = pd.createQp(init);
        DirectConnect.toRts(a, 1, b.qpNum(), engine.port(0).ipv4(), TIMEOUT_CODE);
        DirectConnect.toRts(b, 1, a.qpNum(), engine.port(0).ipv4(), TIMEOUT_CODE);

        final IbvSendWr wr = new IbvSendWr();
        final IbvWc[] wcs = new IbvWc[16];
        for (int i = 0; i < wcs.length; i++)
        {
            wcs[i] = new IbvWc();
        }
        final org.agrona.concurrent.IdleStrategy idle = Idle.app();   // as every peer's application threads wait
        final long start = System.nanoTime();
        final long measureFrom = start + settings.warmupNanos();
        final long end = measureFrom + settings.durationNanos();
        long posted = 0;
        long completed = 0;
        long completedAtStart = -1;
        long now;
        while ((now = System.nanoTime()) < end)
        {
            if (completedAtStart < 0 && now >= measureFrom)
            {
                completedAtStart = completed;
            }
            while (posted - completed < DEPTH)
            {
                wr.reset();
                wr.wrId = posted;
                wr.opcode = IbvWrOpcode.RDMA_WRITE;
                wr.sendFlags = (posted + 1) % SIGNAL_EVERY == 0 ? IbvSendFlags.SIGNALED : 0;
                wr.remoteAddr = dstMr.addr();
                wr.rkey = dstMr.rkey();
                wr.sge(srcMr.addr(), size, srcMr.lkey());
                a.postSend(wr);
                posted++;
            }
            final int n = cq.poll(wcs, wcs.length);
            for (int i = 0; i < n; i++)
            {
                if (wcs[i].status != IbvWcStatus.SUCCESS)
                {
                    throw new IllegalStateException("same-engine write failed: " + wcs[i].status);
                }
                completed = wcs[i].wrId + 1;   // a signaled completion stands for every write before it
            }
            if (n == 0)
            {
                idle.idle();
            }
            else
            {
                idle.reset();
            }
        }
        final double seconds = (System.nanoTime() - measureFrom) / 1e9;

        final long messages = completed - Math.max(0, completedAtStart);
        return new Throughput(messages / seconds, (double)messages * size / seconds);
    }
}
