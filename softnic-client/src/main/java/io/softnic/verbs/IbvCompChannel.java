package io.softnic.verbs;

import java.util.ArrayDeque;
import java.util.Iterator;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * {@code ibv_comp_channel}: where the events of the CQs created with it arrive. {@link #getCqEvent} waits for the next
 * one and returns its CQ; every event returned must be acknowledged with {@link #ackCqEvents}, and destroying a CQ
 * waits until its events are. The context's {@link EventDispatcher} feeds the channel from the event queues; the
 * application re-arms the CQ with {@link IbvCq#reqNotify} itself, as with ibverbs.
 */
public final class IbvCompChannel implements AutoCloseable
{
    private final IbvContext context;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition nonEmpty = lock.newCondition();
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
        lock.lock();
        try
        {
            if (!closed)
            {
                queue.addLast(cq);
                nonEmpty.signal();
            }
        }
        finally
        {
            lock.unlock();
        }
    }

    /** A destroyed CQ's events not yet taken are dropped, as the kernel drops them from the channel. */
    void discard(final IbvCq cq)
    {
        lock.lock();
        try
        {
            for (final Iterator<IbvCq> it = queue.iterator(); it.hasNext(); )
            {
                if (it.next() == cq)
                {
                    it.remove();
                }
            }
        }
        finally
        {
            lock.unlock();
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
        long nanos = unit.toNanos(timeout);
        lock.lock();
        try
        {
            while (queue.isEmpty())
            {
                if (closed || nanos <= 0)
                {
                    return null;
                }
                nanos = nonEmpty.awaitNanos(nanos);
            }
            final IbvCq cq = queue.pollFirst();
            cq.eventReported();
            return cq;
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
            return null;
        }
        finally
        {
            lock.unlock();
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
        lock.lock();
        try
        {
            closed = true;
            queue.clear();
            nonEmpty.signalAll();
        }
        finally
        {
            lock.unlock();
        }
    }
}
