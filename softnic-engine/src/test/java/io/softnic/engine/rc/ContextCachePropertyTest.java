package io.softnic.engine.rc;

import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Write-back keeps every context exact: for any capacity, record size and random mix of reads, writes (long and int
 * fields), evictions and flushes, every read returns what a reference model holds, the cache never holds more than
 * its capacity, a context is dirty exactly when it changed since its last load or write-back, every context that is
 * not dirty equals the model in the host table, write-backs happen exactly for dirty contexts leaving the cache or
 * flushed, hits + misses == accesses, and after a final flush the host table equals the model byte for byte.
 */
class ContextCachePropertyTest
{
    /** jqwik has no timeout of its own: each try runs under this one. */
    private static final Duration TRY_TIMEOUT = Duration.ofSeconds(10);
    private static final int OP_KINDS = 12;

    @Property(tries = 500)
    void writeBackKeepsEveryContextExact(
        @ForAll @IntRange(min = 1, max = 8) final int capacity,
        @ForAll @IntRange(min = 1, max = 16) final int qps,
        @ForAll @IntRange(min = 1, max = 8) final int recordWords,
        @ForAll @Size(max = 500) final List<@IntRange(min = 0, max = 999_999) Integer> ops)
    {
        assertTimeoutPreemptively(TRY_TIMEOUT, () ->
        {
            final int recordSize = recordWords * Long.BYTES;
            try (Arena arena = Arena.ofConfined())
            {
                final MemorySegment table = arena.allocate((long)qps * recordSize, Long.BYTES);
                final MemorySegment model = MemorySegment.ofArray(new long[qps * recordWords]);
                for (long i = 0; i < table.byteSize(); i += Long.BYTES)
                {
                    final long initial = 0x5EED_0000_0000L + i * 0x9E37_79B9L;
                    table.set(ValueLayout.JAVA_LONG, i, initial);
                    model.set(ValueLayout.JAVA_LONG, i, initial);
                }
                final ContextCache cache = new ContextCache(table, recordSize, capacity);
                final boolean[] dirty = new boolean[qps];
                long accesses = 0;
                long writeBacks = 0;
                long value = 1;
                for (final int op : ops)
                {
                    final int kind = op % OP_KINDS;
                    final int qpn = (op / OP_KINDS) % qps;
                    final int word = (op / (OP_KINDS * 16)) % recordWords;
                    final long at = (long)qpn * recordSize + (long)word * Long.BYTES;
                    boolean flushed = false;
                    if (kind < 4)
                    {
                        final int line = cache.acquire(qpn);
                        accesses++;
                        assertEquals(model.get(ValueLayout.JAVA_LONG, at), cache.getLong(line, word * Long.BYTES),
                            "read of qp " + qpn + " word " + word);
                    }
                    else if (kind < 7)
                    {
                        final int line = cache.acquire(qpn);
                        accesses++;
                        value = value * 6364136223846793005L + 1442695040888963407L;
                        cache.putLong(line, word * Long.BYTES, value);
                        model.set(ValueLayout.JAVA_LONG, at, value);
                        dirty[qpn] = true;
                    }
                    else if (kind < 9)
                    {
                        final int line = cache.acquire(qpn);
                        accesses++;
                        final int half = (op / (OP_KINDS * 256)) % 2 * Integer.BYTES;
                        cache.putInt(line, word * Long.BYTES + half, (int)value + op);
                        model.set(ValueLayout.JAVA_INT, at + half, (int)value + op);
                        dirty[qpn] = true;
                    }
                    else if (kind < 11)
                    {
                        final boolean wasCached = cache.isCached(qpn);
                        assertEquals(wasCached, cache.evict(qpn));
                    }
                    else
                    {
                        cache.flush();
                        flushed = true;
                    }

                    assertTrue(cache.size() <= capacity, "never more contexts than lines");
                    assertEquals(accesses, cache.accesses());
                    assertEquals(cache.accesses(), cache.hits() + cache.misses());
                    assertEquals(cache.misses(), cache.loads(), "a miss loads once, a hit never");
                    int cached = 0;
                    for (int q = 0; q < qps; q++)
                    {
                        if (cache.isCached(q))
                        {
                            cached++;
                        }
                        if (dirty[q] && (flushed || !cache.isCached(q)))
                        {
                            dirty[q] = false; // written back: flushed, or evicted (explicitly or as the victim)
                            writeBacks++;
                        }
                        assertEquals(dirty[q], cache.isDirty(q), "qp " + q + " dirty");
                        if (!dirty[q])
                        {
                            assertEquals(-1, table.asSlice((long)q * recordSize, recordSize)
                                    .mismatch(model.asSlice((long)q * recordSize, recordSize)),
                                "a context that is not dirty is exact in the table: qp " + q);
                        }
                    }
                    assertEquals(cached, cache.size());
                    assertEquals(writeBacks, cache.writeBacks(), "write-backs are exactly the dirty contexts leaving");
                }
                cache.flush();
                assertEquals(-1, table.mismatch(model), "after a flush the table equals the model");
                for (int q = 0; q < qps; q++)
                {
                    assertTrue(!cache.isDirty(q));
                }
            }
        });
    }
}
