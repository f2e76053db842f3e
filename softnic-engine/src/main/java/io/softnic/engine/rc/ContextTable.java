package io.softnic.engine.rc;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.BitSet;

/**
 * A table of connection contexts in host memory (seed 4): one fixed-size record per QP, the home of its
 * {@link ConnectionContext}. Each vNIC has its own, sized by its QP quota, and the engine one for its embedded
 * applications. The table lives in the master's memory, never in a file a tenant maps: a context holds the QP's
 * protection domain and paths, which a tenant must not be able to rewrite.
 */
public final class ContextTable
{
    private final String name;
    private final MemorySegment records;
    private final int capacity;
    private final BitSet used = new BitSet();

    /** @param capacity records, one per QP the owner may have at once. */
    public ContextTable(final String name, final int capacity)
    {
        if (capacity < 1)
        {
            throw new IllegalArgumentException("a context table holds at least one record");
        }
        this.name = name;
        this.capacity = capacity;
        // freed by the GC once no QP and no cache line refers to it
        this.records = Arena.ofAuto().allocate((long)capacity * ConnectionContext.RECORD_SIZE, Long.BYTES);
    }

    /** A zeroed record for a new QP, or null if the table is full. Control path. */
    public synchronized ConnectionContext allocate()
    {
        final int slot = used.nextClearBit(0);
        if (slot >= capacity)
        {
            return null;
        }
        used.set(slot);
        final long home = (long)slot * ConnectionContext.RECORD_SIZE;
        records.asSlice(home, ConnectionContext.RECORD_SIZE).fill((byte)0);
        return new ConnectionContext(records, home);
    }

    /** Gives the record back once its QP is destroyed (and its context dropped from the cache). */
    public synchronized void free(final ConnectionContext ctx)
    {
        if (ctx.table() != records)
        {
            throw new IllegalArgumentException("context of another table");
        }
        used.clear((int)(ctx.home() / ConnectionContext.RECORD_SIZE));
    }

    public int capacity()
    {
        return capacity;
    }

    public String name()
    {
        return name;
    }
}
