package io.softnic.engine.bus;

import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The arbiter's shares follow weights and priorities: over a backlogged run the bytes of each flow of the served
 * class, divided by its weight, stay within one quantum plus one chunk of each other; no flow of it waits longer than
 * its credit needs; a lower class never gets the bus while a higher one is backlogged; every flow's transfers come out
 * whole, in order, exactly once, in chunks of at most maxChunk; a full queue refuses only its own flow.
 */
class FlowArbiterPropertyTest
{
    /** jqwik has no timeout of its own: each try runs under this one. */
    private static final Duration TRY_TIMEOUT = Duration.ofSeconds(10);

    @Property(tries = 300)
    void backloggedSharesFollowWeightsAndNobodyStarves(
        @ForAll @Size(min = 1, max = 6) final List<@IntRange(min = 1, max = 8) Integer> weights,
        @ForAll @IntRange(min = 0, max = 3) final int lowerClassFlows,
        @ForAll @IntRange(min = 1, max = 512) final int quantum,
        @ForAll @IntRange(min = 1, max = 2048) final int maxChunk,
        @ForAll @IntRange(min = 2, max = 8) final int queueCapacity,
        @ForAll @Size(min = 1, max = 20) final List<@IntRange(min = 1, max = 5000) Integer> sizes,
        @ForAll @IntRange(min = 1, max = 3000) final int polls)
    {
        assertTimeoutPreemptively(TRY_TIMEOUT, () ->
        {
            // a poll takes at most one transfer, so a full queue of two or more refilled after each poll never
            // empties: every flow stays backlogged (an emptied flow forfeits its credit, as DRR wants)
            final int top = weights.size();
            final FlowArbiter arbiter = new FlowArbiter(top + lowerClassFlows, 3, queueCapacity, quantum, maxChunk);
            final int[] flows = new int[top + lowerClassFlows];
            final int[] nextSize = new int[flows.length];
            for (int i = 0; i < flows.length; i++)
            {
                flows[i] = i < top ? arbiter.addFlow(1, weights.get(i)) : arbiter.addFlow(2, 1 + i % 3);
                nextSize[i] = i; // each flow cycles through the sizes from its own starting point
                refill(arbiter, flows[i], sizes, nextSize, i);
            }
            final long[] othersSinceServed = new long[top];
            final long[] starvationBound = new long[top];
            long othersWeight = 0;
            for (int i = 0; i < top; i++)
            {
                othersWeight += (long)weights.get(i) * quantum + maxChunk;
            }
            for (int i = 0; i < top; i++)
            {
                final long ownCredit = (long)weights.get(i) * quantum;
                final long turnsToAfford = (maxChunk + ownCredit - 1) / ownCredit;
                starvationBound[i] = turnsToAfford * (othersWeight - ownCredit - maxChunk);
            }

            for (int p = 0; p < polls; p++)
            {
                final int flow = arbiter.poll();
                assertTrue(flow >= 0 && flow < top, "only the backlogged higher class is served, got " + flow);
                assertTrue(arbiter.chunkLength() >= 1 && arbiter.chunkLength() <= maxChunk);
                for (int i = 0; i < top; i++)
                {
                    if (i == flow)
                    {
                        othersSinceServed[i] = 0;
                    }
                    else
                    {
                        othersSinceServed[i] += arbiter.chunkLength();
                        assertTrue(othersSinceServed[i] <= starvationBound[i],
                            "flow " + i + " waited " + othersSinceServed[i] + " bytes > " + starvationBound[i]);
                    }
                }
                refill(arbiter, flow, sizes, nextSize, flow);
                for (int i = 0; i < top; i++)
                {
                    for (int j = i + 1; j < top; j++)
                    {
                        final long wi = weights.get(i);
                        final long wj = weights.get(j);
                        final long gap = Math.abs(arbiter.bytesServed(flows[i]) * wj - arbiter.bytesServed(flows[j]) * wi);
                        assertTrue(gap <= (long)(quantum + maxChunk) * wi * wj,
                            "flows " + i + "/" + j + " normalized shares " + arbiter.bytesServed(flows[i]) + "/" + wi
                                + " vs " + arbiter.bytesServed(flows[j]) + "/" + wj);
                    }
                }
            }
            for (int i = top; i < flows.length; i++)
            {
                assertEquals(0, arbiter.bytesServed(flows[i]), "a lower class waits while a higher one is backlogged");
            }
        });
    }

    private static void refill(final FlowArbiter arbiter, final int flow, final List<Integer> sizes,
        final int[] nextSize, final int index)
    {
        while (arbiter.offer(flow, nextSize[index], sizes.get(nextSize[index] % sizes.size())))
        {
            nextSize[index]++;
        }
    }

    /**
     * Random offers and polls against a model: capacity, back-pressure per flow, strict priority, FIFO and whole
     * transfers in bounded chunks; at the end everything drains and every transfer came out exactly once.
     */
    @Property(tries = 500)
    void priorityFifoAndCapacityHoldForRandomTraffic(
        @ForAll @Size(min = 1, max = 8) final List<@IntRange(min = 0, max = 3) Integer> classes,
        @ForAll @IntRange(min = 1, max = 6) final int queueCapacity,
        @ForAll @IntRange(min = 1, max = 300) final int quantum,
        @ForAll @IntRange(min = 1, max = 700) final int maxChunk,
        @ForAll @Size(max = 600) final List<@IntRange(min = 0, max = 99_999) Integer> ops)
    {
        assertTimeoutPreemptively(TRY_TIMEOUT, () ->
        {
            final FlowArbiter arbiter = new FlowArbiter(classes.size(), 4, queueCapacity, quantum, maxChunk);
            final int[] flows = new int[classes.size()];
            @SuppressWarnings("unchecked")
            final ArrayDeque<long[]>[] model = new ArrayDeque[classes.size()]; // {tag, length, served}
            for (int i = 0; i < flows.length; i++)
            {
                flows[i] = arbiter.addFlow(classes.get(i), 1 + i % 4);
                assertEquals(i, flows[i]);
                model[i] = new ArrayDeque<>();
            }
            long nextTag = 1;
            long offered = 0;
            long delivered = 0;
            for (final int op : ops)
            {
                if (op % 3 == 0)
                {
                    delivered += pollAndCheck(arbiter, classes, model, maxChunk);
                    continue;
                }
                final int flow = (op / 3) % flows.length;
                final int bytes = 1 + (op / 50) % 1500;
                final boolean full = model[flow].size() == queueCapacity;
                final long refusedBefore = arbiter.refused(flow);
                assertEquals(!full, arbiter.offer(flow, nextTag, bytes), "offer fails exactly when its queue is full");
                assertEquals(refusedBefore + (full ? 1 : 0), arbiter.refused(flow));
                if (!full)
                {
                    model[flow].add(new long[]{nextTag++, bytes, 0});
                    offered++;
                }
                for (int i = 0; i < flows.length; i++)
                {
                    assertEquals(model[i].size(), arbiter.depth(i));
                    assertTrue(arbiter.depth(i) <= queueCapacity);
                }
            }
            while (!arbiter.isEmpty())
            {
                delivered += pollAndCheck(arbiter, classes, model, maxChunk);
            }
            assertEquals(FlowArbiter.NONE, arbiter.poll());
            for (final ArrayDeque<long[]> queue : model)
            {
                assertTrue(queue.isEmpty());
            }
            assertEquals(offered, delivered, "every accepted transfer came out whole exactly once");
        });
    }

    /** Polls once and checks the chunk against the model; returns the transfers it finished (0 or 1). */
    private static int pollAndCheck(final FlowArbiter arbiter, final List<Integer> classes,
        final ArrayDeque<long[]>[] model, final int maxChunk)
    {
        int best = Integer.MAX_VALUE;
        for (int i = 0; i < model.length; i++)
        {
            if (!model[i].isEmpty())
            {
                best = Math.min(best, classes.get(i));
            }
        }
        final int flow = arbiter.poll();
        if (best == Integer.MAX_VALUE)
        {
            assertEquals(FlowArbiter.NONE, flow);
            return 0;
        }
        assertTrue(flow >= 0);
        assertEquals(best, classes.get(flow), "the highest backlogged class is served");
        final long[] transfer = model[flow].peek();
        assertTrue(transfer != null);
        assertEquals(transfer[0], arbiter.chunkTag(), "FIFO within the flow");
        assertEquals(transfer[2], arbiter.chunkOffset(), "chunks are contiguous");
        final int length = arbiter.chunkLength();
        assertTrue(length >= 1 && length <= maxChunk);
        transfer[2] += length;
        assertTrue(transfer[2] <= transfer[1]);
        assertEquals(transfer[2] == transfer[1], arbiter.chunkEnds());
        if (!arbiter.chunkEnds())
        {
            return 0;
        }
        model[flow].poll();
        return 1;
    }
}
