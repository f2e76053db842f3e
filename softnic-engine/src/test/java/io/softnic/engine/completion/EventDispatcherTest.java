package io.softnic.engine.completion;

import io.softnic.engine.RcPair;
import io.softnic.engine.ThreadingMode;
import io.softnic.engine.counters.EngineCounters;
import io.softnic.verbs.CqModeration;
import io.softnic.verbs.EventDispatcher;
import io.softnic.verbs.IbvCompChannel;
import io.softnic.verbs.IbvContext;
import io.softnic.verbs.IbvCq;
import io.softnic.verbs.IbvRecvWr;
import io.softnic.verbs.IbvSendFlags;
import io.softnic.verbs.IbvSendWr;
import io.softnic.verbs.IbvWc;
import io.softnic.verbs.IbvWcStatus;
import io.softnic.verbs.IbvWrOpcode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Events end to end between two engines over UDP: CQs armed through the verbs API, the engine posting EQEs, handler
 * threads sleeping on their EQs (parked, or on the futex) and woken only by events, completion channels.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class EventDispatcherTest
{
    private static RcPair pair(final String tag, final int hostA, final int hostB)
    {
        return new RcPair(
            RcPair.engine(tag + "-a", "127.0.0." + hostA, ThreadingMode.SHARED),
            RcPair.engine(tag + "-b", "127.0.0." + hostB, ThreadingMode.SHARED));
    }

    private static void write(final RcPair p, final IbvSendWr wr, final long wrId)
    {
        wr.reset();
        wr.wrId = wrId;
        wr.opcode = IbvWrOpcode.RDMA_WRITE;
        wr.sendFlags = IbvSendFlags.SIGNALED;
        wr.remoteAddr = p.b.mr.addr() + (wrId % 1024) * 64;
        wr.rkey = p.b.mr.rkey();
        wr.sge(p.a.mr.addr(), 64, p.a.mr.lkey());
        p.a.qp.postSend(wr);
    }

    private static void awaitCount(final AtomicLong count, final long n)
    {
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (count.get() < n && System.nanoTime() < deadline)
        {
            Thread.onSpinWait();
            java.util.concurrent.locks.LockSupport.parkNanos(100_000);
        }
        assertEquals(n, count.get(), "completions handled");
    }

    @ParameterizedTest(name = "futex={0}")
    @ValueSource(booleans = {false, true})
    void theHandlerThreadOfTheEqGetsEveryCompletionInOrderAndIsWokenByEvents(final boolean futex)
    {
        try (RcPair p = pair(futex ? "edf" : "edp", futex ? 61 : 63, futex ? 62 : 64); IbvContext ctx = p.a.ctx)
        {
            final EventDispatcher d = p.a.ctx.eventDispatcher().spinNanos(0).preferFutex(futex);
            final AtomicLong handled = new AtomicLong();
            final AtomicLong outOfOrder = new AtomicLong();
            final AtomicLong failed = new AtomicLong();
            final Set<Thread> threads = ConcurrentHashMap.newKeySet();
            final IbvWc[] wcs = new IbvWc[32];
            for (int i = 0; i < wcs.length; i++)
            {
                wcs[i] = new IbvWc();
            }
            d.register(p.a.sendCq, false, cq ->
            {
                threads.add(Thread.currentThread());
                int n;
                while ((n = cq.poll(wcs)) > 0)
                {
                    for (int i = 0; i < n; i++)
                    {
                        if (wcs[i].status != IbvWcStatus.SUCCESS)
                        {
                            failed.incrementAndGet();
                        }
                        if (wcs[i].wrId != handled.get())
                        {
                            outOfOrder.incrementAndGet();
                        }
                        handled.incrementAndGet();
                    }
                }
            });
            final IbvSendWr wr = new IbvSendWr();
            final int rounds = 40;
            final int burst = 25;
            long posted = 0;
            for (int r = 0; r < rounds; r++)
            {
                for (int i = 0; i < burst; i++)
                {
                    write(p, wr, posted++);
                }
                awaitCount(handled, posted); // the handler sleeps between bursts: each burst needs a wake
            }
            assertEquals(0, failed.get());
            assertEquals(0, outOfOrder.get(), "completions reach the handler in order");
            assertEquals(Set.of(d.handlerThread(0)), threads, "only the EQ's handler thread handled them");
            final EngineCounters counters = p.a.engine.counters();
            assertTrue(p.a.sendCq.events() >= rounds, "at least an event per burst: " + p.a.sendCq.events());
            assertEquals(p.a.sendCq.events(), counters.get(EngineCounters.CQ_EVENTS));
            final long wakes = counters.get(EngineCounters.EQ_WAKES);
            assertTrue(wakes >= rounds / 2, "the sleeping handler was woken by events: " + wakes);
            assertTrue(wakes <= counters.get(EngineCounters.CQ_EVENTS), "never more wakes than events");
            assertTrue(d.sleeps(0) >= rounds / 2, "the handler slept between bursts: " + d.sleeps(0));
            assertEquals(0, counters.get(EngineCounters.EQ_OVERFLOWS));
        }
    }

    @Test
    void coalescingPostsFewerEventsThanCompletions()
    {
        try (RcPair p = pair("edc", 65, 66); IbvContext ctx = p.a.ctx)
        {
            p.a.ctx.eventDispatcher().spinNanos(0);
            p.a.sendCq.modifyModeration(CqModeration.fixed(500, 16));
            assertEquals(16, p.a.sendCq.moderationFrames(), "ibv_modify_cq shows in the CQ");
            assertEquals(500, p.a.sendCq.moderationUsecs());
            ctx.modifyEqModeration(0, CqModeration.fixed(100, 8));
            assertEquals(8, p.a.recvCq.moderationFrames(), "a CQ without its own follows its EQ's (ethtool -C)");
            assertEquals(16, p.a.sendCq.moderationFrames(), "a CQ with its own keeps it");
            final AtomicLong handled = new AtomicLong();
            final IbvWc[] wcs = new IbvWc[64];
            for (int i = 0; i < wcs.length; i++)
            {
                wcs[i] = new IbvWc();
            }
            p.a.ctx.eventDispatcher().register(p.a.sendCq, false, cq ->
            {
                int n;
                while ((n = cq.poll(wcs)) > 0)
                {
                    handled.addAndGet(n);
                }
            });
            final IbvSendWr wr = new IbvSendWr();
            long posted = 0;
            for (int r = 0; r < 8; r++)
            {
                for (int i = 0; i < 256; i++)
                {
                    write(p, wr, posted++);
                }
                awaitCount(handled, posted);
            }
            final long events = p.a.sendCq.events();
            assertTrue(events * 2 <= posted, "coalesced: " + events + " events for " + posted + " completions");
            final long perEvent = p.a.engine.counters().get(EngineCounters.CQ_EVENT_COMPLETIONS) / Math.max(1, events);
            assertTrue(perEvent >= 2, "completions per event: " + perEvent);
            System.out.println("coalescing fixed(500us, 16): " + events + " events, " + perEvent +
                " completions per event, " + p.a.engine.counters().get(EngineCounters.EQ_WAKES) + " wakes for " +
                posted + " completions");
        }
    }

    @Test
    void completionChannelDeliversArmedEventsAndDestroyWaitsForTheirAck() throws Exception
    {
        final List<IbvCompChannel> channels = new ArrayList<>();
        try (RcPair p = new RcPair(
            RcPair.engine("edch-a", "127.0.0.67", ThreadingMode.SHARED),
            RcPair.engine("edch-b", "127.0.0.68", ThreadingMode.SHARED),
            io.softnic.verbs.IbvAccess.LOCAL_WRITE | io.softnic.verbs.IbvAccess.ALL_REMOTE,
            init ->
            {
                final IbvContext c = init.sendCq.context();
                final IbvCompChannel ch = c.createCompChannel();
                channels.add(ch);
                init.sendCq = c.createCq(256, 1, ch);
                init.recvCq = c.createCq(256, 1, ch);
            },
            attr -> { });
            IbvContext ctxA = p.a.ctx;
            IbvContext ctxB = p.b.ctx)
        {
            final IbvCompChannel chA = channels.get(0);
            final IbvCompChannel chB = channels.get(1);
            final IbvCq sendCq = p.a.qp.sendCq();
            final IbvCq recvCq = p.b.qp.recvCq();
            assertSame(chA, sendCq.channel());

            // an unarmed CQ delivers nothing
            final IbvSendWr wr = new IbvSendWr();
            write(p, wr, 1);
            assertEquals(1, p.a.await(sendCq, 1, java.time.Duration.ofSeconds(10)).size());
            assertNull(chA.getCqEvent(100, TimeUnit.MILLISECONDS), "not armed: no event");

            // armed: one event, then the CQ is disarmed
            assertFalse(sendCq.reqNotify(false), "nothing waiting when armed");
            write(p, wr, 2);
            assertSame(sendCq, chA.getCqEvent(10, TimeUnit.SECONDS));
            assertFalse(sendCq.armed(), "one-shot");
            assertEquals(1, p.a.await(sendCq, 1, java.time.Duration.ofSeconds(10)).size());
            write(p, wr, 3);
            assertEquals(1, p.a.await(sendCq, 1, java.time.Duration.ofSeconds(10)).size());
            assertNull(chA.getCqEvent(100, TimeUnit.MILLISECONDS), "not re-armed: no second event");
            assertEquals(1, sendCq.unackedEvents());

            // solicited-only: a plain SEND does not fire it, a SOLICITED one does
            final IbvRecvWr rwr = new IbvRecvWr();
            for (int i = 0; i < 2; i++)
            {
                rwr.wrId = 100 + i;
                rwr.sge(p.b.mr.addr() + 8192L * i, 4096, p.b.mr.lkey());
                p.b.qp.postRecv(rwr);
            }
            recvCq.reqNotify(true);
            send(p, wr, 0);
            assertEquals(1, p.b.await(recvCq, 1, java.time.Duration.ofSeconds(10)).size());
            assertNull(chB.getCqEvent(200, TimeUnit.MILLISECONDS), "unsolicited: no event");
            send(p, wr, IbvSendFlags.SOLICITED);
            assertSame(recvCq, chB.getCqEvent(10, TimeUnit.SECONDS), "solicited: event");
            assertEquals(1, p.b.await(recvCq, 1, java.time.Duration.ofSeconds(10)).size());
            chB.ackCqEvents(recvCq, 1);

            // destroy waits for the ack of the event it handed out
            p.a.qp.close();
            final Thread destroyer = new Thread(sendCq::close);
            destroyer.start();
            destroyer.join(300);
            assertTrue(destroyer.isAlive(), "ibv_destroy_cq waits while an event is unacked");
            chA.ackCqEvents(sendCq, 1);
            destroyer.join(10_000);
            assertFalse(destroyer.isAlive(), "acked: the destroy goes through");
            assertEquals(0, sendCq.unackedEvents());
        }
    }

    private static void send(final RcPair p, final IbvSendWr wr, final int flags)
    {
        wr.reset();
        wr.wrId = 50;
        wr.opcode = IbvWrOpcode.SEND;
        wr.sendFlags = IbvSendFlags.SIGNALED | flags;
        wr.sge(p.a.mr.addr(), 128, p.a.mr.lkey());
        p.a.qp.postSend(wr);
        assertNotNull(p.a.await(p.a.qp.sendCq(), 1, java.time.Duration.ofSeconds(10)));
    }
}
