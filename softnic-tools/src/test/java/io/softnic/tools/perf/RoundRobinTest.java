package io.softnic.tools.perf;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** The bandwidth engine's posting order: one request per QP per pass, not each QP filled to its depth in turn. */
@Timeout(10)
class RoundRobinTest
{
    private final List<String> order = new ArrayList<>();
    private final RoundRobin.Post record = (q, seq) -> order.add(q + ":" + seq);

    @Test
    void interleavesQpsOneRequestPerPass()
    {
        final long[] posted = new long[3];
        final long[] completed = new long[3];
        final long[] target = {Long.MAX_VALUE, Long.MAX_VALUE, Long.MAX_VALUE};
        final RoundRobin rr = new RoundRobin(3);
        assertEquals(6, rr.fill(posted, completed, target, 2, record));
        assertEquals(List.of("0:0", "1:0", "2:0", "0:1", "1:1", "2:1"), order);
        assertArrayEquals(new long[] {2, 2, 2}, posted);

        order.clear();
        assertEquals(0, rr.fill(posted, completed, target, 2, record), "every QP is at its depth");
        completed[2] = 2; // QP 2's requests complete, then QP 0's first
        completed[0] = 1;
        assertEquals(0, rr.fill(posted, completed, target, 2, record), "not looked at until told of the room");
        rr.room(2);
        rr.room(0);
        assertEquals(3, rr.fill(posted, completed, target, 2, record));
        assertEquals(List.of("0:2", "2:2", "2:3"), order);
    }

    @Test
    void stopsAtEachQpsTarget()
    {
        final long[] posted = new long[2];
        final long[] completed = new long[2];
        final long[] target = {1, 3};
        assertEquals(4, new RoundRobin(2).fill(posted, completed, target, 8, record));
        assertEquals(List.of("0:0", "1:0", "1:1", "1:2"), order);
    }

    @Test
    void manyQpsAcrossWordsOnlyThoseWithRoom()
    {
        final int qps = 130;
        final long[] posted = new long[qps];
        final long[] completed = new long[qps];
        final long[] target = new long[qps];
        java.util.Arrays.fill(target, Long.MAX_VALUE);
        final RoundRobin rr = new RoundRobin(qps);
        assertEquals(qps, rr.fill(posted, completed, target, 1, record));
        order.clear();
        completed[129] = 1;
        completed[64] = 1;
        rr.room(129);
        rr.room(64);
        assertEquals(2, rr.fill(posted, completed, target, 1, record));
        assertEquals(List.of("64:1", "129:1"), order);
    }

    @Test
    void oneQpFillsToItsDepth()
    {
        final long[] posted = new long[1];
        assertEquals(4, new RoundRobin(1).fill(posted, new long[1], new long[] {100}, 4, record));
        assertEquals(List.of("0:0", "0:1", "0:2", "0:3"), order);
    }
}
