package io.softnic.engine.rc;

import org.agrona.collections.Int2IntHashMap;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Objects;

/**
 * The engine's bounded cache of connection contexts (seed 4). A context is a fixed-size record whose home is the
 * vNIC's context table in host memory, QP {@code qpn} at {@code qpn * recordSize}; the engine works on a copy in one
 * of {@code capacity} cache lines, loaded on a miss and written back, only if it was changed, when it is evicted or
 * flushed. Any capacity >= 1 is correct: a context is exact in exactly one place at a time — its line while cached
 * and dirty, the table otherwise.
 * <p>
 * Eviction is CLOCK (second chance): each line has a referenced bit set on every access; on a miss with no free line
 * the hand sweeps the lines, clearing set bits and taking the first line whose bit was already clear. It approximates
 * LRU with one bit per line and no list to reorder on a hit, which is what a hit-heavy look-ahead schedule wants.
 * <p>
 * A line index returned by {@link #acquire} stays valid until the next {@code acquire} of another QP (which may evict
 * it). Nothing allocates after construction; single-threaded (the pipeline thread that owns the cache).
 */
public final class ContextCache
{
    public static final int NONE = -1;
    /** Lines are read and written as longs, so a record is a whole number of them. */
    public static final int RECORD_ALIGNMENT = Long.BYTES;
    /** Sized so the map never grows: at most {@code capacity} entries at this load factor. */
    private static final float MAP_LOAD_FACTOR = 0.5f;

    private final MemorySegment table;
    private final int recordSize;
    private final long tableRecords;
    private final int capacity;
    private final MemorySegment lines;
    private final int[] qpnOf;
    private final boolean[] dirty;
    private final boolean[] referenced;
    private final Int2IntHashMap lineOf;
    private final int[] freeLines;
    private int freeCount;
    private int hand;

    private long accesses;
    private long hits;
    private long misses;
    private long loads;
    private long writeBacks;

    /**
     * @param table      the context table in host memory; its size fixes how many QPs it homes.
     * @param recordSize bytes per context, a multiple of {@value #RECORD_ALIGNMENT}.
     * @param capacity   cache lines, >= 1.
     */
    public ContextCache(final MemorySegment table, final int recordSize, final int capacity)
    {
        if (recordSize < RECORD_ALIGNMENT || recordSize % RECORD_ALIGNMENT != 0 || capacity < 1)
        {
            throw new IllegalArgumentException("recordSize a positive multiple of 8, capacity >= 1");
        }
        this.table = table;
        this.recordSize = recordSize;
        this.tableRecords = table.byteSize() / recordSize;
        this.capacity = capacity;
        // backed by a long[] so every line is 8-byte aligned for the long accessors
        this.lines = MemorySegment.ofArray(new long[Math.multiplyExact(capacity, recordSize / Long.BYTES)]);
        this.qpnOf = new int[capacity];
        this.dirty = new boolean[capacity];
        this.referenced = new boolean[capacity];
        this.lineOf = new Int2IntHashMap(Math.multiplyExact(capacity, 2), MAP_LOAD_FACTOR, NONE);
        this.freeLines = new int[capacity];
        for (int i = 0; i < capacity; i++)
        {
            qpnOf[i] = NONE;
            freeLines[i] = capacity - 1 - i;
        }
        this.freeCount = capacity;
    }

    /** The line holding QP {@code qpn}'s context, loaded from the table on a miss (evicting a line if all are used). */
    public int acquire(final int qpn)
    {
        accesses++;
        final int cached = lineOf.get(qpn);
        if (cached != NONE)
        {
            hits++;
            referenced[cached] = true;
            return cached;
        }
        Objects.checkIndex(qpn, tableRecords);
        misses++;
        final int line = freeCount > 0 ? freeLines[--freeCount] : evictVictim();
        MemorySegment.copy(table, (long)qpn * recordSize, lines, (long)line * recordSize, recordSize);
        loads++;
        qpnOf[line] = qpn;
        dirty[line] = false;
        referenced[line] = true;
        lineOf.put(qpn, line);
        return line;
    }

    /** The cache lines; line {@code l}'s record starts at {@link #offsetOf}{@code (l)}. For flyweights. */
    public MemorySegment lines()
    {
        return lines;
    }

    public long offsetOf(final int line)
    {
        return (long)line * recordSize;
    }

    /** Whoever changes a line through {@link #lines()} marks it, so eviction writes it back. */
    public void markDirty(final int line)
    {
        dirty[line] = true;
    }

    public long getLong(final int line, final int offset)
    {
        return lines.get(ValueLayout.JAVA_LONG, field(line, offset, Long.BYTES));
    }

    public void putLong(final int line, final int offset, final long value)
    {
        lines.set(ValueLayout.JAVA_LONG, field(line, offset, Long.BYTES), value);
        dirty[line] = true;
    }

    public int getInt(final int line, final int offset)
    {
        return lines.get(ValueLayout.JAVA_INT, field(line, offset, Integer.BYTES));
    }

    public void putInt(final int line, final int offset, final int value)
    {
        lines.set(ValueLayout.JAVA_INT, field(line, offset, Integer.BYTES), value);
        dirty[line] = true;
    }

    /** Writes the QP's context back if it changed and frees its line. Returns whether it was cached. */
    public boolean evict(final int qpn)
    {
        final int line = lineOf.remove(qpn);
        if (line == NONE)
        {
            return false;
        }
        writeBackIfDirty(line);
        free(line);
        return true;
    }

    /** Drops the QP's cached context without writing it back (the QP was destroyed, or its table record rewritten). */
    public boolean discard(final int qpn)
    {
        final int line = lineOf.remove(qpn);
        if (line == NONE)
        {
            return false;
        }
        free(line);
        return true;
    }

    /** Writes every changed context back; they stay cached, now clean. */
    public void flush()
    {
        for (int line = 0; line < capacity; line++)
        {
            if (qpnOf[line] != NONE)
            {
                writeBackIfDirty(line);
            }
        }
    }

    public boolean isCached(final int qpn)
    {
        return lineOf.get(qpn) != NONE;
    }

    public boolean isDirty(final int qpn)
    {
        final int line = lineOf.get(qpn);
        return line != NONE && dirty[line];
    }

    /** Contexts cached now. */
    public int size()
    {
        return capacity - freeCount;
    }

    public int capacity()
    {
        return capacity;
    }

    public int recordSize()
    {
        return recordSize;
    }

    public long accesses()
    {
        return accesses;
    }

    public long hits()
    {
        return hits;
    }

    public long misses()
    {
        return misses;
    }

    public long loads()
    {
        return loads;
    }

    public long writeBacks()
    {
        return writeBacks;
    }

    private long field(final int line, final int offset, final int bytes)
    {
        Objects.checkFromIndexSize(offset, bytes, recordSize);
        return (long)line * recordSize + offset;
    }

    /** CLOCK: sweep, giving referenced lines a second chance, and take the first unreferenced one. */
    private int evictVictim()
    {
        while (true) // ends within two sweeps: the first clears every bit it passes
        {
            final int line = hand;
            hand = line + 1 == capacity ? 0 : line + 1;
            if (referenced[line])
            {
                referenced[line] = false;
                continue;
            }
            lineOf.remove(qpnOf[line]);
            writeBackIfDirty(line);
            qpnOf[line] = NONE;
            return line;
        }
    }

    private void writeBackIfDirty(final int line)
    {
        if (dirty[line])
        {
            MemorySegment.copy(lines, (long)line * recordSize, table, (long)qpnOf[line] * recordSize, recordSize);
            dirty[line] = false;
            writeBacks++;
        }
    }

    private void free(final int line)
    {
        qpnOf[line] = NONE;
        dirty[line] = false;
        referenced[line] = false;
        freeLines[freeCount++] = line;
    }
}
