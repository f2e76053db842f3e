package io.softnic.engine.rc;

import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One context whose home is a record in host memory and which the engine works on only while a {@link ContextCache}
 * line holds it: a flyweight whose accessors read and write that line. Outside a {@link ContextCache#acquire} /
 * {@link ContextCache#release} pair the flyweight points nowhere, so a read of a context that is not cached throws
 * instead of returning stale state.
 * <p>
 * Whoever acquires a context must hold its owner's lock (for a QP, the QP's monitor): one thread works on a context
 * at a time. The pin word lets other threads evict it only while nobody works on it.
 */
public class CachedContext
{
    /** {@link #base} when no line holds the context: every access fails. */
    static final int NOT_CACHED = Integer.MIN_VALUE / 2;
    /** The pin word of a context a thread is writing back. */
    static final int EVICTING = -1;
    private static final long[] NO_LINES = new long[0];
    /** Which half of a long an int at a 4-byte offset is, so the lines hold the record's bytes as memory would. */
    private static final int HIGH_HALF_AT = ByteOrder.nativeOrder() == ByteOrder.LITTLE_ENDIAN ? 4 : 0;

    final MemorySegment table;
    final long home;
    /** Uses by the thread holding the owner's lock (> 0), 0 when idle, {@link #EVICTING} while being written back. */
    final AtomicInteger pin = new AtomicInteger();
    /** The line holding the context, {@link ContextCache#NONE} when only the table has it. */
    volatile int line = ContextCache.NONE;
    /**
     * Where the accessors read: the line's first long in the cache's lines, {@link #NOT_CACHED} when not acquired.
     * Lines are a plain long[] (not a MemorySegment) so that a field access is an array access and nothing more.
     */
    int base = NOT_CACHED;
    /** Changed since it was loaded or last written back. */
    boolean dirty;
    /** The cache's lines once a cache has held it; before that an empty array, so accesses fail the same way. */
    long[] lines = NO_LINES;

    /**
     * @param table the context table in host memory
     * @param home  the offset of this context's record in it
     */
    public CachedContext(final MemorySegment table, final long home)
    {
        this.table = table;
        this.home = home;
    }

    public final MemorySegment table()
    {
        return table;
    }

    public final long home()
    {
        return home;
    }

    /** True while a cache line holds this context. */
    public final boolean isCached()
    {
        return line != ContextCache.NONE;
    }

    /** True while a thread has it acquired (or is writing it back). */
    public final boolean isPinned()
    {
        return pin.get() != 0;
    }

    public final boolean isDirty()
    {
        return dirty;
    }

    protected final long getLong(final int offset)
    {
        return lines[base + (offset >> 3)];
    }

    protected final void putLong(final int offset, final long value)
    {
        lines[base + (offset >> 3)] = value;
        dirty = true;
    }

    /** An int at a 4-byte aligned offset: one half of the long that holds it. */
    protected final int getInt(final int offset)
    {
        return (int)(lines[base + (offset >> 3)] >>> shift(offset));
    }

    protected final void putInt(final int offset, final int value)
    {
        final int at = base + (offset >> 3);
        final int shift = shift(offset);
        lines[at] = lines[at] & ~(0xFFFF_FFFFL << shift) | (value & 0xFFFF_FFFFL) << shift;
        dirty = true;
    }

    protected final boolean getBoolean(final int offset)
    {
        return getInt(offset) != 0;
    }

    protected final void putBoolean(final int offset, final boolean value)
    {
        putInt(offset, value ? 1 : 0);
    }

    private static int shift(final int offset)
    {
        return (offset & 4) == HIGH_HALF_AT ? 32 : 0;
    }
}
