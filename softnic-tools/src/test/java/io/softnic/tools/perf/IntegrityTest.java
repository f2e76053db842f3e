package io.softnic.tools.perf;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The data checks on their own: a correct transfer passes, a wrong byte or count is named. */
@Timeout(10)
class IntegrityTest
{
    private final Arena arena = Arena.ofAuto();

    private QpLink link(final BufferLayout layout)
    {
        final MemorySegment buffer = arena.allocate(layout.dataLength(), 4096);
        return new QpLink(0, null, buffer, null, 0, null, new QpRound(layout.recvSlots()));
    }

    /** The checks of one side of {@code test}, with {@code link} prepared for a round of {@code size}-byte messages. */
    private static Integrity prepared(final PerfTest test, final BufferLayout layout, final boolean client,
        final QpLink link, final int size)
    {
        final Integrity check = new Integrity(test, layout, client);
        check.prepare(link, size);
        return check;
    }

    @Test
    void writeBandwidthChecksEveryWrittenSlot()
    {
        final BufferLayout layout = new BufferLayout(PerfTest.WRITE_BW, 1, 16, 4096);
        final QpLink client = link(layout);
        final QpLink server = link(layout);
        final int size = 1000;
        prepared(PerfTest.WRITE_BW, layout, true, client, size);
        final Integrity check = prepared(PerfTest.WRITE_BW, layout, false, server, size);
        final long ops = 40;
        for (long p = 0; p < ops; p++)
        {
            final long at = layout.slotOffset(size, (int)(p % layout.slots(size)));
            MemorySegment.copy(client.buffer, at, server.buffer, at, size);
        }
        assertNull(check.verify(server, size, ops));

        final long victim = layout.slotOffset(size, 5) + 777;
        server.buffer.set(ValueLayout.JAVA_BYTE, victim, (byte)~server.buffer.get(ValueLayout.JAVA_BYTE, victim));
        final String problem = check.verify(server, size, ops);
        assertNotNull(problem);
        assertTrue(problem.startsWith("QP #0 slot 5 written: byte 777 of 1000 is 0x"), problem);

        check.prepare(server, size);
        assertTrue(check.verify(server, size, ops).contains("slot 0"), "a cleared target must not pass");
    }

    @Test
    void atomicsCountEveryOperation()
    {
        final BufferLayout layout = new BufferLayout(PerfTest.ATOMIC_BW, 1, 4, 8);
        final QpLink server = link(layout);
        final QpLink client = link(layout);
        final Integrity serverCheck = prepared(PerfTest.ATOMIC_BW, layout, false, server, 8);
        final Integrity clientCheck = prepared(PerfTest.ATOMIC_BW, layout, true, client, 8);
        final long ops = 10;
        for (long p = 0; p < ops; p++)
        {
            final long at = layout.slotOffset(8, (int)(p % 4));
            final long old = server.buffer.get(ValueLayout.JAVA_LONG, at);
            server.buffer.set(ValueLayout.JAVA_LONG, at, old + 1);
            client.buffer.set(ValueLayout.JAVA_LONG, at, old);
        }
        assertNull(serverCheck.verify(server, 8, ops));
        assertNull(clientCheck.verify(client, 8, ops));
        assertTrue(serverCheck.verify(server, 8, ops + 1).contains("the target word is 2, expected 3"));
    }

    @Test
    void pingPongChecksTheLastMessageAndItsTag()
    {
        final BufferLayout layout = new BufferLayout(PerfTest.WRITE_LAT, 1, 1, 64);
        final QpLink client = link(layout);
        final QpLink server = link(layout);
        prepared(PerfTest.WRITE_LAT, layout, true, client, 64);
        final Integrity serverSide = prepared(PerfTest.WRITE_LAT, layout, false, server, 64);
        final long n = 300;
        client.buffer.set(ValueLayout.JAVA_BYTE, layout.slotOffset(64, 0) + 63, Integrity.tag(n));
        MemorySegment.copy(client.buffer, layout.slotOffset(64, 0), server.buffer, layout.recvOffset(0), 64);
        for (int i = 0; i < n; i++)
        {
            server.round.receivedInto(0);
        }
        assertNull(serverSide.verify(server, 64, n));
        assertTrue(serverSide.verify(server, 64, n + 1).contains("300 messages arrived, 301 were exchanged"));
        server.buffer.set(ValueLayout.JAVA_BYTE, layout.recvOffset(0) + 63, Integrity.tag(n - 1));
        assertTrue(serverSide.verify(server, 64, n).contains("the last message ends in tag"));
    }

    @Test
    void sendBandwidthCountsReceives()
    {
        final BufferLayout layout = new BufferLayout(PerfTest.SEND_BW, 1, 8, 256);
        final QpLink server = link(layout);
        final Integrity check = prepared(PerfTest.SEND_BW, layout, false, server, 256);
        Pattern.fill(server.buffer, layout.recvOffset(3), 256, Integrity.seed(Integrity.CLIENT, 0), 0);
        server.round.receivedInto(3);
        assertNull(check.verify(server, 256, 1));
        assertEquals("QP #0: received 1 SENDs, the client sent 2", check.verify(server, 256, 2));
    }
}
