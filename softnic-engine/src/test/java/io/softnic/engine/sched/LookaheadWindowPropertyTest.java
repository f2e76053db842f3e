package io.softnic.engine.sched;

import io.softnic.engine.rc.CachedContext;
import io.softnic.engine.rc.ContextCache;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;

import java.lang.foreign.MemorySegment;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The look-ahead scheduler never reorders work within a QP and respects FENCE, for random work mixes and windows:
 * each batch is exactly what the rule says (the oldest request and its QP's later ones up to a fence), every request
 * runs exactly once, a QP's requests run in post order, a fenced request runs only after all its QP's earlier ones and
 * first in its batch, W = 1 is strict post order, and a batch costs at most one context load — never more
 * loads than W = 1 with one cache line, or with a window over the whole fence-free mix.
 */
class LookaheadWindowPropertyTest
{
    /** jqwik has no timeout of its own: each try runs under this one. */
    private static final Duration TRY_TIMEOUT = Duration.ofSeconds(10);
    /** Of every 1000 op codes: this many mean "take a batch now" rather than "post a request". */
    private static final int BATCH_OPS = 150;
    private static final int OP_RANGE = 1000;
    /** A posted request is fenced when its code falls in 1/FENCE_ONE_IN of the range. */
    private static final int FENCE_ONE_IN = 7;

    @Property(tries = 500)
    void batchesKeepOrderWithinAQpAndRespectFence(
        @ForAll @IntRange(min = 1, max = 64) final int window,
        @ForAll @IntRange(min = 1, max = 12) final int qps,
        @ForAll @Size(max = 400) final List<@IntRange(min = 0, max = OP_RANGE - 1) Integer> ops)
    {
        assertTimeoutPreemptively(TRY_TIMEOUT, () ->
        {
            final LookaheadWindow lookahead = new LookaheadWindow(window);
            final List<int[]> reference = new ArrayList<>(); // {qpn, fence, seq} in post order
            final List<int[]> posted = new ArrayList<>();
            final List<int[]> executed = new ArrayList<>();
            for (final int op : ops)
            {
                if (op < BATCH_OPS)
                {
                    takeBatch(lookahead, reference, executed);
                    continue;
                }
                final int[] request = {op % qps, (op / qps) % FENCE_ONE_IN == 0 ? 1 : 0, posted.size()};
                if (lookahead.isFull())
                {
                    assertTrue(!lookahead.offer(request[0], request[1] == 1, request[2]), "a full window refuses");
                    takeBatch(lookahead, reference, executed);
                }
                assertTrue(lookahead.offer(request[0], request[1] == 1, request[2]));
                reference.add(request);
                posted.add(request);
                assertEquals(reference.size(), lookahead.size());
                assertTrue(lookahead.size() <= window);
            }
            while (lookahead.size() > 0)
            {
                takeBatch(lookahead, reference, executed);
            }
            assertEquals(0, lookahead.nextBatch());

            assertEquals(posted.size(), executed.size(), "every request runs");
            final boolean[] ran = new boolean[posted.size()];
            final int[] lastSeqOfQp = new int[qps];
            java.util.Arrays.fill(lastSeqOfQp, -1);
            for (final int[] request : executed)
            {
                assertTrue(!ran[request[2]], "exactly once");
                ran[request[2]] = true;
                assertTrue(request[2] > lastSeqOfQp[request[0]], "in post order within the QP");
                lastSeqOfQp[request[0]] = request[2];
            }
            for (int qpn = 0; qpn < qps; qpn++)
            {
                for (final int[] request : posted)
                {
                    if (request[0] == qpn && request[1] == 1)
                    {
                        for (final int[] earlier : posted)
                        {
                            if (earlier[0] == qpn && earlier[2] < request[2])
                            {
                                assertTrue(executed.indexOf(earlier) < executed.indexOf(request), "FENCE waits");
                            }
                        }
                    }
                }
            }
            if (window == 1)
            {
                assertEquals(posted, executed, "W = 1 is strict doorbell order");
            }
            assertEquals(posted.size(), lookahead.requests());
        });
    }

    /** Takes a batch and checks it against the rule computed on the reference list; returns its size. */
    private static int takeBatch(final LookaheadWindow lookahead, final List<int[]> reference,
        final List<int[]> executed)
    {
        final int size = lookahead.nextBatch();
        if (reference.isEmpty())
        {
            assertEquals(0, size);
            return 0;
        }
        final List<int[]> expected = new ArrayList<>();
        final int qpn = reference.getFirst()[0];
        expected.add(reference.getFirst());
        for (int i = 1; i < reference.size(); i++)
        {
            final int[] request = reference.get(i);
            if (request[0] == qpn)
            {
                if (request[1] == 1)
                {
                    break; // a fenced request waits for this batch to finish
                }
                expected.add(request);
            }
        }
        assertEquals(expected.size(), size, "batch size");
        assertEquals(qpn, lookahead.batchQpn());
        for (int i = 0; i < size; i++)
        {
            final int[] request = expected.get(i);
            assertEquals(request[2], lookahead.batchTag(i), "batch member " + i);
            if (request[1] == 1)
            {
                assertEquals(0, i, "a fenced request only starts a batch");
            }
            reference.remove(request);
            executed.add(request);
        }
        return size;
    }

    /**
     * With one cache line a load is a switch of QP, and grouping never adds a switch: look-ahead never loads more than
     * doorbell order, for any window and mix, fences included. (With more lines no eviction policy can promise that
     * for every mix: pulling a QP's later request forward can take away the recency that kept another context cached
     * — LRU, 2 lines, W = 3, QPs 0 1 0 2 0: 4 loads grouped, 3 in order — so the properties below bound the grouped
     * schedule by its batches, and the example test measures the gain on seed 4's many-QP workload.)
     */
    @Property(tries = 300)
    void withOneCacheLineLookaheadNeverLoadsMore(
        @ForAll @IntRange(min = 1, max = 256) final int window,
        @ForAll @IntRange(min = 1, max = 32) final int qps,
        @ForAll @Size(max = 400) final List<@IntRange(min = 0, max = OP_RANGE - 1) Integer> mix)
    {
        assertTimeoutPreemptively(TRY_TIMEOUT, () ->
        {
            final Mix work = Mix.of(mix, qps, true);
            final long inOrder = run(1, qps, 1, work).loads;
            final long grouped = run(window, qps, 1, work).loads;
            assertTrue(grouped <= inOrder, "W=" + window + ": " + grouped + " loads vs " + inOrder + " in order");
        });
    }

    /** A window that sees the whole fence-free mix loads each context once, never more than doorbell order. */
    @Property(tries = 300)
    void aWindowOverTheWholeMixLoadsEachContextOnce(
        @ForAll @IntRange(min = 0, max = 64) final int extraWindow,
        @ForAll @IntRange(min = 1, max = 32) final int qps,
        @ForAll @IntRange(min = 1, max = 8) final int cacheLines,
        @ForAll @Size(max = 400) final List<@IntRange(min = 0, max = OP_RANGE - 1) Integer> mix)
    {
        assertTimeoutPreemptively(TRY_TIMEOUT, () ->
        {
            final Mix work = Mix.of(mix, qps, false);
            final long distinct = java.util.Arrays.stream(work.qpnOf).distinct().count();
            final long inOrder = run(1, qps, cacheLines, work).loads;
            final Run grouped = run(Math.max(1, work.qpnOf.length + extraWindow), qps, cacheLines, work);
            assertEquals(distinct, grouped.batches, "one batch per QP");
            assertEquals(distinct, grouped.loads, "one load per QP");
            assertTrue(grouped.loads <= inOrder);
        });
    }

    /** Whatever the window, cache and mix, a batch is one context load at most: its later requests all hit. */
    @Property(tries = 300)
    void aBatchLoadsItsContextAtMostOnce(
        @ForAll @IntRange(min = 1, max = 256) final int window,
        @ForAll @IntRange(min = 1, max = 32) final int qps,
        @ForAll @IntRange(min = 1, max = 8) final int cacheLines,
        @ForAll @Size(max = 400) final List<@IntRange(min = 0, max = OP_RANGE - 1) Integer> mix)
    {
        assertTimeoutPreemptively(TRY_TIMEOUT, () ->
        {
            final Mix work = Mix.of(mix, qps, true);
            final Run grouped = run(window, qps, cacheLines, work);
            assertTrue(grouped.loads <= grouped.batches);
            assertTrue(grouped.hits >= work.qpnOf.length - grouped.batches);
        });
    }

    /** A work mix: each request's QP and FENCE flag, in post order. */
    record Mix(int[] qpnOf, boolean[] fenceOf)
    {
        static Mix of(final List<Integer> codes, final int qps, final boolean fences)
        {
            final int[] qpnOf = new int[codes.size()];
            final boolean[] fenceOf = new boolean[codes.size()];
            for (int i = 0; i < codes.size(); i++)
            {
                qpnOf[i] = codes.get(i) % qps;
                fenceOf[i] = fences && (codes.get(i) / qps) % FENCE_ONE_IN == 0;
            }
            return new Mix(qpnOf, fenceOf);
        }
    }

    record Run(long loads, long hits, long batches)
    {
    }

    /** Runs the posted requests through a window of W and a context cache, each request touching its context. */
    static Run run(final int window, final int qps, final int cacheLines, final Mix work)
    {
        final ContextCache cache = new ContextCache(Long.BYTES, cacheLines, ContextCache.COPY);
        final MemorySegment table = MemorySegment.ofArray(new long[qps]);
        final CachedContext[] contexts = new CachedContext[qps];
        for (int q = 0; q < qps; q++)
        {
            contexts[q] = new CachedContext(table, (long)q * Long.BYTES);
        }
        final LookaheadWindow lookahead = new LookaheadWindow(window);
        final int[] qpnOf = work.qpnOf;
        int next = 0;
        while (next < qpnOf.length || lookahead.size() > 0)
        {
            while (next < qpnOf.length && lookahead.offer(qpnOf[next], work.fenceOf[next], next))
            {
                next++;
            }
            final int size = lookahead.nextBatch();
            for (int i = 0; i < size; i++)
            {
                final CachedContext ctx = contexts[lookahead.batchQpn()];
                cache.acquire(ctx);
                cache.release(ctx);
            }
        }
        return new Run(cache.loads(), cache.hits(), lookahead.batches());
    }
}
