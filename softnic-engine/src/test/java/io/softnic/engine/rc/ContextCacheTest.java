package io.softnic.engine.rc;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.management.ManagementFactory;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

@Timeout(10)
class ContextCacheTest
{
    private static final int RECORD = 64;
    private static final int QPS = 8;

    @Test
    void oneLineIsEnoughAndWritesBackOnEveryDirtySwitch()
    {
        try (Arena arena = Arena.ofConfined())
        {
            final MemorySegment table = arena.allocate(QPS * RECORD, Long.BYTES);
            final ContextCache cache = new ContextCache(table, RECORD, 1);
            for (int round = 1; round <= 3; round++)
            {
                for (int qpn = 0; qpn < QPS; qpn++)
                {
                    final int line = cache.acquire(qpn);
                    cache.putLong(line, 8, cache.getLong(line, 8) + qpn);
                }
            }
            cache.flush();
            for (int qpn = 0; qpn < QPS; qpn++)
            {
                assertEquals(3L * qpn, table.get(ValueLayout.JAVA_LONG, (long)qpn * RECORD + 8));
            }
            assertEquals(3 * QPS, cache.loads());
            assertEquals(0, cache.hits());
            assertEquals(3 * QPS, cache.writeBacks(), "every switch evicted a dirty context, the flush the last");
            assertEquals(1, cache.size());
        }
    }

    @Test
    void cleanContextsAreNeverWrittenBack()
    {
        try (Arena arena = Arena.ofConfined())
        {
            final MemorySegment table = arena.allocate(QPS * RECORD, Long.BYTES);
            final ContextCache cache = new ContextCache(table, RECORD, 2);
            for (int qpn = 0; qpn < QPS; qpn++)
            {
                cache.getInt(cache.acquire(qpn), 0);
            }
            cache.flush();
            assertEquals(0, cache.writeBacks());
        }
    }

    @Test
    void clockGivesARecentlyUsedContextASecondChance()
    {
        try (Arena arena = Arena.ofConfined())
        {
            final MemorySegment table = arena.allocate(QPS * RECORD, Long.BYTES);
            final ContextCache cache = new ContextCache(table, RECORD, 3);
            cache.acquire(0);
            cache.acquire(1);
            cache.acquire(2);
            cache.acquire(3); // all referenced: the sweep clears every bit and takes the first line (qp 0)
            assertFalse(cache.isCached(0));
            cache.acquire(1); // qp 1 used again: referenced; qp 2 is not
            cache.acquire(4); // the hand passes qp 1 (clearing its bit) and takes qp 2
            assertTrue(cache.isCached(1), "second chance");
            assertFalse(cache.isCached(2));
            assertTrue(cache.isCached(3));
            assertTrue(cache.isCached(4));
            assertEquals(3, cache.size());
            assertEquals(1, cache.hits());
            assertEquals(5, cache.misses());
        }
    }

    @Test
    void discardDropsWithoutWritingBackAndEvictWritesBack()
    {
        try (Arena arena = Arena.ofConfined())
        {
            final MemorySegment table = arena.allocate(QPS * RECORD, Long.BYTES);
            final ContextCache cache = new ContextCache(table, RECORD, 4);
            cache.putLong(cache.acquire(5), 0, 42);
            assertTrue(cache.discard(5));
            assertEquals(0, table.get(ValueLayout.JAVA_LONG, 5L * RECORD));
            assertFalse(cache.discard(5));
            cache.putLong(cache.acquire(6), 0, 43);
            assertTrue(cache.isDirty(6));
            assertTrue(cache.evict(6));
            assertEquals(43, table.get(ValueLayout.JAVA_LONG, 6L * RECORD));
            assertFalse(cache.evict(6));
            assertEquals(0, cache.size());
            assertEquals(1, cache.writeBacks());
        }
    }

    @Test
    void rejectsQpsOutsideTheTableAndFieldsOutsideTheRecord()
    {
        try (Arena arena = Arena.ofConfined())
        {
            final ContextCache cache = new ContextCache(arena.allocate(QPS * RECORD, Long.BYTES), RECORD, 2);
            assertThrows(IndexOutOfBoundsException.class, () -> cache.acquire(QPS));
            assertThrows(IndexOutOfBoundsException.class, () -> cache.acquire(-1));
            final int line = cache.acquire(0);
            assertThrows(IndexOutOfBoundsException.class, () -> cache.getLong(line, RECORD - 4));
            assertThrows(IllegalArgumentException.class, () -> new ContextCache(arena.allocate(64), 12, 1));
            assertThrows(IllegalArgumentException.class, () -> new ContextCache(arena.allocate(64), 8, 0));
        }
    }

    @Test
    void accessesAllocateNothing()
    {
        try (Arena arena = Arena.ofConfined())
        {
            final int qps = 1024;
            final ContextCache cache = new ContextCache(arena.allocate((long)qps * RECORD, Long.BYTES), RECORD, 64);
            final com.sun.management.ThreadMXBean threads =
                (com.sun.management.ThreadMXBean)ManagementFactory.getThreadMXBean();
            run(cache, qps, 20_000);
            final long before = threads.getCurrentThreadAllocatedBytes();
            run(cache, qps, 200_000);
            final long allocated = threads.getCurrentThreadAllocatedBytes() - before;
            assertTrue(allocated < 1024, "allocated " + allocated + " bytes");
        }
    }

    private static void run(final ContextCache cache, final int qps, final int operations)
    {
        for (int i = 0; i < operations; i++)
        {
            final int line = cache.acquire((i * 7919) % qps);
            cache.putLong(line, 16, cache.getLong(line, 16) + 1);
            if (i % 1000 == 0)
            {
                cache.flush();
            }
        }
    }
}
