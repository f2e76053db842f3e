package io.softnic.engine.cm;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The RX-to-CM hand-off: bounded, in order, refuses when full, and safe between one producer and one consumer. */
@Timeout(30)
class CmMadInboxTest
{
    private final MemorySegment mad = Arena.ofAuto().allocate(MadInbox.SLOT_LENGTH);

    @Test
    void fillsUpRefusesThenDrainsInOrder()
    {
        final MadInbox inbox = new MadInbox(4);
        assertEquals(-1, inbox.peek());
        for (int round = 0; round < 3; round++)
        {
            for (int i = 0; i < 4; i++)
            {
                mad.set(ValueLayout.JAVA_INT, 0, round * 10 + i);
                assertTrue(inbox.offer(i, 0x7F000000 + i, mad, 0));
            }
            assertFalse(inbox.offer(9, 9, mad, 0), "full");
            for (int i = 0; i < 4; i++)
            {
                final int slot = inbox.peek();
                assertTrue(slot >= 0);
                assertEquals(round * 10 + i, inbox.segment().get(ValueLayout.JAVA_INT, inbox.offsetOf(slot)));
                assertEquals(i, inbox.portIndex(slot));
                assertEquals(0x7F000000 + i, inbox.sourceIpv4(slot));
                inbox.release();
            }
            assertEquals(-1, inbox.peek());
        }
    }

    @Test
    void oneProducerOneConsumerLoseNothingThatWasAccepted() throws Exception
    {
        final MadInbox inbox = new MadInbox(64);
        final int n = 200_000;
        final long[] accepted = new long[1];
        final Thread producer = Thread.ofPlatform().start(() ->
        {
            final MemorySegment m = Arena.ofConfined().allocate(MadInbox.SLOT_LENGTH);
            for (int i = 0; i < n; i++)
            {
                m.set(ValueLayout.JAVA_INT, 0, i);
                m.set(ValueLayout.JAVA_INT, 252, ~i);
                while (!inbox.offer(0, i, m, 0))
                {
                    Thread.onSpinWait();
                }
                accepted[0]++;
            }
        });
        int expected = 0;
        while (expected < n)
        {
            final int slot = inbox.peek();
            if (slot < 0)
            {
                Thread.onSpinWait();
                continue;
            }
            assertEquals(expected, inbox.segment().get(ValueLayout.JAVA_INT, inbox.offsetOf(slot)));
            assertEquals(~expected, inbox.segment().get(ValueLayout.JAVA_INT, inbox.offsetOf(slot) + 252));
            assertEquals(expected, inbox.sourceIpv4(slot));
            inbox.release();
            expected++;
        }
        producer.join();
        assertEquals(n, accepted[0]);
    }
}
