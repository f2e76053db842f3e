package io.softnic.engine.completion;

import io.softnic.engine.counters.EngineCounters;
import io.softnic.hostif.Eqe;
import io.softnic.hostif.EventRing;
import io.softnic.verbs.CqModeration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.lang.foreign.Arena;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The event queue ring: engine threads produce, one handler consumes; wrap-around, overflow, the wake word. */
class EventQueueTest
{
    private final EngineCounters counters = EngineCounters.create(null);
    private final Arena arena = Arena.ofShared();

    @AfterEach
    void tearDown()
    {
        counters.close();
        arena.close();
    }

    private EventQueue eq(final int capacity)
    {
        return new EventQueue(0, new EventRing(arena.allocate(EventRing.bytesFor(capacity), 64), capacity), counters,
            EventQueue.VectorCounters.NONE, CqModeration.NONE);
    }

    @Test
    @Timeout(value = 30, unit = TimeUnit.SECONDS)
    void manyProducersOneConsumerAcrossManyWrapsLoseAndDuplicateNothing() throws Exception
    {
        final EventQueue eq = eq(64);
        final EventRing ring = eq.ring();
        final int producers = 3;
        final int perProducer = 50_000;
        final List<Thread> threads = new ArrayList<>();
        for (int p = 0; p < producers; p++)
        {
            final int cqn = p + 1;
            final Thread t = new Thread(() ->
            {
                for (int i = 0; i < perProducer; )
                {
                    if (eq.post(cqn, i, 1))
                    {
                        i++; // a full ring is an overflow here: retry, the test wants every event through
                    }
                    else
                    {
                        Thread.onSpinWait();
                    }
                }
            });
            threads.add(t);
            t.start();
        }
        final int[] next = new int[producers + 1];
        long head = 0;
        int received = 0;
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(25);
        while (received < producers * perProducer && System.nanoTime() < deadline)
        {
            if (!ring.available(head))
            {
                Thread.onSpinWait();
                continue;
            }
            final long at = ring.entryOffset(head);
            final int cqn = Eqe.cqn(ring.region(), at);
            final int seq = Eqe.qpn(ring.region(), at);
            assertEquals(next[cqn], seq, "events of one producer arrive in order, none lost or doubled");
            assertEquals(1, Eqe.count(ring.region(), at));
            next[cqn]++;
            head++;
            ring.advance(head);
            received++;
        }
        for (final Thread t : threads)
        {
            t.join();
        }
        assertEquals(producers * perProducer, received);
        assertFalse(ring.available(head), "nothing beyond what was posted");
        assertTrue(head > 64 * 100, "the ring wrapped many times");
        assertEquals(producers * perProducer, eq.events());
        assertEquals(producers * perProducer, counters.get(EngineCounters.CQ_EVENTS));
    }

    @Test
    @Timeout(value = 10, unit = TimeUnit.SECONDS)
    void aFullRingCountsTheOverflowAndKeepsWorkingOnceDrained()
    {
        final EventQueue eq = eq(4);
        final EventRing ring = eq.ring();
        for (int i = 0; i < 4; i++)
        {
            assertTrue(eq.post(10 + i, 0, 1));
        }
        assertFalse(eq.post(20, 0, 1), "a full EQ refuses the event");
        assertFalse(eq.post(21, 0, 1));
        assertEquals(2, eq.overflows(), "each refused event is counted in the EQ, where the handler sees it");
        assertEquals(2, counters.get(EngineCounters.EQ_OVERFLOWS));
        assertEquals(4, eq.events());
        assertEquals(6, eq.completions(), "completions of refused events still count");

        long head = 0;
        for (int i = 0; i < 4; i++)
        {
            assertTrue(ring.available(head));
            assertEquals(10 + i, Eqe.cqn(ring.region(), ring.entryOffset(head)));
            head++;
        }
        ring.advance(head);
        assertTrue(eq.post(30, 0, 1), "drained: room again");
        assertTrue(ring.available(head));
        assertEquals(30, Eqe.cqn(ring.region(), ring.entryOffset(head)));
    }

    @Test
    @Timeout(value = 10, unit = TimeUnit.SECONDS)
    void theDeviceWakesOnlyASleepingHandlerAndOnlyOnce()
    {
        final EventQueue eq = eq(16);
        final EventRing ring = eq.ring();
        eq.post(1, 0, 1);
        assertEquals(0, eq.wakes(), "an awake handler is not woken");

        ring.sleeping();
        eq.localWaiter(Thread.currentThread());
        eq.post(1, 0, 3);
        assertEquals(1, eq.wakes(), "a sleeping handler is woken");
        assertEquals(EventRing.AWAKE, ring.wakeWord(), "the waker moved the word back to awake");
        eq.post(1, 0, 4);
        assertEquals(1, eq.wakes(), "the second event finds it awake: no second wake");
        assertEquals(1, counters.get(EngineCounters.EQ_WAKES));
        assertEquals(8.0, eq.completionsPerWake(), 1e-9);
    }
}
