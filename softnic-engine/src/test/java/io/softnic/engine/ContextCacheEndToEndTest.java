package io.softnic.engine;

import io.softnic.engine.counters.EngineCounters;
import io.softnic.engine.fault.FaultInjector;
import io.softnic.engine.rc.ContextCache;
import io.softnic.verbs.IbvAccess;
import io.softnic.verbs.IbvRecvWr;
import io.softnic.verbs.IbvSendFlags;
import io.softnic.verbs.IbvSendWr;
import io.softnic.verbs.IbvWc;
import io.softnic.verbs.IbvWcOpcode;
import io.softnic.verbs.IbvWcStatus;
import io.softnic.verbs.IbvWrOpcode;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.lang.foreign.ValueLayout;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Seed 4's correctness claim end to end: with a context cache far smaller than the number of busy QPs (down to one
 * line), eight connections stream WRITEs, SENDs, READs and fetch-and-adds at once through 5% injected loss,
 * duplication, reordering and corruption, and every byte still arrives exactly once and in order, every atomic runs
 * exactly once, and the contexts really did move between the cache and their tables (loads and write-backs counted)
 * without the cache ever holding more than its lines. In DEDICATED threading the TX and RX threads compete for the
 * lines.
 */
class ContextCacheEndToEndTest
{
    private static final int LINKS = 8;
    private static final int ROUNDS = 40;
    private static final int SIZE = 2500; // three packets at MTU 1024

    @ParameterizedTest(name = "{0} threading, {1} cache line(s)")
    @CsvSource({"SHARED, 1", "DEDICATED, 1", "DEDICATED, 3", "INVOKER, 2"})
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void everyConnectionStaysExactWithFarFewerCacheLinesThanQps(final ThreadingMode mode, final int lines)
    {
        final EngineContext ea = RcPair.engine("cc-a", "127.0.0.92", mode).contextCacheSize(lines)
            .faults(FaultInjector.Config.uniform(0.05, 11));
        final EngineContext eb = RcPair.engine("cc-b", "127.0.0.93", mode).contextCacheSize(lines)
            .faults(FaultInjector.Config.uniform(0.05, 29));
        try (RcPair pair = new RcPair(ea, eb, IbvAccess.LOCAL_WRITE | IbvAccess.ALL_REMOTE, init -> { },
            attr -> attr.timeout = 11))
        {
            final List<QpKit.End[]> links = new ArrayList<>();
            links.add(new QpKit.End[] {QpKit.End.of(pair.a), QpKit.End.of(pair.b)});
            for (int i = 1; i < LINKS; i++)
            {
                final QpKit.Link link = new QpKit.Link(pair, init -> { }, attr -> attr.timeout = 11);
                links.add(new QpKit.End[] {link.a, link.b});
            }
            final IbvSendWr swr = new IbvSendWr();
            final IbvRecvWr rwr = new IbvRecvWr();
            for (int round = 0; round < ROUNDS; round++)
            {
                // every link at once: a WRITE, a SEND, a READ back and a fetch-and-add, all in flight together
                for (int l = 0; l < LINKS; l++)
                {
                    final QpKit.End a = links.get(l)[0];
                    final QpKit.End b = links.get(l)[1];
                    final int seed = round * 131 + l * 7;
                    QpKit.fill(a.buffer(), 0, SIZE, seed);
                    QpKit.fill(a.buffer(), 8192, SIZE, seed + 1);
                    rwr.wrId = round;
                    rwr.sge(b.mr().addr() + 65536, 4096, b.mr().lkey());
                    b.qp().postRecv(rwr);
                    post(swr, a, IbvWrOpcode.RDMA_WRITE, 1, 0, b.mr().addr() + 131072, b.mr().rkey(), SIZE);
                    post(swr, a, IbvWrOpcode.SEND, 2, 8192, 0, 0, SIZE);
                    post(swr, a, IbvWrOpcode.RDMA_READ, 3, 16384, b.mr().addr() + 131072, b.mr().rkey(), SIZE);
                    swr.reset();
                    swr.wrId = 4;
                    swr.opcode = IbvWrOpcode.ATOMIC_FETCH_AND_ADD;
                    swr.sendFlags = IbvSendFlags.SIGNALED;
                    swr.remoteAddr = b.mr().addr();
                    swr.rkey = b.mr().rkey();
                    swr.compareAdd = 1;
                    swr.sge(a.mr().addr() + 32768, 8, a.mr().lkey());
                    a.qp().postSend(swr);
                }
                for (int l = 0; l < LINKS; l++)
                {
                    final QpKit.End a = links.get(l)[0];
                    final QpKit.End b = links.get(l)[1];
                    final String where = "round " + round + " link " + l + " (" + lines + " lines, " + mode + ")";
                    final List<IbvWc> sent = a.side().await(a.sendCq(), 4, Duration.ofSeconds(20));
                    assertEquals(4, sent.size(), where + ": send completions " + sent + " " + counters(pair));
                    for (int k = 0; k < 4; k++)
                    {
                        assertEquals(IbvWcStatus.SUCCESS, sent.get(k).status, where + " " + sent.get(k));
                        assertEquals(k + 1, sent.get(k).wrId, where + ": in order");
                    }
                    final IbvWc recv = QpKit.one(b.side(), b.recvCq());
                    assertEquals(IbvWcStatus.SUCCESS, recv.status, where + " " + recv);
                    assertEquals(round, recv.wrId, where);
                    assertEquals(IbvWcOpcode.RECV, recv.opcode);
                    QpKit.assertSameBytes(a.buffer(), 0, b.buffer(), 131072, SIZE, where + " WRITE");
                    QpKit.assertSameBytes(a.buffer(), 8192, b.buffer(), 65536, SIZE, where + " SEND");
                    QpKit.assertSameBytes(a.buffer(), 0, a.buffer(), 16384, SIZE, where + " READ");
                    assertEquals(round, a.buffer().get(ValueLayout.JAVA_LONG, 32768), where + ": the atomic ran once");
                    assertEquals(round + 1, b.buffer().get(ValueLayout.JAVA_LONG, 0), where + ": the counter");
                }
            }
            for (final SoftnicEngine engine : new SoftnicEngine[] {pair.a.engine, pair.b.engine})
            {
                final ContextCache cache = engine.controlPlane().contexts();
                assertTrue(cache.size() <= lines, "cached " + cache.size() + " of " + lines + " lines");
                assertTrue(cache.loads() > 10L * LINKS, "contexts moved between cache and table: " + cache.loads() +
                    " loads");
                assertTrue(cache.writeBacks() > 10L * LINKS, cache.writeBacks() + " write-backs");
                final EngineCounters c = engine.counters();
                awaitPublished(engine, cache.loads() - 1); // the TX pipeline publishes them every millisecond
                assertTrue(c.get(EngineCounters.CONTEXT_LOADS) >= cache.loads() - 1, "counted as context_loads");
                assertTrue(c.get(EngineCounters.CONTEXT_WRITE_BACKS) > 0, "counted as context_write_backs");
            }
            QpKit.assertNoEngineErrors(pair);
        }
    }

    private static void post(final IbvSendWr swr, final QpKit.End a, final int opcode, final long wrId,
        final long localOffset, final long remoteAddr, final int rkey, final int length)
    {
        swr.reset();
        swr.wrId = wrId;
        swr.opcode = opcode;
        swr.sendFlags = IbvSendFlags.SIGNALED;
        swr.remoteAddr = remoteAddr;
        swr.rkey = rkey;
        swr.sge(a.mr().addr() + localOffset, length, a.mr().lkey());
        a.qp().postSend(swr);
    }

    private static void awaitPublished(final SoftnicEngine engine, final long loads)
    {
        final long end = System.nanoTime() + 2_000_000_000L;
        while (engine.counters().get(EngineCounters.CONTEXT_LOADS) < loads && System.nanoTime() - end < 0)
        {
            engine.drive();
            java.util.concurrent.locks.LockSupport.parkNanos(200_000);
        }
    }

    private static String counters(final RcPair pair)
    {
        return "a=" + pair.a.engine.counters().snapshot() + " b=" + pair.b.engine.counters().snapshot();
    }
}
