package io.softnic.engine.sched;

import org.agrona.collections.Int2IntHashMap;

/**
 * Work-request look-ahead (seed 4): a window of up to W posted work requests across QPs, in post order, from which
 * the scheduler takes one batch at a time — the oldest request's QP and every later request of that QP in the window
 * that may run now — so the QP's context is loaded once for the whole batch rather than once per request.
 * <p>
 * Rules, kept simple:
 * <ul>
 *   <li>Within one QP order is kept: a batch takes that QP's requests oldest first, and the oldest request in the
 *   window always starts the next batch (so no request waits behind later ones forever).</li>
 *   <li>FENCE: a fenced request waits until every earlier request of its QP is done. Requests of earlier batches are
 *   done — the caller runs a batch before it asks for the next — so a fenced request runs only at the start of a
 *   batch; a batch stops before a fenced request of its QP and leaves it (and what follows it) in the window.</li>
 *   <li>W = 1 is strict doorbell order: every batch is the single oldest request.</li>
 * </ul>
 * The window keeps runs of requests - consecutive requests of one QP with consecutive tags, none fenced but maybe
 * the first - in a doubly linked list in post order and, per QP, a chain to the QP's next run, so a request that
 * extends the newest run costs no map operation and a batch costs its own size, not W. W counts requests, not runs.
 * Nothing allocates after construction; single-threaded (the scheduler's). Requests are named by the caller's
 * {@code tag} (e.g. the QP's send-queue index).
 */
public final class LookaheadWindow
{
    public static final int NONE = -1;
    /** Sized so the map never grows: at most W QPs in the window at this load factor. */
    private static final float MAP_LOAD_FACTOR = 0.5f;

    private final int capacity;
    // per run (slot): its QP, first tag, requests, whether its first request is fenced, and its links
    private final int[] qpnOf;
    private final long[] tagOf;
    private final int[] countOf;
    private final boolean[] fenced;
    private final int[] prev;
    private final int[] next;
    private final int[] sameQpNext;
    private final Int2IntHashMap lastOfQp;
    private final int[] freeSlots;
    private int freeCount;
    private int oldest = NONE;
    private int newest = NONE;
    private int size;

    private final long[] batchTags;
    private int batchSize;
    private int batchQpn = NONE;

    private long batches;
    private long requests;

    /** @param capacity W, the look-ahead window, >= 1. */
    public LookaheadWindow(final int capacity)
    {
        if (capacity < 1)
        {
            throw new IllegalArgumentException("window >= 1");
        }
        this.capacity = capacity;
        this.qpnOf = new int[capacity];
        this.tagOf = new long[capacity];
        this.countOf = new int[capacity];
        this.fenced = new boolean[capacity];
        this.prev = new int[capacity];
        this.next = new int[capacity];
        this.sameQpNext = new int[capacity];
        this.lastOfQp = new Int2IntHashMap(Math.multiplyExact(capacity, 2), MAP_LOAD_FACTOR, NONE);
        this.freeSlots = new int[capacity];
        for (int i = 0; i < capacity; i++)
        {
            freeSlots[i] = capacity - 1 - i;
        }
        this.freeCount = capacity;
        this.batchTags = new long[capacity];
    }

    /** Adds the next posted request; false if the window already holds W. */
    public boolean offer(final int qpn, final boolean fence, final long tag)
    {
        if (size == capacity)
        {
            return false;
        }
        size++;
        final int last = newest;
        if (last != NONE && !fence && qpnOf[last] == qpn && tagOf[last] + countOf[last] == tag)
        {
            countOf[last]++; // the common case: the same QP's next request extends the newest run
            return true;
        }
        final int slot = freeSlots[--freeCount];
        qpnOf[slot] = qpn;
        tagOf[slot] = tag;
        countOf[slot] = 1;
        fenced[slot] = fence;
        sameQpNext[slot] = NONE;
        prev[slot] = last;
        next[slot] = NONE;
        if (last == NONE)
        {
            oldest = slot;
        }
        else
        {
            next[last] = slot;
        }
        newest = slot;
        final int qpLast = lastOfQp.put(qpn, slot);
        if (qpLast != NONE)
        {
            sameQpNext[qpLast] = slot;
        }
        return true;
    }

    /**
     * Takes the next batch out of the window: returns its size (0 when the window is empty); {@link #batchQpn()} and
     * {@link #batchTag(int)} describe it, in the order to run.
     */
    public int nextBatch()
    {
        batchSize = 0;
        if (size == 0)
        {
            batchQpn = NONE;
            return 0;
        }
        int slot = oldest; // the oldest request is its QP's oldest too, and the earlier ones are done: it may run
        final int qpn = qpnOf[slot];
        batchQpn = qpn;
        do
        {
            final long first = tagOf[slot];
            for (int i = 0, n = countOf[slot]; i < n; i++)
            {
                batchTags[batchSize++] = first + i;
            }
            final int following = sameQpNext[slot];
            unlink(slot);
            slot = following;
        }
        while (slot != NONE && !fenced[slot]);
        if (slot == NONE)
        {
            lastOfQp.remove(qpn); // none of this QP left in the window
        }
        batches++;
        requests += batchSize;
        return batchSize;
    }

    public int batchQpn()
    {
        return batchQpn;
    }

    public long batchTag(final int index)
    {
        if (index >= batchSize)
        {
            throw new IndexOutOfBoundsException(index);
        }
        return batchTags[index];
    }

    /** Requests in the window now. */
    public int size()
    {
        return size;
    }

    public boolean isFull()
    {
        return size == capacity;
    }

    public int capacity()
    {
        return capacity;
    }

    public long batches()
    {
        return batches;
    }

    /** Requests taken out in batches; divided by {@link #batches()}, the grouping achieved. */
    public long requests()
    {
        return requests;
    }

    private void unlink(final int slot)
    {
        final int before = prev[slot];
        final int after = next[slot];
        if (before == NONE)
        {
            oldest = after;
        }
        else
        {
            next[before] = after;
        }
        if (after == NONE)
        {
            newest = before;
        }
        else
        {
            prev[after] = before;
        }
        freeSlots[freeCount++] = slot;
        size -= countOf[slot];
    }
}
