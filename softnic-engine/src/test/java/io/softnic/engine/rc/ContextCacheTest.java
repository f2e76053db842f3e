package io.softnic.engine.rc;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The concurrent context cache, deterministically: hits, misses and loads; never more contexts cached than lines;
 * CLOCK's second chance; write-back only of changed contexts; nested acquires; a pinned context is never evicted (a
 * thread that needs its line waits); accessors fail once the context is not cached; discard frees a line without a
 * write-back; flush writes back exactly the changed contexts nobody is working on; constructor checks.
 */
@Timeout(10)
class ContextCacheTest
{
    private static final int RECORD = 64;
    private static final int CONTEXTS = 8;

    /** A context with a few named fields: a long at 0 and 8, ints at 16 and 20, a flag at 24. */
    static final class Record extends CachedContext
    {
        Record(final MemorySegment table, final long home)
        {
            super(table, home);
        }

        long a()
        {
            return getLong(0);
        }

        void a(final long value)
        {
            putLong(0, value);
        }

        long b()
        {
            return getLong(8);
        }

        void b(final long value)
        {
            putLong(8, value);
        }

        int c()
        {
            return getInt(16);
        }

        void c(final int value)
        {
            putInt(16, value);
        }

        int d()
        {
            return getInt(20);
        }

        void d(final int value)
        {
            putInt(20, value);
        }

        boolean flag()
        {
            return getBoolean(24);
        }

        void flag(final boolean value)
        {
            putBoolean(24, value);
        }
    }

    /** Plain copies that count, and log the homes they moved. */
    static final class CountingTransfers implements ContextCache.Transfers
    {
        final AtomicLong loads = new AtomicLong();
        final AtomicLong writeBacks = new AtomicLong();
        final List<Long> writtenHomes = new ArrayList<>();
        final List<Long> loadedHomes = new ArrayList<>();

        @Override
        public void load(final MemorySegment table, final long home, final MemorySegment lines, final long lineOffset,
            final int length)
        {
            loads.incrementAndGet();
            synchronized (this)
            {
                loadedHomes.add(home);
            }
            ContextCache.COPY.load(table, home, lines, lineOffset, length);
        }

        @Override
        public void writeBack(final MemorySegment lines, final long lineOffset, final MemorySegment table,
            final long home, final int length)
        {
            writeBacks.incrementAndGet();
            synchronized (this)
            {
                writtenHomes.add(home);
            }
            ContextCache.COPY.writeBack(lines, lineOffset, table, home, length);
        }
    }

    /** A table of {@code count} records, homes out of order and not at 0, each field seeded with a distinct value. */
    private static Record[] records(final MemorySegment table, final int count)
    {
        final Record[] records = new Record[count];
        for (int i = 0; i < count; i++)
        {
            final long home = RECORD + (long)(count - 1 - i) * RECORD;
            records[i] = new Record(table, home);
            table.set(ValueLayout.JAVA_LONG, home, 1000L + i);
            table.set(ValueLayout.JAVA_LONG, home + 8, 2000L + i);
            table.set(ValueLayout.JAVA_INT, home + 16, 3000 + i);
            table.set(ValueLayout.JAVA_INT, home + 20, 4000 + i);
        }
        return records;
    }

    private static MemorySegment table(final int count)
    {
        return MemorySegment.ofArray(new long[(count + 1) * RECORD / Long.BYTES]);
    }

    private static long tableLong(final Record r, final int offset)
    {
        return r.table().get(ValueLayout.JAVA_LONG, r.home() + offset);
    }

    /** One access, as the engine makes it: acquire, work, release. */
    private static void touch(final ContextCache cache, final Record r)
    {
        cache.acquire(r);
        cache.release(r);
    }

    private static void increment(final ContextCache cache, final Record r)
    {
        cache.acquire(r);
        try
        {
            r.b(r.b() + 1);
        }
        finally
        {
            cache.release(r);
        }
    }

    @Test
    void aMissLoadsFromTheHomeAndAHitDoesNot()
    {
        final CountingTransfers transfers = new CountingTransfers();
        final MemorySegment table = table(CONTEXTS);
        final Record[] r = records(table, CONTEXTS);
        // a second table: each context carries its own
        final MemorySegment other = table(2);
        final Record[] s = records(other, 2);
        final ContextCache cache = new ContextCache(RECORD, 4, transfers);
        assertEquals(0, cache.size());
        assertFalse(r[3].isCached());

        cache.acquire(r[3]);
        assertTrue(r[3].isCached());
        assertTrue(r[3].isPinned());
        assertFalse(r[3].isDirty());
        assertEquals(1003, r[3].a());
        assertEquals(2003, r[3].b());
        assertEquals(3003, r[3].c());
        assertEquals(4003, r[3].d());
        cache.release(r[3]);
        assertFalse(r[3].isPinned());
        assertTrue(r[3].isCached(), "released, still cached");

        touch(cache, r[3]);
        touch(cache, r[5]);
        touch(cache, s[1]);
        touch(cache, r[3]);
        touch(cache, s[1]);
        cache.acquire(s[1]);
        assertEquals(1001, s[1].a(), "loaded from its own table");
        cache.release(s[1]);

        assertEquals(7, cache.accesses());
        assertEquals(3, cache.loads());
        assertEquals(3, cache.misses());
        assertEquals(4, cache.hits());
        assertEquals(cache.accesses(), cache.hits() + cache.misses());
        assertEquals(3, transfers.loads.get());
        assertEquals(List.of(r[3].home(), r[5].home(), s[1].home()), transfers.loadedHomes);
        assertEquals(0, cache.writeBacks());
        assertEquals(0, cache.evictions());
        assertEquals(3, cache.size());
        assertEquals(4, cache.capacity());
        assertEquals(RECORD, cache.recordSize());
    }

    @Test
    void neverMoreContextsCachedThanLines()
    {
        final CountingTransfers transfers = new CountingTransfers();
        final Record[] r = records(table(CONTEXTS), CONTEXTS);
        final ContextCache cache = new ContextCache(RECORD, 3, transfers);
        for (int round = 0; round < 3; round++)
        {
            for (int i = 0; i < CONTEXTS; i++)
            {
                touch(cache, r[(i * 5 + round) % CONTEXTS]);
                assertTrue(cache.size() <= 3);
                int cached = 0;
                for (final Record each : r)
                {
                    cached += each.isCached() ? 1 : 0;
                }
                assertEquals(cache.size(), cached);
            }
        }
        assertEquals(3, cache.size());
        assertEquals(cache.loads() - 3, cache.evictions(), "every load past the first three took a line");
        assertEquals(0, cache.writeBacks(), "nothing changed, nothing written");
    }

    @Test
    void oneLineIsEnoughAndWritesBackOnEveryDirtySwitch()
    {
        final CountingTransfers transfers = new CountingTransfers();
        final Record[] r = records(table(CONTEXTS), CONTEXTS);
        final ContextCache cache = new ContextCache(RECORD, 1, transfers);
        for (int round = 1; round <= 3; round++)
        {
            for (final Record each : r)
            {
                increment(cache, each);
            }
        }
        assertEquals(3 * CONTEXTS - 1, cache.writeBacks(), "every switch wrote the dirty context back");
        assertEquals(1, cache.flush(), "the last one is still cached, and dirty");
        for (int i = 0; i < CONTEXTS; i++)
        {
            assertEquals(2003L + i, tableLong(r[i], 8));
        }
        assertEquals(3 * CONTEXTS, cache.loads());
        assertEquals(0, cache.hits());
        assertEquals(3 * CONTEXTS, cache.writeBacks());
        assertEquals(3 * CONTEXTS, transfers.writeBacks.get());
        assertEquals(3 * CONTEXTS - 1, cache.evictions());
        assertEquals(1, cache.size());
    }

    @Test
    void clockGivesARecentlyUsedContextASecondChance()
    {
        final Record[] r = records(table(CONTEXTS), CONTEXTS);
        final ContextCache cache = new ContextCache(RECORD, 3, ContextCache.COPY);
        touch(cache, r[0]);
        touch(cache, r[1]);
        touch(cache, r[2]);
        touch(cache, r[3]); // all referenced: the sweep clears every bit and takes the first line (r0's)
        assertFalse(r[0].isCached());
        assertTrue(r[1].isCached());
        assertTrue(r[2].isCached());
        assertTrue(r[3].isCached());
        touch(cache, r[1]); // r1 used again: referenced; r2 is not
        touch(cache, r[4]); // the hand passes r1 (clearing its bit) and takes r2
        assertTrue(r[1].isCached(), "second chance");
        assertFalse(r[2].isCached());
        assertTrue(r[3].isCached());
        assertTrue(r[4].isCached());
        touch(cache, r[5]); // r1 had its chance (its bit is clear now), r3 and r4 are referenced: the hand takes r1
        assertFalse(r[1].isCached(), "only one chance per use");
        assertEquals(3, cache.size());
        assertEquals(1, cache.hits());
        assertEquals(6, cache.misses());
        assertEquals(3, cache.evictions());
    }

    @Test
    void onlyChangedContextsAreWrittenBack()
    {
        final CountingTransfers transfers = new CountingTransfers();
        final Record[] r = records(table(CONTEXTS), CONTEXTS);
        final ContextCache cache = new ContextCache(RECORD, 1, transfers);

        cache.acquire(r[0]);
        assertEquals(1000, r[0].a());
        assertEquals(3000, r[0].c());
        assertFalse(r[0].isDirty(), "reads leave it clean");
        cache.release(r[0]);
        touch(cache, r[1]); // r0 leaves clean
        assertFalse(r[0].isCached());
        assertEquals(0, cache.writeBacks());
        assertEquals(0, transfers.writeBacks.get());

        cache.acquire(r[2]);
        r[2].c(77);
        assertTrue(r[2].isDirty());
        r[2].flag(true);
        assertTrue(r[2].flag());
        cache.release(r[2]);
        assertEquals(3002, r[2].table().get(ValueLayout.JAVA_INT, r[2].home() + 16), "not written through");
        touch(cache, r[3]); // r2 leaves dirty
        assertEquals(1, cache.writeBacks());
        assertEquals(List.of(r[2].home()), transfers.writtenHomes);
        assertFalse(r[2].isDirty());
        assertEquals(77, r[2].table().get(ValueLayout.JAVA_INT, r[2].home() + 16));
        assertEquals(1, r[2].table().get(ValueLayout.JAVA_INT, r[2].home() + 24));

        cache.acquire(r[2]); // reloaded: the written values come back, clean
        assertEquals(77, r[2].c());
        assertTrue(r[2].flag());
        assertEquals(2002, r[2].b());
        assertFalse(r[2].isDirty());
        r[2].flag(false);
        assertFalse(r[2].flag());
        cache.release(r[2]);
        touch(cache, r[3]);
        assertEquals(2, cache.writeBacks());
        assertEquals(0, r[2].table().get(ValueLayout.JAVA_INT, r[2].home() + 24));
        touch(cache, r[2]);
        touch(cache, r[3]);
        assertEquals(2, cache.writeBacks(), "loaded and left without a change");
        assertEquals(0, cache.flush());
    }

    @Test
    void acquiresNest()
    {
        final CountingTransfers transfers = new CountingTransfers();
        final Record[] r = records(table(CONTEXTS), CONTEXTS);
        final ContextCache cache = new ContextCache(RECORD, 1, transfers);
        cache.acquire(r[0]);
        r[0].a(5);
        cache.acquire(r[0]);
        assertEquals(5, r[0].a());
        r[0].a(6);
        cache.acquire(r[0]);
        cache.release(r[0]);
        cache.release(r[0]);
        assertTrue(r[0].isPinned(), "the outer acquire still holds it");
        assertEquals(6, r[0].a());
        assertEquals(0, cache.flush(), "a pinned context is its user's: flush leaves it");
        assertEquals(1000, tableLong(r[0], 0), "not written while pinned");
        assertEquals(1, cache.accesses(), "nested acquires are not accesses");
        assertEquals(1, cache.loads());
        assertEquals(0, cache.hits());
        cache.release(r[0]);
        assertFalse(r[0].isPinned());
        assertThrows(IllegalStateException.class, () -> cache.release(r[0]), "one release too many");
        assertEquals(1, cache.flush());
        assertEquals(6, tableLong(r[0], 0));
        assertThrows(IllegalStateException.class, () -> cache.release(r[1]), "never acquired");
    }

    @Test
    void twoContextsHeldAtOnceWhenThereAreLinesForThem()
    {
        final Record[] r = records(table(CONTEXTS), CONTEXTS);
        final ContextCache cache = new ContextCache(RECORD, 2, ContextCache.COPY);
        touch(cache, r[2]);
        touch(cache, r[3]);
        cache.acquire(r[0]);
        r[0].a(10);
        cache.acquire(r[1]); // takes a line; r0's is pinned
        r[1].a(11);
        assertTrue(r[0].isCached());
        assertEquals(10, r[0].a());
        assertEquals(11, r[1].a());
        cache.release(r[0]);
        cache.release(r[1]);
        assertFalse(r[2].isCached());
        assertFalse(r[3].isCached());
    }

    @Test
    void aPinnedContextIsNeverEvictedAndAThreadNeedingItsLineWaits() throws Exception
    {
        final CountingTransfers transfers = new CountingTransfers();
        final Record[] r = records(table(CONTEXTS), CONTEXTS);
        final ContextCache cache = new ContextCache(RECORD, 1, transfers);
        cache.acquire(r[0]);
        r[0].a(42);

        final CountDownLatch started = new CountDownLatch(1);
        final CountDownLatch acquired = new CountDownLatch(1);
        final CountDownLatch finish = new CountDownLatch(1);
        final AtomicReference<Throwable> failure = new AtomicReference<>();
        final AtomicLong seen = new AtomicLong();
        final Thread other = Thread.ofPlatform().daemon().name("other-owner").start(() ->
        {
            try
            {
                started.countDown();
                cache.acquire(r[1]);
                try
                {
                    seen.set(r[1].a());
                    r[1].a(43);
                    acquired.countDown();
                    assertTrue(finish.await(5, TimeUnit.SECONDS));
                }
                finally
                {
                    cache.release(r[1]);
                }
            }
            catch (final Throwable t)
            {
                failure.set(t);
                acquired.countDown();
            }
        });
        assertTrue(started.await(5, TimeUnit.SECONDS));
        assertFalse(acquired.await(300, TimeUnit.MILLISECONDS), "the only line is pinned: the other thread waits");
        assertTrue(r[0].isCached());
        assertFalse(r[1].isCached());
        assertEquals(42, r[0].a(), "still ours");
        r[0].a(44);
        assertEquals(1, cache.size());
        assertEquals(0, cache.writeBacks());

        cache.release(r[0]);
        assertTrue(acquired.await(5, TimeUnit.SECONDS), "released: the waiting thread gets the line");
        assertNull(failure.get());
        assertFalse(r[0].isCached());
        assertTrue(r[1].isCached());
        assertEquals(1001, seen.get());
        assertEquals(44, tableLong(r[0], 0), "written back with the last change before the release");
        assertEquals(List.of(r[0].home()), transfers.writtenHomes);
        finish.countDown();
        other.join(5_000);
        assertFalse(other.isAlive());
        assertNull(failure.get());

        cache.acquire(r[0]); // the other thread released: this one waits for nothing
        assertEquals(44, r[0].a());
        cache.release(r[0]);
        assertEquals(43, tableLong(r[1], 0));
    }

    @Test
    void accessorsFailWhenTheContextIsNotCached()
    {
        final Record[] r = records(table(CONTEXTS), CONTEXTS);
        final ContextCache cache = new ContextCache(RECORD, 1, ContextCache.COPY);
        assertThrows(RuntimeException.class, r[0]::a, "never acquired");
        assertThrows(RuntimeException.class, () -> r[0].a(1), "never acquired");

        cache.acquire(r[0]);
        r[0].a(7);
        cache.release(r[0]);
        cache.acquire(r[1]); // evicts r0 (written back)
        r[1].a(8);
        assertFalse(r[0].isCached());
        assertThrows(IndexOutOfBoundsException.class, r[0]::a, "evicted: points nowhere");
        assertThrows(IndexOutOfBoundsException.class, r[0]::c);
        assertThrows(IndexOutOfBoundsException.class, r[0]::flag);
        assertThrows(IndexOutOfBoundsException.class, () -> r[0].a(9));
        assertThrows(IndexOutOfBoundsException.class, () -> r[0].d(9));
        assertThrows(IndexOutOfBoundsException.class, () -> r[0].flag(true));
        assertFalse(r[0].isDirty(), "a failed write changes nothing");
        assertEquals(8, r[1].a(), "nor the line's new context");
        cache.release(r[1]);
        assertEquals(7, tableLong(r[0], 0));

        cache.acquire(r[1]);
        cache.discard(r[1]);
        assertThrows(IndexOutOfBoundsException.class, r[1]::a, "discarded, though still acquired");
        cache.release(r[1]);
        assertThrows(IndexOutOfBoundsException.class, r[1]::a);
    }

    @Test
    void discardFreesTheLineWithoutWritingBack()
    {
        final CountingTransfers transfers = new CountingTransfers();
        final Record[] r = records(table(CONTEXTS), CONTEXTS);
        final ContextCache cache = new ContextCache(RECORD, 2, transfers);
        touch(cache, r[1]);
        cache.acquire(r[0]);
        r[0].a(99);
        assertTrue(r[0].isDirty());
        cache.discard(r[0]);
        assertFalse(r[0].isCached());
        assertFalse(r[0].isDirty());
        cache.release(r[0]);
        assertEquals(1, cache.size());
        assertEquals(1000, tableLong(r[0], 0), "not written back");
        assertEquals(0, cache.writeBacks());
        assertEquals(0, transfers.writeBacks.get());

        cache.discard(r[0]); // not cached: nothing to do
        assertEquals(1, cache.size());

        touch(cache, r[2]); // the freed line: no eviction
        assertEquals(0, cache.evictions());
        assertTrue(r[1].isCached());
        assertTrue(r[2].isCached());

        cache.acquire(r[0]); // loads the table's record again
        assertEquals(1000, r[0].a());
        cache.release(r[0]);
        assertEquals(1, cache.evictions());
        assertEquals(0, cache.writeBacks());
        assertEquals(0, cache.flush());
    }

    @Test
    void flushWritesBackTheChangedContextsNobodyIsWorkingOn()
    {
        final CountingTransfers transfers = new CountingTransfers();
        final Record[] r = records(table(CONTEXTS), CONTEXTS);
        final ContextCache cache = new ContextCache(RECORD, 4, transfers);
        cache.acquire(r[0]);
        r[0].a(10);
        cache.release(r[0]);
        touch(cache, r[1]); // clean
        cache.acquire(r[2]);
        r[2].a(12);
        cache.release(r[2]);
        cache.acquire(r[3]);
        r[3].a(13); // dirty and pinned

        assertEquals(2, cache.flush());
        assertEquals(2, cache.writeBacks());
        assertEquals(Set.of(r[0].home(), r[2].home()), Set.copyOf(transfers.writtenHomes));
        assertEquals(10, tableLong(r[0], 0));
        assertEquals(1001, tableLong(r[1], 0));
        assertEquals(12, tableLong(r[2], 0));
        assertEquals(1003, tableLong(r[3], 0), "pinned: left to its user");
        assertTrue(r[3].isDirty());
        assertTrue(r[3].isPinned());
        for (int i = 0; i < 3; i++)
        {
            assertTrue(r[i].isCached(), "flushed contexts stay cached");
            assertFalse(r[i].isDirty(), "and clean");
            assertFalse(r[i].isPinned());
        }
        assertEquals(13, r[3].a(), "the pinned context is untouched");
        assertEquals(0, cache.flush(), "nothing more while r3 is pinned");

        cache.release(r[3]);
        assertEquals(1, cache.flush());
        assertEquals(13, tableLong(r[3], 0));
        assertEquals(0, cache.flush());
        assertEquals(3, cache.writeBacks());
        assertEquals(0, cache.evictions());
        assertEquals(4, cache.size());

        cache.acquire(r[0]); // flushed contexts are hits, and leave without another write-back
        assertEquals(10, r[0].a());
        cache.release(r[0]);
        assertEquals(5, cache.accesses());
        touch(cache, r[4]);
        touch(cache, r[5]);
        assertEquals(3, cache.writeBacks());
    }

    /**
     * The class says a miss sweeps for a victim only "with no free line", and acquire loads "into a free line or one
     * taken from another context". claimLine walks the hand over free and taken lines alike, so after a discard leaves
     * a hole it can take (and write back) an idle context while the hole stays free.
     */
    @Test
    void aMissTakesAFreeLineBeforeEvictingAnything()
    {
        final CountingTransfers transfers = new CountingTransfers();
        final Record[] r = records(table(CONTEXTS), CONTEXTS);
        final ContextCache cache = new ContextCache(RECORD, 2, transfers);
        touch(cache, r[0]); // line 0
        increment(cache, r[1]); // line 1, dirty
        touch(cache, r[2]); // full: the sweep clears both bits and takes line 0 from r0
        assertFalse(r[0].isCached());
        cache.acquire(r[2]);
        cache.discard(r[2]); // line 0 is free again
        cache.release(r[2]);
        assertEquals(1, cache.size());
        touch(cache, r[0]); // a free line: nothing to evict
        assertTrue(r[1].isCached(), "r1 was evicted although line 0 was free");
        assertEquals(2, cache.size());
        assertEquals(1, cache.evictions());
        assertEquals(0, cache.writeBacks(), "r1 (dirty) was written back to make room that was there");
    }

    /**
     * The brief for the flyweight: outside acquire/release it points nowhere, so a use without the pin throws instead
     * of reading a line that another thread may take at any moment. Today release leaves {@code base} at the line, so
     * reads and writes after the release go to the line until the context is evicted (and a thread that does not see
     * the evicting thread's write of {@code base} reads the next context's data).
     */
    @Test
    void accessorsFailAfterTheLastRelease()
    {
        final Record[] r = records(table(CONTEXTS), CONTEXTS);
        final ContextCache cache = new ContextCache(RECORD, 2, ContextCache.COPY);
        cache.acquire(r[0]);
        cache.acquire(r[0]);
        cache.release(r[0]);
        assertEquals(1000, r[0].a(), "still held by the outer acquire");
        cache.release(r[0]);
        assertTrue(r[0].isCached());
        assertThrows(RuntimeException.class, r[0]::a, "released: points nowhere");
        assertThrows(RuntimeException.class, () -> r[0].a(1), "released: points nowhere");
    }

    @Test
    void rejectsBadShapes()
    {
        assertThrows(IllegalArgumentException.class, () -> new ContextCache(0, 1, ContextCache.COPY));
        assertThrows(IllegalArgumentException.class, () -> new ContextCache(4, 1, ContextCache.COPY));
        assertThrows(IllegalArgumentException.class, () -> new ContextCache(12, 1, ContextCache.COPY));
        assertThrows(IllegalArgumentException.class, () -> new ContextCache(-8, 1, ContextCache.COPY));
        assertThrows(IllegalArgumentException.class, () -> new ContextCache(8, 0, ContextCache.COPY));
        assertThrows(IllegalArgumentException.class, () -> new ContextCache(8, -1, ContextCache.COPY));
        assertThrows(IllegalArgumentException.class, () -> new ContextCache(ConnectionContext.RECORD_SIZE, 0,
            ContextCache.COPY));
        final ContextCache smallest = assertDoesNotThrow(() -> new ContextCache(8, 1, ContextCache.COPY));
        assertEquals(8, smallest.recordSize());
        assertEquals(1, smallest.capacity());
        assertEquals(0, smallest.size());
        assertEquals(ConnectionContext.RECORD_SIZE,
            new ContextCache(ConnectionContext.RECORD_SIZE, 16, ContextCache.COPY).recordSize());
    }

    @Test
    void accessesAllocateNothing()
    {
        final int contexts = 1024;
        final MemorySegment table = MemorySegment.ofArray(new long[contexts * RECORD / Long.BYTES]);
        final Record[] r = new Record[contexts];
        for (int i = 0; i < contexts; i++)
        {
            r[i] = new Record(table, (long)i * RECORD);
        }
        final ContextCache cache = new ContextCache(RECORD, 64, ContextCache.COPY);
        final com.sun.management.ThreadMXBean threads =
            (com.sun.management.ThreadMXBean)ManagementFactory.getThreadMXBean();
        run(cache, r, 20_000);
        final long before = threads.getCurrentThreadAllocatedBytes();
        run(cache, r, 200_000);
        final long allocated = threads.getCurrentThreadAllocatedBytes() - before;
        assertTrue(allocated < 1024, "allocated " + allocated + " bytes");
    }

    private static void run(final ContextCache cache, final Record[] r, final int operations)
    {
        for (int i = 0; i < operations; i++)
        {
            final Record ctx = r[(i * 7919) % r.length];
            cache.acquire(ctx);
            ctx.b(ctx.b() + 1);
            cache.release(ctx);
            if (i % 1000 == 0)
            {
                cache.flush();
            }
        }
    }
}
