package io.softnic.engine.completion;

import io.softnic.engine.RcPair;
import io.softnic.engine.ThreadingMode;
import io.softnic.verbs.CompVector;
import io.softnic.verbs.EventDispatcher;
import io.softnic.verbs.IbvAccess;
import io.softnic.verbs.IbvContext;
import io.softnic.verbs.IbvCq;
import io.softnic.verbs.IbvRecvWr;
import io.softnic.verbs.IbvSendFlags;
import io.softnic.verbs.IbvSendWr;
import io.softnic.verbs.IbvWc;
import io.softnic.verbs.IbvWcStatus;
import io.softnic.verbs.IbvWrOpcode;
import io.softnic.verbs.RecvCqPolicy;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Seed 5 end to end: one connection bound to a CQ per completion vector. Four threads post on one QP, each on its
 * own vector; each one's send completions arrive on its vector's CQ, in order, handled by that vector's handler
 * thread. The peer spreads the connection's receives round robin over its four CQs. Handlers of different vectors
 * run at the same time; nothing is lost or duplicated.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class CompletionSpreadingTest
{
    private static final int VECTORS = 4;
    private static final int PER_POSTER = 200;

    /** What the handler of one CQ saw. */
    private static final class Seen
    {
        final List<Long> wrIds = Collections.synchronizedList(new ArrayList<>());
        final Set<Thread> threads = Collections.synchronizedSet(new HashSet<>());
        final AtomicLong failed = new AtomicLong();
    }

    @Test
    void oneConnectionsCompletionsAreHandledOnSeveralHandlerThreadsNothingLostOrDuplicated() throws Exception
    {
        final List<IbvCq[]> sets = new ArrayList<>();
        try (RcPair p = new RcPair(
            RcPair.engine("spread-a", "127.0.0.71", ThreadingMode.SHARED).numCompVectors(VECTORS),
            RcPair.engine("spread-b", "127.0.0.72", ThreadingMode.SHARED).numCompVectors(VECTORS),
            IbvAccess.LOCAL_WRITE | IbvAccess.ALL_REMOTE,
            init ->
            {
                final IbvContext c = init.sendCq.context();
                final IbvCq[] set = new IbvCq[VECTORS];
                for (int v = 0; v < VECTORS; v++)
                {
                    set[v] = c.createCq(1024, v);
                }
                sets.add(set);
                init.cqSet = set;
                init.recvCqPolicy = RecvCqPolicy.ROUND_ROBIN;
            },
            attr -> { });
            IbvContext ctxA = p.a.ctx;
            IbvContext ctxB = p.b.ctx)
        {
            final IbvCq[] setA = sets.get(0);
            final IbvCq[] setB = sets.get(1);
            final AtomicInteger active = new AtomicInteger();
            final AtomicInteger maxActive = new AtomicInteger();
            final AtomicLong handled = new AtomicLong();
            final Seen[] seenA = register(ctxA.eventDispatcher(), setA, active, maxActive, handled);
            final Seen[] seenB = register(ctxB.eventDispatcher(), setB, active, maxActive, handled);

            final int messages = VECTORS * PER_POSTER;
            final IbvRecvWr rwr = new IbvRecvWr();
            for (int i = 0; i < messages; i++)
            {
                rwr.wrId = i;
                rwr.sge(p.b.mr.addr() + (i % 64) * 256L, 256, p.b.mr.lkey());
                p.b.qp.postRecv(rwr);
            }

            final List<Thread> posters = new ArrayList<>();
            for (int v = 0; v < VECTORS; v++)
            {
                final int vector = v;
                final Thread t = new Thread(() ->
                {
                    // half the posters are bound to their vector, the other half name it on each work request
                    final boolean bind = vector % 2 == 0;
                    if (bind)
                    {
                        CompVector.bind(vector);
                    }
                    final IbvSendWr wr = new IbvSendWr();
                    for (int i = 0; i < PER_POSTER; i++)
                    {
                        wr.reset();
                        wr.wrId = ((long)vector << 32) | i;
                        wr.opcode = IbvWrOpcode.SEND;
                        wr.sendFlags = IbvSendFlags.SIGNALED;
                        wr.compVector = bind ? -1 : vector;
                        wr.sge(p.a.mr.addr() + vector * 4096L, 64, p.a.mr.lkey());
                        p.a.qp.postSend(wr);
                    }
                }, "poster-" + v);
                posters.add(t);
                t.start();
            }
            for (final Thread t : posters)
            {
                t.join();
            }
            final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(40);
            while (handled.get() < 2L * messages && System.nanoTime() < deadline)
            {
                LockSupport.parkNanos(1_000_000);
            }
            assertEquals(2L * messages, handled.get(), "every send and every receive completion was handled");

            final Set<Thread> handlerThreads = new HashSet<>();
            for (int v = 0; v < VECTORS; v++)
            {
                // send side: poster v's completions, all of them, in its posting order, on vector v's CQ
                assertEquals(0, seenA[v].failed.get());
                final List<Long> ids = seenA[v].wrIds;
                assertEquals(PER_POSTER, ids.size(), "vector " + v + " CQ got its poster's completions");
                for (int i = 0; i < PER_POSTER; i++)
                {
                    assertEquals(((long)v << 32) | i, (long)ids.get(i), "in order within the CQ, none from another");
                }
                assertEquals(Set.of(ctxA.eventDispatcher().handlerThread(v)), seenA[v].threads,
                    "handled on vector " + v + "'s handler thread");
                handlerThreads.add(ctxA.eventDispatcher().handlerThread(v));

                // receive side: message k went to CQ k % 4, and each CQ saw its receives in order
                assertEquals(0, seenB[v].failed.get());
                final List<Long> rids = seenB[v].wrIds;
                assertEquals(PER_POSTER, rids.size(), "round robin: an equal share on every CQ");
                for (int i = 0; i < rids.size(); i++)
                {
                    assertEquals(v + (long)i * VECTORS, (long)rids.get(i));
                }
                assertEquals(Set.of(ctxB.eventDispatcher().handlerThread(v)), seenB[v].threads);
            }
            assertEquals(VECTORS, handlerThreads.size(), "one connection, four handler threads");
            assertTrue(maxActive.get() >= 2, "handlers of one connection ran concurrently: " + maxActive.get());
            assertEquals(messages, p.a.sendCq.completions() + sum(setA), "nothing beyond what was posted");
            assertEquals(0, p.a.sendCq.completions(), "no send completion fell back to the QP's send CQ");
        }
    }

    private static long sum(final IbvCq[] set)
    {
        long n = 0;
        for (final IbvCq cq : set)
        {
            n += cq.completions();
        }
        return n;
    }

    private static Seen[] register(
        final EventDispatcher d,
        final IbvCq[] set,
        final AtomicInteger active,
        final AtomicInteger maxActive,
        final AtomicLong handled)
    {
        d.spinNanos(0);
        final Seen[] seen = new Seen[set.length];
        for (int v = 0; v < set.length; v++)
        {
            final Seen s = new Seen();
            seen[v] = s;
            final IbvWc[] wcs = {new IbvWc(), new IbvWc(), new IbvWc(), new IbvWc()};
            d.register(set[v], false, cq ->
            {
                final int now = active.incrementAndGet();
                maxActive.accumulateAndGet(now, Math::max);
                s.threads.add(Thread.currentThread());
                int n;
                while ((n = cq.poll(wcs)) > 0)
                {
                    for (int i = 0; i < n; i++)
                    {
                        if (wcs[i].status != IbvWcStatus.SUCCESS)
                        {
                            s.failed.incrementAndGet();
                        }
                        s.wrIds.add(wcs[i].wrId);
                    }
                    handled.addAndGet(n);
                    LockSupport.parkNanos(200_000); // a handler that does some work, so handlers overlap in time
                }
                active.decrementAndGet();
            });
        }
        return seen;
    }
}
