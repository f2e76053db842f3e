package io.softnic.verbs;

import io.softnic.hostif.CpuAffinity;
import io.softnic.hostif.Eqe;
import io.softnic.hostif.EventRing;
import io.softnic.hostif.Futex;

import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.concurrent.locks.LockSupport;

/**
 * The tenant's interrupt handling: one handler thread per event queue (completion vector), started when the first
 * CQ of that vector is registered. A handler drains its EQ and, for each CQ that fired, calls the CQ's handler and
 * re-arms the CQ (calling the handler again while completions slipped in before the re-arm), or hands the event to
 * the CQ's completion channel. With nothing to do it spins a while ({@link #spinNanos}), then announces it sleeps in
 * the EQ's wake word and sleeps: on a futex on that word, which the device (in any process) wakes, or, when the device
 * runs in this process, parked until the device unparks it. Handler threads are bound to their vector, so work
 * posted from a handler completes on the same vector, and where asked ({@link #pinHandlers}) pinned to their CPU.
 */
public final class EventDispatcher implements AutoCloseable
{
    /** Called on a handler thread when a CQ fired; it polls the CQ (ideally until empty). */
    @FunctionalInterface
    public interface CqHandler
    {
        void onEvent(IbvCq cq);
    }

    /** Longest single sleep, so a handler notices close() and a lost wake costs at most this. */
    private static final long MAX_SLEEP_NANOS = 100_000_000L;

    private final IbvContext context;
    /**
     * Registrations by CQN. CQNs are the device's, which for an attached tenant range past its own CQ quota (other
     * vNICs hold the rest), so the table grows when a larger CQN registers (a copy, under the lock; readers see the
     * new table through the volatile field).
     */
    private volatile AtomicReferenceArray<Registration> byCqn;
    private final EqHandler[] handlers;
    private volatile long spinNanos = 20_000;
    private volatile boolean preferFutex;
    private volatile boolean pinHandlers;
    private volatile boolean closed;

    private record Registration(IbvCq cq, CqHandler handler, IbvCompChannel channel, boolean solicitedOnly)
    {
    }

    EventDispatcher(final IbvContext context)
    {
        this.context = context;
        final IbvDeviceAttr attr = context.queryDevice();
        this.byCqn = new AtomicReferenceArray<>(attr.maxCq() + 1);
        this.handlers = new EqHandler[attr.numCompVectors()];
    }

    /** How long a handler spins on its EQ before it sleeps (0: sleep at once). */
    public EventDispatcher spinNanos(final long nanos)
    {
        spinNanos = Math.max(0, nanos);
        return this;
    }

    public long spinNanos()
    {
        return spinNanos;
    }

    /**
     * Sleep on the futex even when the device is in this process (as a tenant in another process must); by default
     * handlers of an embedded device park and are unparked. Set before the first registration.
     */
    public EventDispatcher preferFutex(final boolean futex)
    {
        preferFutex = futex;
        return this;
    }

    /**
     * Pin each handler thread to its vector's CPU (vector v runs on CPU v, as the device's default vectors are the
     * CPUs), with {@code sched_setaffinity}. A handler that cannot be pinned (no such CPU for this process, not Linux)
     * says why on the {@code io.softnic.verbs} logger and in {@link #pinFailure}, and runs unpinned. Set before the
     * first registration: it applies to handler threads as they start.
     */
    public EventDispatcher pinHandlers(final boolean pin)
    {
        pinHandlers = pin;
        return this;
    }

    public boolean pinHandlers()
    {
        return pinHandlers;
    }

    /** Why the handler of a vector could not be pinned, or null (pinned, not asked, or not started). */
    public String pinFailure(final int vector)
    {
        final EqHandler h = handlers[vector];
        return h == null ? null : h.pinFailure;
    }

    /** True once the handler of a vector runs pinned to its CPU. */
    public boolean pinned(final int vector)
    {
        final EqHandler h = handlers[vector];
        return h != null && h.pinned;
    }

    /**
     * Calls {@code handler} on the handler thread of the CQ's vector whenever the CQ fires, and keeps it armed
     * ({@code solicitedOnly}: only solicited and unsuccessful completions fire it). Arms it now.
     */
    public void register(final IbvCq cq, final boolean solicitedOnly, final CqHandler handler)
    {
        add(new Registration(cq, handler, null, solicitedOnly));
        if (cq.reqNotify(solicitedOnly))
        {
            handlers[cq.compVector()].pokeSoon(cq.cqn());
        }
    }

    void registerChannel(final IbvCq cq, final IbvCompChannel channel)
    {
        add(new Registration(cq, null, channel, false));
    }

    private synchronized void add(final Registration r)
    {
        if (closed)
        {
            throw new VerbsException("event dispatcher is closed");
        }
        final int cqn = r.cq().cqn();
        if (cqn <= 0 || cqn >= (1 << 24))
        {
            throw new VerbsException("CQ number " + cqn + " out of range");
        }
        AtomicReferenceArray<Registration> table = byCqn;
        if (cqn >= table.length())
        {
            final AtomicReferenceArray<Registration> grown =
                new AtomicReferenceArray<>(Math.max(cqn + 1, 2 * table.length()));
            for (int i = 0; i < table.length(); i++)
            {
                grown.set(i, table.get(i));
            }
            byCqn = grown;
            table = grown;
        }
        table.set(cqn, r);
        final int vector = r.cq().compVector();
        if (handlers[vector] == null)
        {
            handlers[vector] = new EqHandler(vector);
            handlers[vector].start();
        }
    }

    /** Stops dispatching a CQ's events (a destroyed CQ is unregistered by itself). */
    public synchronized void unregister(final IbvCq cq)
    {
        final int cqn = cq.cqn();
        final AtomicReferenceArray<Registration> table = byCqn;
        if (cqn > 0 && cqn < table.length())
        {
            table.set(cqn, null);
        }
    }

    /** Times the handler of a vector came back from sleeping. */
    public long sleeps(final int vector)
    {
        final EqHandler h = handlers[vector];
        return h == null ? 0 : h.sleeps.get();
    }

    /** EQ entries the handler of a vector has taken. */
    public long eventsHandled(final int vector)
    {
        final EqHandler h = handlers[vector];
        return h == null ? 0 : h.events.get();
    }

    /**
     * Interrupts of a vector's EQ: times the device woke its sleeping handler (the EQ's own counter, in host memory).
     * 0 before the vector's handler started.
     */
    public long interrupts(final int vector)
    {
        final EqHandler h = handlers[vector];
        return h == null ? 0 : h.ring.counter(EventRing.WAKES_OFFSET);
    }

    /** Completions the events of a vector's EQ covered (coalesced batches count each completion). */
    public long eqCompletions(final int vector)
    {
        final EqHandler h = handlers[vector];
        return h == null ? 0 : h.ring.counter(EventRing.COMPLETIONS_OFFSET);
    }

    /** The handler thread of a vector, or null if none started. */
    public Thread handlerThread(final int vector)
    {
        final EqHandler h = handlers[vector];
        return h == null ? null : h.thread;
    }

    @Override
    public void close()
    {
        synchronized (this)
        {
            if (closed)
            {
                return;
            }
            closed = true;
        }
        for (final EqHandler h : handlers)
        {
            if (h != null)
            {
                h.stop();
            }
        }
    }

    private void dispatch(final int cqn)
    {
        final Registration r = registration(cqn);
        if (r == null)
        {
            return; // destroyed or never registered: nothing to call
        }
        if (r.channel() != null)
        {
            r.channel().deliver(r.cq());
            return;
        }
        try
        {
            do
            {
                r.handler().onEvent(r.cq());
            }
            while (registration(cqn) == r && r.cq().reqNotify(r.solicitedOnly()));
        }
        catch (final VerbsException ex)
        {
            // the CQ was destroyed under the handler: it is gone from the table too, nothing to re-arm
            if (registration(cqn) == r)
            {
                throw ex;
            }
        }
    }

    private Registration registration(final int cqn)
    {
        final AtomicReferenceArray<Registration> table = byCqn;
        return cqn > 0 && cqn < table.length() ? table.get(cqn) : null;
    }

    /** One EQ's handler thread. */
    private final class EqHandler implements Runnable
    {
        private final int vector;
        private final EventRing ring;
        private final Futex futex = new Futex();
        private final Thread thread;
        private final AtomicLong sleeps = new AtomicLong();
        private final AtomicLong events = new AtomicLong();
        private volatile boolean running = true;
        /** CQs to handle once without an event (they had completions waiting when registered); rare. */
        private final java.util.concurrent.ConcurrentLinkedQueue<Integer> pokes =
            new java.util.concurrent.ConcurrentLinkedQueue<>();
        private long head;
        private long overflowsSeen;
        private volatile String pinFailure;
        private volatile boolean pinned;

        EqHandler(final int vector)
        {
            this.vector = vector;
            final DeviceControl.EqResources res = context.control().eventQueue(vector);
            this.ring = new EventRing(res.ring(), res.capacity());
            this.head = ring.consumer();
            this.overflowsSeen = ring.overflows();
            this.thread = new Thread(this, "softnic-eq-" + context.deviceName() + "-" + vector);
            thread.setDaemon(true);
        }

        void start()
        {
            thread.start();
        }

        void pokeSoon(final int cqn)
        {
            pokes.add(cqn);
            wakeNow();
        }

        void stop()
        {
            running = false;
            wakeNow();
            try
            {
                thread.join(5_000);
            }
            catch (final InterruptedException ex)
            {
                Thread.currentThread().interrupt();
            }
        }

        private void wakeNow()
        {
            ring.awake();
            LockSupport.unpark(thread);
            if (Futex.available())
            {
                Futex.wake(ring.region(), EventRing.WAKE_OFFSET, 1);
            }
        }

        @Override
        public void run()
        {
            CompVector.bind(vector);
            if (pinHandlers)
            {
                pin();
            }
            final boolean parked = !preferFutex && context.control().eventQueueWaiter(vector, thread) ||
                !Futex.available();
            try
            {
                long idleSince = System.nanoTime();
                while (running)
                {
                    if (drain() > 0)
                    {
                        idleSince = System.nanoTime();
                        continue;
                    }
                    if (System.nanoTime() - idleSince < spinNanos)
                    {
                        Thread.onSpinWait();
                        continue;
                    }
                    ring.sleeping();
                    // look once more after saying so: an event published before the device read the word is seen here
                    if (!running || ring.available(head) || ring.overflows() != overflowsSeen || !pokes.isEmpty())
                    {
                        ring.awake();
                        continue;
                    }
                    if (parked)
                    {
                        LockSupport.parkNanos(this, MAX_SLEEP_NANOS);
                    }
                    else
                    {
                        futex.await(ring.region(), EventRing.WAKE_OFFSET, EventRing.SLEEPING, MAX_SLEEP_NANOS);
                    }
                    ring.awake();
                    sleeps.incrementAndGet();
                    idleSince = System.nanoTime();
                }
            }
            finally
            {
                if (parked)
                {
                    context.control().eventQueueWaiter(vector, null);
                }
            }
        }

        private void pin()
        {
            final String failure = CpuAffinity.pin(vector);
            if (failure == null)
            {
                pinned = true;
                return;
            }
            pinFailure = failure;
            System.getLogger("io.softnic.verbs").log(System.Logger.Level.WARNING, "event handler of vector " +
                vector + " (" + thread.getName() + ") not pinned to CPU " + vector + ": " + failure +
                "; it runs unpinned");
        }

        private int drain()
        {
            int n = 0;
            for (Integer poked = pokes.poll(); poked != null; poked = pokes.poll())
            {
                dispatch(poked);
                n++;
            }
            while (ring.available(head))
            {
                final int cqn = Eqe.cqn(ring.region(), ring.entryOffset(head));
                head++;
                ring.advance(head); // free the slot first: the re-arm below may make the device post again
                events.incrementAndGet();
                dispatch(cqn);
                n++;
            }
            final long overflows = ring.overflows();
            if (overflows != overflowsSeen)
            {
                // events were lost to a full EQ: every CQ of this vector may have fired, handle them all
                overflowsSeen = overflows;
                final AtomicReferenceArray<Registration> table = byCqn;
                for (int cqn = 1; cqn < table.length(); cqn++)
                {
                    final Registration r = table.get(cqn);
                    if (r != null && r.cq().compVector() == vector)
                    {
                        dispatch(cqn);
                    }
                }
                n++;
            }
            return n;
        }
    }
}
