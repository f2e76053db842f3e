package io.softnic.engine.completion;

import io.softnic.engine.RcPair;
import io.softnic.engine.ThreadingMode;
import io.softnic.hostif.CpuAffinity;
import io.softnic.verbs.CompVector;
import io.softnic.verbs.EventDispatcher;
import io.softnic.verbs.IbvAccess;
import io.softnic.verbs.IbvContext;
import io.softnic.verbs.IbvCq;
import io.softnic.verbs.IbvSendFlags;
import io.softnic.verbs.IbvSendWr;
import io.softnic.verbs.IbvWc;
import io.softnic.verbs.IbvWrOpcode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Handler threads pinned to their vector's CPU ({@link EventDispatcher#pinHandlers}): a pinned handler runs its
 * handlers on that CPU ({@code sched_getcpu}); one whose CPU the machine lacks says why and runs unpinned.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class EventHandlerPinningTest
{
    private static final int WRITES = 200;

    /** Where the handler of the CQ on {@code vector} ran, and how many completions it took. */
    private record Run(Set<Integer> cpus, long handled, EventDispatcher dispatcher)
    {
    }

    private static Run writesHandledOnVector(final String tag, final int hostA, final int hostB, final int vectors,
        final int vector)
    {
        final IbvCq[] cqOfA = new IbvCq[1];
        try (RcPair p = new RcPair(
            RcPair.engine(tag + "-a", "127.0.0." + hostA, ThreadingMode.SHARED).numCompVectors(vectors),
            RcPair.engine(tag + "-b", "127.0.0." + hostB, ThreadingMode.SHARED).numCompVectors(vectors),
            IbvAccess.LOCAL_WRITE | IbvAccess.ALL_REMOTE,
            init ->
            {
                final IbvCq cq = init.sendCq.context().createCq(1024, vector);
                if (cqOfA[0] == null)
                {
                    cqOfA[0] = cq;
                }
                init.sendCq = cq;
            },
            attr -> { });
            IbvContext ctx = p.a.ctx)
        {
            final IbvCq cq = cqOfA[0];
            final Set<Integer> cpus = ConcurrentHashMap.newKeySet();
            final AtomicLong handled = new AtomicLong();
            final IbvWc[] wcs = {new IbvWc(), new IbvWc(), new IbvWc(), new IbvWc()};
            final EventDispatcher d = ctx.eventDispatcher().pinHandlers(true);
            d.register(cq, false, c ->
            {
                cpus.add(CompVector.cpu());
                for (int n = c.poll(wcs); n > 0; n = c.poll(wcs))
                {
                    handled.addAndGet(n);
                }
            });
            final IbvSendWr wr = new IbvSendWr();
            for (int i = 0; i < WRITES; i++)
            {
                wr.reset();
                wr.wrId = i;
                wr.opcode = IbvWrOpcode.RDMA_WRITE;
                wr.sendFlags = IbvSendFlags.SIGNALED;
                wr.remoteAddr = p.b.mr.addr() + (i % 64) * 64L;
                wr.rkey = p.b.mr.rkey();
                wr.sge(p.a.mr.addr(), 64, p.a.mr.lkey());
                p.a.qp.postSend(wr);
                if (i % 16 == 15)
                {
                    LockSupport.parkNanos(200_000); // let the handler sleep and be woken now and then
                }
            }
            final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (handled.get() < WRITES && System.nanoTime() < deadline)
            {
                LockSupport.parkNanos(1_000_000);
            }
            return new Run(Set.copyOf(cpus), handled.get(), d);
        }
    }

    @Test
    void aPinnedHandlerRunsOnItsVectorsCpu()
    {
        assumeTrue(CpuAffinity.available(), "sched_setaffinity is Linux only");
        final int vector = Runtime.getRuntime().availableProcessors() - 1;
        // the machine has that CPU if this thread may run there (the vector numbers the process's CPUs from 0)
        final String[] failure = new String[1];
        final Thread prober = Thread.ofPlatform().start(() -> failure[0] = CpuAffinity.pin(vector));
        try
        {
            prober.join();
        }
        catch (final InterruptedException ex)
        {
            throw new AssertionError(ex);
        }
        assumeTrue(failure[0] == null, "this process may not run on CPU " + vector + ": " + failure[0]);

        final Run run = writesHandledOnVector("pin", 181, 182, vector + 1, vector);
        assertEquals(WRITES, run.handled(), "every completion handled");
        assertTrue(run.dispatcher().pinned(vector), "handler of vector " + vector + " pinned");
        assertNull(run.dispatcher().pinFailure(vector));
        assertEquals(Set.of(vector), run.cpus(), "the handler ran on CPU " + vector + " only");
    }

    @Test
    void aHandlerWhoseCpuIsMissingSaysWhyAndRunsUnpinned()
    {
        final int vector = 200; // no machine this runs on gives the process CPU 200
        final Run run = writesHandledOnVector("nopin", 183, 184, 201, vector);
        assertEquals(WRITES, run.handled(), "every completion handled, unpinned");
        assertFalse(run.dispatcher().pinned(vector));
        final String why = run.dispatcher().pinFailure(vector);
        assertNotNull(why);
        assertTrue(why.contains("CPU 200"), why);
        assertFalse(run.cpus().isEmpty());
    }
}
