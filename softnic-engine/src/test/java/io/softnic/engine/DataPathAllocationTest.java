package io.softnic.engine;

import io.softnic.verbs.IbvSendFlags;
import io.softnic.verbs.IbvSendWr;
import io.softnic.verbs.IbvWc;
import io.softnic.verbs.IbvWcStatus;
import io.softnic.verbs.IbvWrOpcode;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.lang.management.ManagementFactory;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * In INVOKER threading the test's own thread runs both devices, so the JVM's per-thread allocation counter sees
 * everything the data path allocates: posting, doorbells, the TX and RX pipelines, the transport, completions.
 */
@Timeout(60)
class DataPathAllocationTest
{
    @Test
    void steadyStateWritesAllocateNothingPerOperation()
    {
        final java.lang.management.ThreadMXBean bean = ManagementFactory.getThreadMXBean();
        Assumptions.assumeTrue(bean instanceof com.sun.management.ThreadMXBean,
            "this JVM has no per-thread allocation counter: skipping");
        final com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean)bean;
        Assumptions.assumeTrue(threads.isThreadAllocatedMemorySupported(), "allocation counting unsupported: skipping");
        threads.setThreadAllocatedMemoryEnabled(true);

        try (RcPair pair = new RcPair(RcPair.engine("a", "127.0.0.2", ThreadingMode.INVOKER),
            RcPair.engine("b", "127.0.0.3", ThreadingMode.INVOKER)))
        {
            final IbvSendWr wr = new IbvSendWr();
            final IbvWc[] wcs = new IbvWc[32];
            for (int i = 0; i < wcs.length; i++)
            {
                wcs[i] = new IbvWc();
            }
            run(pair, wr, wcs, 50_000); // warm up: JIT, caches
            final long tid = Thread.currentThread().threadId();
            final long before = threads.getThreadAllocatedBytes(tid);
            final int ops = 1_000_000;
            run(pair, wr, wcs, ops);
            final long allocated = threads.getThreadAllocatedBytes(tid) - before;
            final double perOp = (double)allocated / ops;
            System.out.printf("data path allocation: %d bytes over %d 64-byte writes = %.3f bytes/op%n",
                allocated, ops, perOp);
            assertTrue(perOp < 1.0, "allocated " + allocated + " bytes over " + ops + " writes (" + perOp + " per op)");
        }
    }

    private static void run(final RcPair pair, final IbvSendWr wr, final IbvWc[] wcs, final int ops)
    {
        long posted = 0;
        long completed = 0;
        while (completed < ops)
        {
            while (posted < ops && posted - completed < 64)
            {
                wr.reset();
                wr.wrId = posted;
                wr.opcode = IbvWrOpcode.RDMA_WRITE;
                wr.sendFlags = (posted % 16 == 15 || posted == ops - 1) ? IbvSendFlags.SIGNALED : 0;
                wr.remoteAddr = pair.b.mr.addr();
                wr.rkey = pair.b.mr.rkey();
                wr.sge(pair.a.mr.addr(), 64, pair.a.mr.lkey());
                pair.a.qp.postSend(wr);
                posted++;
            }
            pair.b.engine.drive();
            final int n = pair.a.sendCq.poll(wcs, wcs.length);
            for (int i = 0; i < n; i++)
            {
                assertEquals(IbvWcStatus.SUCCESS, wcs[i].status);
                completed = wcs[i].wrId + 1;
            }
        }
    }
}
