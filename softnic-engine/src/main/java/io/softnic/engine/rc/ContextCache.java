package io.softnic.engine.rc;

import java.lang.foreign.MemorySegment;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.concurrent.atomic.LongAdder;

/**
 * The engine's bounded cache of connection contexts (seed 4). A context's home is a fixed-size record in a context
 * table in host memory; the engine works on it only in one of {@code capacity} cache lines, loaded on a miss and
 * written back, only if it changed, when its line is taken for another context (or when it is flushed). Any capacity
 * >= 1 is correct: a context is exact in exactly one place at a time, its line while cached, the table otherwise.
 * <p>
 * Loads and write-backs are transfers between host memory and the engine, so they go through the bus interface
 * ({@link Transfers}).
 * <p>
 * Eviction is CLOCK (second chance): each line has a referenced bit set on every access; a miss with no free line
 * sweeps the hand over the lines, clearing set bits and taking the first line whose bit was clear and whose context
 * nobody is working on. It approximates LRU with one bit per line and nothing to reorder on a hit, which is what a
 * hit-heavy look-ahead schedule wants.
 * <p>
 * Threads: the TX and RX pipelines, the timers and the control plane all work on contexts, each holding the owner's
 * lock (a QP's monitor) while it does. A context in use is pinned and never evicted; a thread that needs a line while
 * every line is pinned waits until one is released (so with capacity 1 the threads take turns; a thread must not
 * hold more contexts at once than there are lines, and the engine's threads each hold one). There is no lock
 * here: lines are claimed by compare-and-set on their owner slot, and a context is claimed for eviction by
 * compare-and-set on its pin word, which no two owners share. Nothing allocates after construction.
 */
public final class ContextCache
{
    public static final int NONE = -1;
    /** Lines are copied as whole longs, so a record is a whole number of them. */
    public static final int RECORD_ALIGNMENT = Long.BYTES;

    /** The bus transfers a cache needs: records from host memory into lines, and lines back. */
    public interface Transfers
    {
        void load(MemorySegment table, long home, MemorySegment lines, long lineOffset, int length);

        void writeBack(MemorySegment lines, long lineOffset, MemorySegment table, long home, int length);
    }

    /** Plain copies: for tests and tools that have no bus. */
    public static final Transfers COPY = new Transfers()
    {
        @Override
        public void load(final MemorySegment table, final long home, final MemorySegment lines, final long lineOffset,
            final int length)
        {
            MemorySegment.copy(table, home, lines, lineOffset, length);
        }

        @Override
        public void writeBack(final MemorySegment lines, final long lineOffset, final MemorySegment table,
            final long home, final int length)
        {
            MemorySegment.copy(lines, lineOffset, table, home, length);
        }
    };

    private final int recordSize;
    private final int capacity;
    /** The lines, a long[] so that the flyweights' accesses are plain array accesses; viewed as a segment to copy. */
    private final long[] lines;
    private final MemorySegment lineMemory;
    private final int longsPerRecord;
    private final AtomicReferenceArray<CachedContext> owners;
    private final byte[] referenced;
    private final AtomicInteger hand = new AtomicInteger();
    /** Lines with no context (all of them at first, and each discarded one); a hint where to look for one. */
    private final AtomicInteger freeLines;
    private volatile int freeHint;
    private final Transfers transfers;

    // striped: the TX and RX threads count at once without sharing a cache line
    private final LongAdder hits = new LongAdder();
    private final LongAdder loads = new LongAdder();
    private final LongAdder writeBacks = new LongAdder();
    private final LongAdder evictions = new LongAdder();

    /**
     * @param recordSize bytes per context, a multiple of {@value #RECORD_ALIGNMENT}.
     * @param capacity   cache lines, >= 1.
     * @param transfers  how records move between the tables and the lines.
     */
    public ContextCache(final int recordSize, final int capacity, final Transfers transfers)
    {
        if (recordSize < RECORD_ALIGNMENT || recordSize % RECORD_ALIGNMENT != 0 || capacity < 1)
        {
            throw new IllegalArgumentException("recordSize a positive multiple of 8, capacity >= 1");
        }
        this.recordSize = recordSize;
        this.capacity = capacity;
        // backed by a long[] so every line is 8-byte aligned for the long accessors
        this.longsPerRecord = recordSize / Long.BYTES;
        this.lines = new long[Math.multiplyExact(capacity, longsPerRecord)];
        this.lineMemory = MemorySegment.ofArray(lines);
        this.owners = new AtomicReferenceArray<>(capacity);
        this.referenced = new byte[capacity];
        this.freeLines = new AtomicInteger(capacity);
        this.transfers = transfers;
    }

    /**
     * Makes {@code ctx} usable through its accessors until the matching {@link #release}: a hit if a line holds it,
     * else a load into a free line or one taken from another context (written back first if it changed). The caller
     * holds the context owner's lock; acquires nest.
     */
    public void acquire(final CachedContext ctx)
    {
        final int pinned = ctx.pin.get();
        if (pinned > 0)
        {
            ctx.pin.lazySet(pinned + 1); // nested: this thread has it already, and nobody evicts a pinned context
            return;
        }
        while (!ctx.pin.compareAndSet(0, 1))
        {
            Thread.onSpinWait(); // another thread is writing it back; then it is ours to load
        }
        final int cached = ctx.line;
        if (cached != NONE)
        {
            hits.increment();
            referenced[cached] = 1;
            ctx.base = cached * longsPerRecord;
            return;
        }
        final int line = claimLine(ctx);
        transfers.load(ctx.table, ctx.home, lineMemory, (long)line * recordSize, recordSize);
        loads.increment();
        ctx.lines = lines;
        ctx.base = line * longsPerRecord;
        ctx.dirty = false;
        referenced[line] = 1;
        ctx.line = line;
    }

    /** Ends one {@link #acquire}: once the last one ends the context may be evicted. */
    public void release(final CachedContext ctx)
    {
        final int pinned = ctx.pin.get();
        if (pinned <= 0)
        {
            throw new IllegalStateException("release of a context that is not acquired");
        }
        if (pinned == 1)
        {
            ctx.base = CachedContext.NOT_CACHED; // outside acquire/release the flyweight points nowhere
        }
        ctx.pin.lazySet(pinned - 1); // a release store: whoever claims it next does so by compare-and-set
    }

    /**
     * Drops the context from the cache without writing it back (its owner is being destroyed, or its record is
     * rewritten in the table). The caller holds the owner's lock and has it acquired; the line is free afterwards.
     */
    public void discard(final CachedContext ctx)
    {
        final int line = ctx.line;
        if (line == NONE)
        {
            return;
        }
        if (ctx.pin.get() <= 0)
        {
            throw new IllegalStateException("discard of a cached context that is not acquired");
        }
        ctx.base = CachedContext.NOT_CACHED;
        ctx.dirty = false;
        ctx.line = NONE;
        referenced[line] = 0;
        owners.set(line, null);
        freeHint = line;
        freeLines.incrementAndGet();
    }

    /**
     * Writes every changed context that nobody is working on back to its table; they stay cached, now clean.
     * Returns how many were written. Contexts in use are left to their users.
     */
    public int flush()
    {
        int written = 0;
        for (int line = 0; line < capacity; line++)
        {
            final CachedContext owner = owners.get(line);
            if (owner != null && owner.pin.compareAndSet(0, CachedContext.EVICTING))
            {
                if (owner.line == line && owner.dirty)
                {
                    writeBack(owner, line);
                    written++;
                }
                owner.pin.lazySet(0);
            }
        }
        return written;
    }

    /** A free line, or one taken from the first context the CLOCK hand finds unreferenced and not in use. */
    private int claimLine(final CachedContext claimant)
    {
        final int free = claimFreeLine(claimant);
        if (free != NONE)
        {
            return free;
        }
        int idleSweeps = 0;
        int steps = 0;
        while (true)
        {
            final int line = Math.floorMod(hand.getAndIncrement(), capacity);
            final CachedContext owner = owners.get(line);
            if (owner == null)
            {
                if (owners.compareAndSet(line, null, claimant))
                {
                    freeLines.decrementAndGet();
                    return line;
                }
            }
            else if (owner.pin.get() != 0)
            {
                // in use: neither a victim nor aged, so it is not the first victim once released
            }
            else if (referenced[line] != 0)
            {
                referenced[line] = 0; // second chance
            }
            else if (owner.pin.compareAndSet(0, CachedContext.EVICTING))
            {
                // nobody works on it now and nobody can start to until the pin is 0 again
                if (owner.line == line && owners.compareAndSet(line, owner, claimant))
                {
                    if (owner.dirty)
                    {
                        writeBack(owner, line);
                    }
                    owner.base = CachedContext.NOT_CACHED;
                    owner.line = NONE;
                    evictions.increment();
                    owner.pin.lazySet(0);
                    return line;
                }
                owner.pin.lazySet(0);
            }
            if (++steps >= 2 * capacity)
            {
                // two sweeps found nothing: every line is in use by other threads; let them finish
                steps = 0;
                if (++idleSweeps > 64)
                {
                    Thread.yield();
                }
                else
                {
                    Thread.onSpinWait();
                }
            }
        }
    }

    /** A line nobody holds (never used, or discarded), or {@link #NONE}: a miss evicts only when there is none. */
    private int claimFreeLine(final CachedContext claimant)
    {
        if (freeLines.get() <= 0)
        {
            return NONE;
        }
        final int start = freeHint;
        for (int i = 0; i < capacity; i++)
        {
            final int line = start + i < capacity ? start + i : start + i - capacity;
            if (owners.get(line) == null && owners.compareAndSet(line, null, claimant))
            {
                freeLines.decrementAndGet();
                freeHint = line + 1 == capacity ? 0 : line + 1;
                return line;
            }
        }
        return NONE;
    }

    private void writeBack(final CachedContext owner, final int line)
    {
        transfers.writeBack(lineMemory, (long)line * recordSize, owner.table, owner.home, recordSize);
        owner.dirty = false;
        writeBacks.increment();
    }

    /** Contexts cached now. */
    public int size()
    {
        int n = 0;
        for (int line = 0; line < capacity; line++)
        {
            if (owners.get(line) != null)
            {
                n++;
            }
        }
        return n;
    }

    public int capacity()
    {
        return capacity;
    }

    public int recordSize()
    {
        return recordSize;
    }

    /** Acquires that were not nested (each either a hit or a load). */
    public long accesses()
    {
        return hits.sum() + loads.sum(); // each is one or the other
    }

    public long hits()
    {
        return hits.sum();
    }

    public long misses()
    {
        return loads.sum();
    }

    /** Records read from host memory into a line: one per miss. */
    public long loads()
    {
        return loads.sum();
    }

    /** Changed records written back to host memory. */
    public long writeBacks()
    {
        return writeBacks.sum();
    }

    /** Lines taken from one context for another. */
    public long evictions()
    {
        return evictions.sum();
    }
}
