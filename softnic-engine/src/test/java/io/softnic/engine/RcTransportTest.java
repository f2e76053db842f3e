package io.softnic.engine;

import io.softnic.engine.counters.EngineCounters;
import io.softnic.verbs.IbvRecvWr;
import io.softnic.verbs.IbvSendFlags;
import io.softnic.verbs.IbvSendWr;
import io.softnic.verbs.IbvWc;
import io.softnic.verbs.IbvWcOpcode;
import io.softnic.verbs.IbvWcStatus;
import io.softnic.verbs.IbvWrOpcode;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Every RC opcode end to end over real UDP between two engines on loopback, data checked byte for byte. */
@Timeout(30)
class RcTransportTest
{
    RcPair pair;
    final IbvSendWr swr = new IbvSendWr();
    final IbvRecvWr rwr = new IbvRecvWr();

    EngineContext engine(final String name, final String address)
    {
        return RcPair.engine(name, address, ThreadingMode.SHARED);
    }

    @BeforeEach
    void setUp()
    {
        pair = new RcPair(engine("a", "127.0.0.2"), engine("b", "127.0.0.3"));
    }

    @AfterEach
    void tearDown()
    {
        pair.close();
    }

    private static void fill(final MemorySegment seg, final long offset, final int length, final int seed)
    {
        for (int i = 0; i < length; i++)
        {
            seg.set(ValueLayout.JAVA_BYTE, offset + i, (byte)(seed + i * 31));
        }
    }

    private static void assertSame(final MemorySegment x, final long xo, final MemorySegment y, final long yo, final int n)
    {
        assertEquals(-1, MemorySegment.mismatch(x, xo, xo + n, y, yo, yo + n), "payload differs");
    }

    @Test
    void sendAndReceiveAcrossManyPackets()
    {
        final int length = 10_000; // 10 packets at MTU 1024
        fill(pair.a.buffer, 0, length, 7);
        rwr.wrId = 42;
        rwr.sge(pair.b.mr.addr() + 4096, 16384, pair.b.mr.lkey());
        pair.b.qp.postRecv(rwr);

        swr.reset();
        swr.wrId = 1;
        swr.opcode = IbvWrOpcode.SEND;
        swr.sendFlags = IbvSendFlags.SIGNALED;
        swr.sge(pair.a.mr.addr(), length, pair.a.mr.lkey());
        pair.a.qp.postSend(swr);

        final IbvWc send = pair.a.awaitOne(pair.a.sendCq);
        assertEquals(IbvWcStatus.SUCCESS, send.status, send.toString());
        assertEquals(IbvWcOpcode.SEND, send.opcode);
        final IbvWc recv = pair.b.awaitOne(pair.b.recvCq);
        assertEquals(IbvWcStatus.SUCCESS, recv.status, recv.toString());
        assertEquals(42, recv.wrId);
        assertEquals(IbvWcOpcode.RECV, recv.opcode);
        assertEquals(length, recv.byteLen);
        assertSame(pair.a.buffer, 0, pair.b.buffer, 4096, length);
    }

    @Test
    void sendWithImmediateAndInline()
    {
        rwr.wrId = 7;
        rwr.sge(pair.b.mr.addr(), 256, pair.b.mr.lkey());
        pair.b.qp.postRecv(rwr);
        final MemorySegment inline = MemorySegment.ofArray("hello, softnic".getBytes());
        swr.reset();
        swr.opcode = IbvWrOpcode.SEND_WITH_IMM;
        swr.immData = 0xCAFEBABE;
        swr.sendFlags = IbvSendFlags.SIGNALED | IbvSendFlags.INLINE;
        swr.inlineData = inline;
        pair.a.qp.postSend(swr);
        assertTrue(RcPair.ok(pair.a.awaitOne(pair.a.sendCq)));
        final IbvWc recv = pair.b.awaitOne(pair.b.recvCq);
        assertEquals(IbvWcStatus.SUCCESS, recv.status);
        assertTrue(recv.withImm());
        assertEquals(0xCAFEBABE, recv.immData);
        assertEquals(14, recv.byteLen);
        assertSame(inline, 0, pair.b.buffer, 0, 14);
    }

    @Test
    void rdmaWriteAndWriteWithImmediate()
    {
        final int length = 65536;
        fill(pair.a.buffer, 0, length, 3);
        swr.reset();
        swr.opcode = IbvWrOpcode.RDMA_WRITE;
        swr.sendFlags = IbvSendFlags.SIGNALED;
        swr.remoteAddr = pair.b.mr.addr() + 100;
        swr.rkey = pair.b.mr.rkey();
        swr.sge(pair.a.mr.addr(), length, pair.a.mr.lkey());
        pair.a.qp.postSend(swr);
        final IbvWc wc = pair.a.awaitOne(pair.a.sendCq);
        assertEquals(IbvWcStatus.SUCCESS, wc.status, wc.toString());
        assertEquals(IbvWcOpcode.RDMA_WRITE, wc.opcode);
        assertSame(pair.a.buffer, 0, pair.b.buffer, 100, length);

        rwr.wrId = 9;
        rwr.numSge = 0;
        pair.b.qp.postRecv(rwr);
        swr.opcode = IbvWrOpcode.RDMA_WRITE_WITH_IMM;
        swr.immData = 77;
        swr.sge(pair.a.mr.addr(), 3000, pair.a.mr.lkey());
        pair.a.qp.postSend(swr);
        assertTrue(RcPair.ok(pair.a.awaitOne(pair.a.sendCq)));
        final IbvWc recv = pair.b.awaitOne(pair.b.recvCq);
        assertEquals(IbvWcStatus.SUCCESS, recv.status, recv.toString());
        assertEquals(IbvWcOpcode.RECV_RDMA_WITH_IMM, recv.opcode);
        assertEquals(77, recv.immData);
        assertEquals(3000, recv.byteLen);
    }

    @Test
    void rdmaRead()
    {
        final int length = 20_000;
        fill(pair.b.buffer, 5000, length, 11);
        swr.reset();
        swr.opcode = IbvWrOpcode.RDMA_READ;
        swr.sendFlags = IbvSendFlags.SIGNALED;
        swr.remoteAddr = pair.b.mr.addr() + 5000;
        swr.rkey = pair.b.mr.rkey();
        swr.sge(pair.a.mr.addr() + 64, length, pair.a.mr.lkey());
        pair.a.qp.postSend(swr);
        final IbvWc wc = pair.a.awaitOne(pair.a.sendCq);
        assertEquals(IbvWcStatus.SUCCESS, wc.status, wc.toString());
        assertEquals(IbvWcOpcode.RDMA_READ, wc.opcode);
        assertEquals(length, wc.byteLen);
        assertSame(pair.b.buffer, 5000, pair.a.buffer, 64, length);
    }

    @Test
    void atomics()
    {
        pair.b.buffer.set(ValueLayout.JAVA_LONG, 8, 100L);
        swr.reset();
        swr.opcode = IbvWrOpcode.ATOMIC_FETCH_AND_ADD;
        swr.sendFlags = IbvSendFlags.SIGNALED;
        swr.remoteAddr = pair.b.mr.addr() + 8;
        swr.rkey = pair.b.mr.rkey();
        swr.compareAdd = 5;
        swr.sge(pair.a.mr.addr(), 8, pair.a.mr.lkey());
        pair.a.qp.postSend(swr);
        IbvWc wc = pair.a.awaitOne(pair.a.sendCq);
        assertEquals(IbvWcStatus.SUCCESS, wc.status, wc.toString());
        assertEquals(IbvWcOpcode.FETCH_ADD, wc.opcode);
        assertEquals(100L, pair.a.buffer.get(ValueLayout.JAVA_LONG, 0));
        assertEquals(105L, pair.b.buffer.get(ValueLayout.JAVA_LONG, 8));

        swr.opcode = IbvWrOpcode.ATOMIC_CMP_AND_SWP;
        swr.compareAdd = 105;
        swr.swap = 999;
        swr.sge(pair.a.mr.addr() + 16, 8, pair.a.mr.lkey());
        pair.a.qp.postSend(swr);
        wc = pair.a.awaitOne(pair.a.sendCq);
        assertEquals(IbvWcStatus.SUCCESS, wc.status);
        assertEquals(IbvWcOpcode.COMP_SWAP, wc.opcode);
        assertEquals(105L, pair.a.buffer.get(ValueLayout.JAVA_LONG, 16));
        assertEquals(999L, pair.b.buffer.get(ValueLayout.JAVA_LONG, 8));

        swr.compareAdd = 1; // does not match: no swap, original returned
        swr.swap = 5;
        pair.a.qp.postSend(swr);
        wc = pair.a.awaitOne(pair.a.sendCq);
        assertEquals(IbvWcStatus.SUCCESS, wc.status);
        assertEquals(999L, pair.a.buffer.get(ValueLayout.JAVA_LONG, 16));
        assertEquals(999L, pair.b.buffer.get(ValueLayout.JAVA_LONG, 8));
    }

    @Test
    void manyWritesPipelinedWithUnsignaledCompletions()
    {
        final int n = 2000;
        fill(pair.a.buffer, 0, 4096, 1);
        long posted = 0;
        long completed = 0;
        final IbvWc[] wcs = new IbvWc[32];
        for (int i = 0; i < wcs.length; i++)
        {
            wcs[i] = new IbvWc();
        }
        final long deadline = System.nanoTime() + 20_000_000_000L;
        while (completed < n && System.nanoTime() < deadline)
        {
            while (posted < n && posted - completed < 256)
            {
                swr.reset();
                swr.wrId = posted;
                swr.opcode = IbvWrOpcode.RDMA_WRITE;
                swr.sendFlags = (posted % 16 == 15 || posted == n - 1) ? IbvSendFlags.SIGNALED : 0;
                swr.remoteAddr = pair.b.mr.addr() + (posted % 64) * 4096;
                swr.rkey = pair.b.mr.rkey();
                swr.sge(pair.a.mr.addr(), 4096, pair.a.mr.lkey());
                pair.a.qp.postSend(swr);
                posted++;
            }
            final int got = pair.a.sendCq.poll(wcs, wcs.length);
            if (got == 0)
            {
                pair.b.engine.drive();
            }
            for (int i = 0; i < got; i++)
            {
                assertEquals(IbvWcStatus.SUCCESS, wcs[i].status, wcs[i] + " a=" + pair.a.engine.counters().snapshot() + " b=" + pair.b.engine.counters().snapshot());
                completed = wcs[i].wrId + 1;
            }
        }
        assertEquals(n, completed);
        for (int k = 0; k < 64; k++)
        {
            assertSame(pair.a.buffer, 0, pair.b.buffer, k * 4096L, 4096);
        }
        assertTrue(pair.b.engine.counters().get(EngineCounters.ACKS_SENT) > 0);
    }
}
