package io.softnic.engine.sched;

import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * Multi-producer single-consumer queue of items that are each in it at most once (the caller guards that with a
 * per-item flag). With capacity for every item it can never be full, so offer never fails and nothing allocates.
 */
public final class ReadyQueue<T>
{
    private final AtomicReferenceArray<T> slots;
    private final int mask;
    private final AtomicLong tail = new AtomicLong();
    private long head;

    public ReadyQueue(final int maxItems)
    {
        final int capacity = Integer.highestOneBit(Math.max(2, maxItems) * 2 - 1);
        this.slots = new AtomicReferenceArray<>(capacity);
        this.mask = capacity - 1;
    }

    public void offer(final T item)
    {
        final long index = tail.getAndIncrement();
        slots.setRelease((int)(index & mask), item);
    }

    /** Next item, or null if none is published yet. Consumer thread only. */
    public T poll()
    {
        final int slot = (int)(head & mask);
        final T item = slots.getAcquire(slot);
        if (item == null)
        {
            return null;
        }
        slots.setRelease(slot, null);
        head++;
        return item;
    }

    public boolean isEmpty()
    {
        return slots.getAcquire((int)(head & mask)) == null;
    }
}
