package io.softnic.verbs;

import java.util.ArrayDeque;
import java.util.Iterator;
import java.util.concurrent.TimeUnit;

/**
 * {@code ibv_comp_channel}: where the events of the CQs created with it arrive. {@link #getCqEvent} waits for the next
 * one and returns its CQ; every event returned must be acknowledged with {@link #ackCqEvents}, and destroying a CQ
 * waits until its events are. The context's {@link EventDispatcher} feeds the channel from the event queues; the
 * application re-arms the CQ with {@link IbvCq#reqNotify} itself, as with ibverbs. Waiting and delivering allocate
 * nothing (a monitor, not a {@code Condition}, whose waits allocate a node each), so an event loop may run on it.
 */
public final class IbvCompChannel implements AutoCloseable
{
    private final IbvContext context;
    private final Object lock = new Object();
    private final ArrayDeque<IbvCq> queue = new ArrayDeque<>();
    private boolean closed;

    IbvCompChannel(final IbvContext context)
    {
        this.context = context;
    }

    public IbvContext context()
    {
        return context;
    }

    void deliver(final IbvCq cq)
    {
        synchronized (lock)
        {
            if (!closed)
            {
                queue.addLast(cq);
                lock.notify();
            }
        }
    }

    /** A destroyed CQ's events not yet taken are dropped, as the kernel drops them from the channel. */
    void discard(final IbvCq cq)
    {
        synchronized (lock)
        {
            for (final Iterator<IbvCq> it = queue.iterator(); it.hasNext(); )
            {
                if (it.next() == cq)
                {
                    it.remove();
                }
            }
        }
    }

    /** {@code ibv_get_cq_event}: waits for the next event and returns its CQ. */
    public IbvCq getCqEvent()
    {
        final IbvCq cq = getCqEvent(Long.MAX_VALUE, TimeUnit.NANOSECONDS);
        if (cq == null)
        {
            throw new VerbsException("completion channel closed");
        }
        return cq;
    }

    /** Waits at most {@code timeout} for the next event; null if none came (or the channel was closed). */
    public IbvCq getCqEvent(final long timeout, final TimeUnit unit)
    {
        final long nanos = unit.toNanos(timeout);
        final long deadline = System.nanoTime() + nanos;
        synchronized (lock)
        {
            try
            {
                while (queue.isEmpty())
                {
                    final long left = nanos == Long.MAX_VALUE ? Long.MAX_VALUE : deadline - System.nanoTime();
                    if (closed || left <= 0)
                    {
                        return null;
                    }
                    if (left == Long.MAX_VALUE)
                    {
                        lock.wait();
                    }
                    else
                    {
                        lock.wait(left / 1_000_000L, (int)(left % 1_000_000L));
                    }
                }
            }
            catch (final InterruptedException ex)
            {
                Thread.currentThread().interrupt();
                return null;
            }
            final IbvCq cq = queue.pollFirst();
            cq.eventReported();
            return cq;
        }
    }

    /** {@code ibv_ack_cq_events}: acknowledges {@code n} events of {@code cq} that {@link #getCqEvent} returned. */
    public void ackCqEvents(final IbvCq cq, final int n)
    {
        cq.ackEvents(n);
    }

    @Override
    public void close()
    {
        synchronized (lock)
        {
            closed = true;
            queue.clear();
            lock.notifyAll();
        }
    }
}
