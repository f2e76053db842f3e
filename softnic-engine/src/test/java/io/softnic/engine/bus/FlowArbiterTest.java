package io.softnic.engine.bus;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.lang.management.ManagementFactory;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

@Timeout(10)
class FlowArbiterTest
{
    private static final int QUANTUM = 100;
    private static final int CHUNK = 100;

    @Test
    void weightsSplitTheBusThreeToOne()
    {
        final FlowArbiter arbiter = new FlowArbiter(2, 1, 4, QUANTUM, CHUNK);
        final int heavy = arbiter.addFlow(0, 3);
        final int light = arbiter.addFlow(0, 1);
        final StringBuilder order = new StringBuilder();
        for (int i = 0; i < 8; i++)
        {
            keepFull(arbiter, heavy, CHUNK);
            keepFull(arbiter, light, CHUNK);
            order.append(arbiter.poll() == heavy ? 'H' : 'L');
        }
        assertEquals("HHHLHHHL", order.toString());
    }

    @Test
    void flowsAreChargedWhatTheirTurnsReallyMovedSoWeightsHoldInBytes()
    {
        // turns offered at a nominal chunk; the heavy flow's turns move only 10 bytes each, the light one's all 100
        final FlowArbiter arbiter = new FlowArbiter(2, 1, 4, QUANTUM, CHUNK);
        final int heavy = arbiter.addFlow(0, 3);
        final int light = arbiter.addFlow(0, 1);
        for (int i = 0; i < 400; i++)
        {
            keepFull(arbiter, heavy, CHUNK);
            keepFull(arbiter, light, CHUNK);
            final int flow = arbiter.poll();
            arbiter.charge(flow, CHUNK, flow == heavy ? 10 : CHUNK);
        }
        final double heavyShare = arbiter.bytesServed(heavy) / 3.0;
        final double lightShare = arbiter.bytesServed(light);
        assertTrue(Math.abs(heavyShare - lightShare) <= QUANTUM + CHUNK,
            "bytes per weight " + heavyShare + " vs " + lightShare + ": the light flow is not starved by refunds");
        assertTrue(arbiter.chunksServed(heavy) > 5 * arbiter.chunksServed(light),
            "small turns are many: " + arbiter.chunksServed(heavy) + " vs " + arbiter.chunksServed(light));
    }

    @Test
    void anIdleFlowKeepsNoCreditFromACharge()
    {
        final FlowArbiter arbiter = new FlowArbiter(2, 1, 4, QUANTUM, CHUNK);
        final int a = arbiter.addFlow(0, 1);
        final int b = arbiter.addFlow(0, 1);
        assertTrue(arbiter.offer(a, 1, CHUNK));
        assertEquals(a, arbiter.poll());
        arbiter.charge(a, CHUNK, 1); // a is idle now: the 99 unused bytes must not bank
        assertEquals(1, arbiter.bytesServed(a));
        final StringBuilder order = new StringBuilder();
        for (int i = 0; i < 6; i++)
        {
            keepFull(arbiter, a, CHUNK);
            keepFull(arbiter, b, CHUNK);
            order.append(arbiter.poll() == a ? 'A' : 'B');
        }
        assertEquals("ABABAB", order.toString());
    }

    @Test
    void waitingTimeRunsFromOfferToFirstChunk()
    {
        final FlowArbiter arbiter = new FlowArbiter(1, 1, 4, QUANTUM, 40);
        final int f = arbiter.addFlow(0, 1);
        assertTrue(arbiter.offer(f, 1, 100, 1_000));
        assertTrue(arbiter.offer(f, 2, 10, 1_500));
        assertEquals(f, arbiter.poll(3_000)); // transfer 1 starts: waited 2000
        assertEquals(f, arbiter.poll(9_000)); // its second chunk: not a new wait
        assertEquals(f, arbiter.poll(9_500)); // its third
        assertEquals(f, arbiter.poll(10_000)); // transfer 2 starts: waited 8500
        assertEquals(2, arbiter.transfersStarted(f));
        assertEquals(2_000 + 8_500, arbiter.waitNanos(f));
    }

    @Test
    void higherClassPreemptsBetweenChunksAndLowerResumesItsTransfer()
    {
        final FlowArbiter arbiter = new FlowArbiter(2, 2, 4, 1 << 20, 64);
        final int bulk = arbiter.addFlow(1, 1);
        final int urgent = arbiter.addFlow(0, 1);
        assertTrue(arbiter.offer(bulk, 7, 256));
        assertEquals(bulk, arbiter.poll());
        assertEquals(0, arbiter.chunkOffset());
        assertTrue(arbiter.offer(urgent, 9, 10));
        assertEquals(urgent, arbiter.poll(), "the latency-sensitive flow gets the next chunk, not the bulk transfer's");
        assertEquals(9, arbiter.chunkTag());
        assertTrue(arbiter.chunkEnds());
        assertEquals(bulk, arbiter.poll());
        assertEquals(64, arbiter.chunkOffset());
        assertEquals(7, arbiter.chunkTag());
        assertEquals(bulk, arbiter.poll());
        assertEquals(bulk, arbiter.poll());
        assertTrue(arbiter.chunkEnds());
        assertEquals(256, arbiter.bytesServed(bulk));
        assertEquals(4, arbiter.chunksServed(bulk));
        assertEquals(FlowArbiter.NONE, arbiter.poll());
    }

    @Test
    void fullQueueBackPressuresOnlyItsFlow()
    {
        final FlowArbiter arbiter = new FlowArbiter(2, 1, 2, QUANTUM, CHUNK);
        final int a = arbiter.addFlow(0, 1);
        final int b = arbiter.addFlow(0, 1);
        assertTrue(arbiter.offer(a, 1, 10));
        assertTrue(arbiter.offer(a, 2, 10));
        assertFalse(arbiter.offer(a, 3, 10));
        assertEquals(1, arbiter.refused(a));
        assertTrue(arbiter.offer(b, 4, 10), "the other flow still gets in");
        assertEquals(0, arbiter.refused(b));
        assertEquals(2, arbiter.depth(a));
        assertEquals(a, arbiter.poll());
        assertTrue(arbiter.offer(a, 3, 10), "room again once a transfer left");
    }

    @Test
    void removedFlowDropsItsQueueAndItsIdIsReused()
    {
        final FlowArbiter arbiter = new FlowArbiter(3, 1, 4, QUANTUM, CHUNK);
        final int a = arbiter.addFlow(0, 1);
        final int b = arbiter.addFlow(0, 1);
        final int c = arbiter.addFlow(0, 1);
        assertEquals(FlowArbiter.NONE, arbiter.addFlow(0, 1));
        arbiter.offer(a, 1, 10);
        arbiter.offer(b, 2, 10);
        arbiter.offer(b, 3, 10);
        arbiter.offer(c, 4, 10);
        assertEquals(2, arbiter.removeFlow(b));
        assertThrows(IllegalArgumentException.class, () -> arbiter.offer(b, 5, 10));
        assertEquals(a, arbiter.poll());
        assertEquals(c, arbiter.poll());
        assertEquals(FlowArbiter.NONE, arbiter.poll());
        assertEquals(b, arbiter.addFlow(0, 2));
        assertEquals(0, arbiter.depth(b));
    }

    @Test
    void offerAndPollAllocateNothing()
    {
        final FlowArbiter arbiter = new FlowArbiter(8, 2, 16, QUANTUM, CHUNK);
        for (int i = 0; i < 8; i++)
        {
            arbiter.addFlow(i % 2, 1 + i);
        }
        final com.sun.management.ThreadMXBean threads =
            (com.sun.management.ThreadMXBean)ManagementFactory.getThreadMXBean();
        run(arbiter, 10_000); // warm up
        final long before = threads.getCurrentThreadAllocatedBytes();
        run(arbiter, 200_000);
        final long allocated = threads.getCurrentThreadAllocatedBytes() - before;
        assertTrue(allocated < 1024, "allocated " + allocated + " bytes");
    }

    private static void run(final FlowArbiter arbiter, final int operations)
    {
        for (int i = 0; i < operations; i++)
        {
            arbiter.offer(i & 7, i, 1 + (i * 37) % 500);
            arbiter.poll();
        }
    }

    private static void keepFull(final FlowArbiter arbiter, final int flow, final int bytes)
    {
        while (arbiter.offer(flow, 0, bytes))
        {
            // fill
        }
    }
}
