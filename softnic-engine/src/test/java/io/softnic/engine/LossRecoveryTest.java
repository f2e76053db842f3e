package io.softnic.engine;

import io.softnic.engine.port.NativeUdpSocket;
import io.softnic.engine.port.PortIo;
import io.softnic.engine.counters.EngineCounters;
import io.softnic.engine.fault.FaultInjector;
import io.softnic.verbs.IbvRecvWr;
import io.softnic.verbs.IbvSendFlags;
import io.softnic.verbs.IbvSendWr;
import io.softnic.verbs.IbvWc;
import io.softnic.verbs.IbvWcOpcode;
import io.softnic.verbs.IbvWcStatus;
import io.softnic.verbs.IbvWrOpcode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.lang.foreign.ValueLayout;
import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The receive paths of both engines drop, duplicate, reorder and corrupt 5% of packets each (seeded). Every message
 * must still arrive exactly once and in order, atomics must execute exactly once, and the counters must show the
 * recovery that made it so.
 */
@Timeout(60)
class LossRecoveryTest
{
    private static final int MESSAGES = 300;
    private static final int SIZE = 3000; // 3 packets at MTU 1024

    /** Each seed also picks a port I/O path (seeds 1, 7, 42, 1235: MMSG, MMSG, AUTO, CHANNEL), so loss recovery
     * is exercised over every path the suite has; AUTO is GSO where the kernel has it. */
    private static EngineContext lossy(final String name, final String address, final long seed)
    {
        final PortIo[] paths = {PortIo.AUTO, PortIo.MMSG, PortIo.CHANNEL};
        final PortIo path = NativeUdpSocket.isAvailable() ? paths[(int)(seed % paths.length)] : PortIo.CHANNEL;
        return RcPair.engine(name, address).portIo(path).faults(FaultInjector.Config.uniform(0.05, seed));
    }

    @org.junit.jupiter.params.ParameterizedTest
    @org.junit.jupiter.params.provider.ValueSource(longs = {1, 7, 42, 1235})
    void everyByteArrivesExactlyOnceInOrder(final long seed)
    {
        try (RcPair pair = new RcPair(lossy("a", "127.0.0.2", seed), lossy("b", "127.0.0.3", seed * 31 + 5),
            io.softnic.verbs.IbvAccess.LOCAL_WRITE | io.softnic.verbs.IbvAccess.ALL_REMOTE, init -> { },
            attr -> attr.timeout = 11))
        {
            final IbvRecvWr rwr = new IbvRecvWr();
            final IbvSendWr swr = new IbvSendWr();
            final long recvBase = 512 * 1024;
            for (int i = 0; i < MESSAGES; i++)
            {
                rwr.wrId = i;
                rwr.sge(pair.b.mr.addr() + recvBase + (long)(i % 64) * 4096, 4096, pair.b.mr.lkey());
                pair.b.qp.postRecv(rwr);
            }
            pair.b.buffer.set(ValueLayout.JAVA_LONG, 0, 0L);
            int received = 0;
            int completed = 0;
            int posted = 0;
            final long deadline = System.nanoTime() + Duration.ofSeconds(45).toNanos();
            final IbvWc[] wcs = new IbvWc[32];
            for (int i = 0; i < wcs.length; i++)
            {
                wcs[i] = new IbvWc();
            }
            while ((received < MESSAGES || completed < 2 * MESSAGES) && System.nanoTime() < deadline)
            {
                while (posted < MESSAGES && posted - received < 32 && 2 * posted - completed < 64)
                {
                    final long src = (long)(posted % 64) * 4096;
                    for (int k = 0; k < SIZE; k += 8)
                    {
                        pair.a.buffer.set(ValueLayout.JAVA_LONG, src + k, ((long)posted << 32) | k);
                    }
                    swr.reset();
                    swr.wrId = posted;
                    swr.opcode = IbvWrOpcode.SEND;
                    swr.sendFlags = IbvSendFlags.SIGNALED;
                    swr.sge(pair.a.mr.addr() + src, SIZE, pair.a.mr.lkey());
                    pair.a.qp.postSend(swr);
                    swr.reset();
                    swr.wrId = 1_000_000 + posted;
                    swr.opcode = IbvWrOpcode.ATOMIC_FETCH_AND_ADD;
                    swr.sendFlags = IbvSendFlags.SIGNALED;
                    swr.remoteAddr = pair.b.mr.addr();
                    swr.rkey = pair.b.mr.rkey();
                    swr.compareAdd = 1;
                    swr.sge(pair.a.mr.addr() + 300 * 1024 + (posted % 64) * 8L, 8, pair.a.mr.lkey());
                    pair.a.qp.postSend(swr);
                    posted++;
                }
                int got = pair.b.recvCq.poll(wcs, wcs.length);
                for (int i = 0; i < got; i++)
                {
                    final IbvWc wc = wcs[i];
                    assertEquals(IbvWcStatus.SUCCESS, wc.status, wc + " " + counters(pair));
                    assertEquals(received, wc.wrId, "receives complete in order");
                    assertEquals(SIZE, wc.byteLen);
                    final long dst = recvBase + (wc.wrId % 64) * 4096;
                    for (int k = 0; k < SIZE; k += 8)
                    {
                        assertEquals(((long)received << 32) | k, pair.b.buffer.get(ValueLayout.JAVA_LONG, dst + k),
                            "message " + received + " byte " + k);
                    }
                    received++;
                }
                got = pair.a.sendCq.poll(wcs, wcs.length);
                for (int i = 0; i < got; i++)
                {
                    assertEquals(IbvWcStatus.SUCCESS, wcs[i].status, wcs[i] + " " + counters(pair));
                    final long expected = (completed % 2 == 0) ? completed / 2 : 1_000_000 + completed / 2;
                    assertEquals(expected, wcs[i].wrId, "send completions in order");
                    if (wcs[i].opcode == IbvWcOpcode.FETCH_ADD)
                    {
                        // exactly-once: each fetch-and-add saw the count of those before it
                        assertEquals(completed / 2, pair.a.buffer.get(ValueLayout.JAVA_LONG,
                            300 * 1024 + ((completed / 2) % 64) * 8L));
                    }
                    completed++;
                }
            }
            assertEquals(MESSAGES, received, counters(pair));
            assertEquals(2 * MESSAGES, completed, counters(pair));
            assertEquals(MESSAGES, pair.b.buffer.get(ValueLayout.JAVA_LONG, 0), "atomics executed exactly once");
            final List<IbvWc> extra = pair.b.drain(pair.b.recvCq, Duration.ofMillis(50));
            assertTrue(extra.isEmpty(), "no duplicate receive completions");

            final EngineCounters ca = pair.a.engine.counters();
            final EngineCounters cb = pair.b.engine.counters();
            assertTrue(cb.get(EngineCounters.FAULT_DROPPED) > 0 && ca.get(EngineCounters.FAULT_DROPPED) > 0);
            assertTrue(cb.get(EngineCounters.ICRC_ERRORS) + ca.get(EngineCounters.ICRC_ERRORS) > 0,
                "corrupted packets are caught by the ICRC");
            assertTrue(ca.get(EngineCounters.RETRANSMITTED_PACKETS) > 0, "losses were repaired by retransmission");
            assertTrue(cb.get(EngineCounters.DUPLICATE_REQUESTS) > 0, "duplicates were recognised");
            assertTrue(cb.get(EngineCounters.NAK_SEQ_SENT) > 0 || ca.get(EngineCounters.RETRANSMIT_TIMEOUTS) > 0);
        }
    }

    @Test
    void readsSurviveLoss()
    {
        try (RcPair pair = new RcPair(lossy("a", "127.0.0.2", 3), lossy("b", "127.0.0.3", 4),
            io.softnic.verbs.IbvAccess.LOCAL_WRITE | io.softnic.verbs.IbvAccess.ALL_REMOTE, init -> { },
            attr -> attr.timeout = 11))
        {
            final int size = 8192;
            for (int k = 0; k < RcPair.BUFFER; k += 8)
            {
                pair.b.buffer.set(ValueLayout.JAVA_LONG, k, k * 7L);
            }
            final IbvSendWr swr = new IbvSendWr();
            for (int i = 0; i < 100; i++)
            {
                final long remote = (long)(i % 100) * size;
                swr.reset();
                swr.wrId = i;
                swr.opcode = IbvWrOpcode.RDMA_READ;
                swr.sendFlags = IbvSendFlags.SIGNALED;
                swr.remoteAddr = pair.b.mr.addr() + remote;
                swr.rkey = pair.b.mr.rkey();
                swr.sge(pair.a.mr.addr(), size, pair.a.mr.lkey());
                pair.a.buffer.fill((byte)0);
                pair.a.qp.postSend(swr);
                final IbvWc wc = pair.a.awaitOne(pair.a.sendCq);
                assertEquals(IbvWcStatus.SUCCESS, wc.status, wc + " " + counters(pair));
                assertEquals(i, wc.wrId);
                for (int k = 0; k < size; k += 8)
                {
                    assertEquals((remote + k) * 7L, pair.a.buffer.get(ValueLayout.JAVA_LONG, k));
                }
            }
        }
    }

    private static String counters(final RcPair pair)
    {
        return "a=" + nonZero(pair.a.engine) + " b=" + nonZero(pair.b.engine);
    }

    private static java.util.Map<String, Long> nonZero(final SoftnicEngine engine)
    {
        final java.util.Map<String, Long> m = new java.util.LinkedHashMap<>(engine.counters().snapshot());
        m.values().removeIf(v -> v == 0);
        return m;
    }
}
