package io.softnic.engine;

import io.softnic.engine.counters.EngineCounters;
import io.softnic.verbs.IbvAccess;
import io.softnic.verbs.IbvSendFlags;
import io.softnic.verbs.IbvSendWr;
import io.softnic.verbs.IbvWc;
import io.softnic.verbs.IbvWcStatus;
import io.softnic.verbs.IbvWrOpcode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Seed 4's scheduler end to end, deterministic (INVOKER: nothing runs until the test drives the engines). Work
 * requests posted round robin over eight QPs reach the engine as one interleaved sequence on the doorbell ring; with
 * look-ahead off (W = 1) every request is a batch of its own and, with a two-line context cache, a context load; with
 * W covering the sequence each QP's requests run as one batch under one load. Either way every WRITE lands and
 * completes in its QP's order. A doorbell ring too small for the posts loses none of them.
 */
class LookaheadSchedulerTest
{
    private static final int QPS = 8;
    private static final int PER_QP = 8;
    private static final int SIZE = 512;

    private record Run(long batches, long batchedRequests, long loads)
    {
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void lookAheadRunsEachQpsInterleavedRequestsUnderOneContextLoad()
    {
        final Run off = run(1, "127.0.0.94", "127.0.0.95");
        final Run on = run(QPS * PER_QP, "127.0.0.96", "127.0.0.97");
        assertEquals(QPS * PER_QP, off.batches(), "W = 1: one batch per request");
        assertEquals(QPS * PER_QP, off.batchedRequests());
        assertEquals(QPS, on.batches(), "W covering the sequence: one batch per QP");
        assertEquals(QPS * PER_QP, on.batchedRequests());
        assertTrue(off.loads() >= QPS * PER_QP, "W = 1 loads a context per request: " + off.loads());
        assertTrue(on.loads() * 3 <= off.loads(), "look-ahead loads " + on.loads() + " against " + off.loads());
    }

    private static Run run(final int window, final String addressA, final String addressB)
    {
        final EngineContext ea = RcPair.engine("la-a" + window, addressA, ThreadingMode.INVOKER)
            .lookaheadWindow(window).contextCacheSize(2);
        final EngineContext eb = RcPair.engine("la-b" + window, addressB, ThreadingMode.INVOKER);
        try (RcPair pair = new RcPair(ea, eb))
        {
            final List<QpKit.End[]> links = links(pair);
            final EngineCounters c = pair.a.engine.counters();
            final long batches = c.get(EngineCounters.LOOKAHEAD_BATCHES);
            final long requests = c.get(EngineCounters.LOOKAHEAD_WORK_REQUESTS);
            final long loads = pair.a.engine.controlPlane().contexts().loads();
            final IbvSendWr wr = new IbvSendWr();
            for (int k = 0; k < PER_QP; k++)
            {
                for (int l = 0; l < QPS; l++)
                {
                    final QpKit.End a = links.get(l)[0];
                    final QpKit.End b = links.get(l)[1];
                    QpKit.fill(a.buffer(), (long)k * SIZE, SIZE, l * 100 + k);
                    wr.reset();
                    wr.wrId = k;
                    wr.opcode = IbvWrOpcode.RDMA_WRITE;
                    wr.sendFlags = IbvSendFlags.SIGNALED;
                    wr.remoteAddr = b.mr().addr() + 65536 + (long)k * SIZE;
                    wr.rkey = b.mr().rkey();
                    wr.sge(a.mr().addr() + (long)k * SIZE, SIZE, a.mr().lkey());
                    a.qp().postSend(wr);
                }
            }
            for (int l = 0; l < QPS; l++)
            {
                final QpKit.End a = links.get(l)[0];
                final QpKit.End b = links.get(l)[1];
                final List<IbvWc> wcs = a.side().await(a.sendCq(), PER_QP, Duration.ofSeconds(20));
                assertEquals(PER_QP, wcs.size(), "W " + window + " link " + l + ": " + c.snapshot());
                for (int k = 0; k < PER_QP; k++)
                {
                    assertEquals(IbvWcStatus.SUCCESS, wcs.get(k).status, wcs.get(k).toString());
                    assertEquals(k, wcs.get(k).wrId, "in the QP's order");
                }
                QpKit.assertSameBytes(a.buffer(), 0, b.buffer(), 65536, SIZE * PER_QP, "link " + l);
            }
            QpKit.assertNoEngineErrors(pair);
            return new Run(c.get(EngineCounters.LOOKAHEAD_BATCHES) - batches,
                c.get(EngineCounters.LOOKAHEAD_WORK_REQUESTS) - requests,
                pair.a.engine.controlPlane().contexts().loads() - loads);
        }
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void postsThatFindTheDoorbellRingFullAreStillServedExactlyOnceInOrder()
    {
        // a ring of 8 entries for 4 QPs: most of the 200 posts below find it full
        final EngineContext ea = RcPair.engine("ring-a", "127.0.0.98", ThreadingMode.INVOKER).maxQps(4)
            .doorbellEntriesPerQp(2);
        final EngineContext eb = RcPair.engine("ring-b", "127.0.0.99", ThreadingMode.INVOKER);
        try (RcPair pair = new RcPair(ea, eb))
        {
            final List<QpKit.End[]> links = new ArrayList<>();
            links.add(new QpKit.End[] {QpKit.End.of(pair.a), QpKit.End.of(pair.b)});
            final QpKit.Link second = new QpKit.Link(pair);
            links.add(new QpKit.End[] {second.a, second.b});
            final IbvSendWr wr = new IbvSendWr();
            final int posts = 100;
            for (int k = 0; k < posts; k++)
            {
                for (final QpKit.End[] link : links)
                {
                    final QpKit.End a = link[0];
                    final QpKit.End b = link[1];
                    a.buffer().set(java.lang.foreign.ValueLayout.JAVA_LONG, 8L * k, 0xC0DE_0000L + k);
                    wr.reset();
                    wr.wrId = k;
                    wr.opcode = IbvWrOpcode.RDMA_WRITE;
                    wr.sendFlags = IbvSendFlags.SIGNALED;
                    wr.remoteAddr = b.mr().addr() + 131072 + 8L * k;
                    wr.rkey = b.mr().rkey();
                    wr.sge(a.mr().addr() + 8L * k, 8, a.mr().lkey());
                    a.qp().postSend(wr);
                }
            }
            for (final QpKit.End[] link : links)
            {
                final QpKit.End a = link[0];
                final List<IbvWc> wcs = a.side().await(a.sendCq(), posts, Duration.ofSeconds(20));
                assertEquals(posts, wcs.size(), pair.a.engine.counters().snapshot().toString());
                for (int k = 0; k < posts; k++)
                {
                    assertEquals(IbvWcStatus.SUCCESS, wcs.get(k).status);
                    assertEquals(k, wcs.get(k).wrId, "in order");
                }
                assertTrue(a.side().drain(a.sendCq(), Duration.ofMillis(50)).isEmpty(), "each exactly once");
                QpKit.assertSameBytes(a.buffer(), 0, link[1].buffer(), 131072, 8 * posts, "every WRITE landed");
            }
            assertTrue(pair.a.engine.counters().get(EngineCounters.DOORBELLS) < 2L * posts,
                "the ring was full for some posts: they came through the sweep, not the ring");
            QpKit.assertNoEngineErrors(pair);
        }
    }

    private static List<QpKit.End[]> links(final RcPair pair)
    {
        final List<QpKit.End[]> links = new ArrayList<>();
        links.add(new QpKit.End[] {QpKit.End.of(pair.a), QpKit.End.of(pair.b)});
        for (int i = 1; i < QPS; i++)
        {
            final QpKit.Link link = new QpKit.Link(pair);
            links.add(new QpKit.End[] {link.a, link.b});
        }
        return links;
    }
}
