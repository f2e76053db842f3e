package io.softnic.hostif;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.lang.foreign.Arena;
import java.util.BitSet;
import java.util.concurrent.CountDownLatch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

@Timeout(30)
class DoorbellRingTest
{
    @Test
    void deliversInOrderAndRefusesWhenFull()
    {
        try (Arena arena = Arena.ofConfined())
        {
            final DoorbellRing ring = new DoorbellRing(arena.allocate(DoorbellRing.bytesFor(4), 64), 4);
            long head = 0;
            assertEquals(-1, ring.peek(head), "empty ring publishes nothing (QPN 0 is never mistaken for an entry)");
            for (int qpn = 16; qpn < 20; qpn++)
            {
                assertTrue(ring.ring(qpn, 1000L + qpn));
            }
            assertFalse(ring.takeOverflow());
            assertFalse(ring.ring(99, 1), "a full ring refuses instead of overwriting");
            ring.overflow();
            assertTrue(ring.takeOverflow(), "the producer that found it full says so");
            assertFalse(ring.takeOverflow(), "once");
            for (int qpn = 16; qpn < 20; qpn++)
            {
                assertEquals(qpn, ring.peek(head));
                assertEquals(1000L + qpn, ring.producerIndex(head), "each entry carries the index it announces");
                head++;
            }
            ring.advance(head);
            assertEquals(-1, ring.peek(head));
            assertTrue(ring.ring(0xFFFFFF, Long.MAX_VALUE), "24-bit QPNs and 64-bit indices fit");
            assertEquals(0xFFFFFF, ring.peek(head));
            assertEquals(Long.MAX_VALUE, ring.producerIndex(head));
        }
    }

    @Test
    void manyProducersOneConsumerLoseNothing() throws Exception
    {
        final int producers = 2;
        final int perProducer = 20_000;
        try (Arena arena = Arena.ofShared())
        {
            final DoorbellRing ring = new DoorbellRing(arena.allocate(DoorbellRing.bytesFor(1024), 64), 1024);
            final CountDownLatch start = new CountDownLatch(1);
            final Thread[] threads = new Thread[producers];
            for (int p = 0; p < producers; p++)
            {
                final int base = p * perProducer;
                threads[p] = new Thread(() ->
                {
                    try
                    {
                        start.await();
                    }
                    catch (final InterruptedException ex)
                    {
                        return;
                    }
                    for (int i = 0; i < perProducer; i++)
                    {
                        while (!ring.ring(base + i, i))
                        {
                            Thread.yield();
                        }
                    }
                });
                threads[p].start();
            }
            start.countDown();
            final BitSet seen = new BitSet();
            final int[] last = {-1, -1};
            long head = 0;
            int received = 0;
            while (received < producers * perProducer)
            {
                final int qpn = ring.peek(head);
                if (qpn < 0)
                {
                    Thread.onSpinWait();
                    continue;
                }
                assertEquals(qpn % perProducer, ring.producerIndex(head), "the index travels with its entry");
                head++;
                ring.advance(head);
                assertFalse(seen.get(qpn), "delivered twice: " + qpn);
                seen.set(qpn);
                final int producer = qpn / perProducer;
                assertTrue(qpn > last[producer], "each producer's entries stay in order");
                last[producer] = qpn;
                received++;
            }
            for (final Thread t : threads)
            {
                t.join();
            }
            assertEquals(producers * perProducer, seen.cardinality());
        }
    }
}
