package io.softnic.engine.rc;

import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Write-back keeps every context exact.
 * <p>
 * One thread: for any capacity, record size and random mix of reads, writes (long, int and boolean fields), nested
 * acquires, two contexts held at once, discards and flushes (some while a context is held), every read returns what
 * a reference model holds; the host table always holds exactly what the model says was last written back (so a
 * write-back happens exactly for a changed context leaving the cache or flushed, and never for another); a context
 * is dirty exactly when it changed since its last load or write-back; a held context is never evicted; a context
 * that is not cached cannot be read; the cache never holds more than its capacity; every access is a hit or a load
 * (hits + loads == accesses) with a load exactly when the context was not cached; after a final flush the table
 * equals the model.
 * <p>
 * Several threads: each increments fields of contexts under the context's lock (its own contexts, or contexts shared
 * by all), with few lines; every read under the lock sees every earlier increment, and at the end the table holds
 * every increment made (no update lost across evictions), with nothing deadlocked.
 */
class ContextCachePropertyTest
{
    /** jqwik has no timeout of its own: each try runs under this one. */
    private static final Duration TRY_TIMEOUT = Duration.ofSeconds(20);
    private static final int OP_KINDS = 16;

    /** Any context: fields by offset. */
    static final class Ctx extends CachedContext
    {
        Ctx(final MemorySegment table, final long home)
        {
            super(table, home);
        }

        long longAt(final int offset)
        {
            return getLong(offset);
        }

        void longAt(final int offset, final long value)
        {
            putLong(offset, value);
        }

        int intAt(final int offset)
        {
            return getInt(offset);
        }

        void intAt(final int offset, final int value)
        {
            putInt(offset, value);
        }

        boolean flagAt(final int offset)
        {
            return getBoolean(offset);
        }

        void flagAt(final int offset, final boolean value)
        {
            putBoolean(offset, value);
        }
    }

    /** Plain copies, logged in order (one thread) or counted (several). */
    static final class LoggingTransfers implements ContextCache.Transfers
    {
        final List<String> log = new ArrayList<>();
        final boolean logging;
        final AtomicLong loads = new AtomicLong();
        final AtomicLong writeBacks = new AtomicLong();

        LoggingTransfers(final boolean logging)
        {
            this.logging = logging;
        }

        @Override
        public void load(final MemorySegment table, final long home, final MemorySegment lines, final long lineOffset,
            final int length)
        {
            loads.incrementAndGet();
            if (logging)
            {
                log.add("load " + System.identityHashCode(table) + "@" + home);
            }
            ContextCache.COPY.load(table, home, lines, lineOffset, length);
        }

        @Override
        public void writeBack(final MemorySegment lines, final long lineOffset, final MemorySegment table,
            final long home, final int length)
        {
            writeBacks.incrementAndGet();
            if (logging)
            {
                log.add("writeBack " + System.identityHashCode(table) + "@" + home);
            }
            ContextCache.COPY.writeBack(lines, lineOffset, table, home, length);
        }

        static String load(final Ctx c)
        {
            return "load " + System.identityHashCode(c.table()) + "@" + c.home();
        }

        static String writeBack(final Ctx c)
        {
            return "writeBack " + System.identityHashCode(c.table()) + "@" + c.home();
        }
    }

    /** Contexts in two tables, homes out of order and not at 0, so a load or write-back at the wrong place shows. */
    static Ctx[] contexts(final int count, final int recordSize)
    {
        final MemorySegment[] tables = {
            MemorySegment.ofArray(new long[(count + 2) * recordSize / Long.BYTES]),
            MemorySegment.ofArray(new long[(count + 2) * recordSize / Long.BYTES]),
        };
        final Ctx[] contexts = new Ctx[count];
        for (int i = 0; i < count; i++)
        {
            final long slot = count - 1 - i / 2;
            contexts[i] = new Ctx(tables[i % 2], recordSize + slot * recordSize);
        }
        return contexts;
    }

    /** The reference model of a single-threaded run. */
    static final class Model
    {
        final ContextCache cache;
        final LoggingTransfers transfers;
        final Ctx[] ctx;
        final int recordSize;
        final int capacity;
        /** What each context holds now. */
        final MemorySegment value;
        /** What each context's home in the table must hold: what was last written back (or there at the start). */
        final MemorySegment home;
        final boolean[] dirty;
        final int[] held;
        long accesses;
        long hits;
        long loads;
        long writeBacks;
        long evictions;
        boolean discarded;

        Model(final int capacity, final int contexts, final int recordSize)
        {
            this.transfers = new LoggingTransfers(true);
            this.cache = new ContextCache(recordSize, capacity, transfers);
            this.ctx = contexts(contexts, recordSize);
            this.recordSize = recordSize;
            this.capacity = capacity;
            this.value = MemorySegment.ofArray(new long[contexts * recordSize / Long.BYTES]);
            this.home = MemorySegment.ofArray(new long[contexts * recordSize / Long.BYTES]);
            this.dirty = new boolean[contexts];
            this.held = new int[contexts];
            for (int q = 0; q < contexts; q++)
            {
                for (int at = 0; at < recordSize; at += Long.BYTES)
                {
                    final long initial = 0x5EED_0000_0000L + q * 0x9E37_79B9L + at;
                    ctx[q].table().set(ValueLayout.JAVA_LONG, ctx[q].home() + at, initial);
                    value.set(ValueLayout.JAVA_LONG, (long)q * recordSize + at, initial);
                    home.set(ValueLayout.JAVA_LONG, (long)q * recordSize + at, initial);
                }
            }
        }

        long at(final int q, final int offset)
        {
            return (long)q * recordSize + offset;
        }

        /** An acquire, checked: a hit exactly when cached, a load otherwise, a write-back for a dirty victim. */
        void acquire(final int q)
        {
            final Ctx c = ctx[q];
            if (held[q] > 0)
            {
                cache.acquire(c);
                held[q]++;
                assertEquals(List.of(), transfers.log, "a nested acquire moves nothing");
                assertEquals(accesses, cache.accesses(), "a nested acquire is no access");
                return;
            }
            final boolean[] wasCached = cached();
            cache.acquire(c);
            held[q] = 1;
            accesses++;
            final List<String> expected = new ArrayList<>();
            if (wasCached[q])
            {
                hits++;
            }
            else
            {
                loads++;
                int left = 0;
                for (int p = 0; p < ctx.length; p++)
                {
                    if (wasCached[p] && !ctx[p].isCached())
                    {
                        left++;
                        assertEquals(0, held[p], "a held context was evicted: " + p);
                        if (dirty[p])
                        {
                            expected.add(LoggingTransfers.writeBack(ctx[p]));
                            written(p);
                        }
                    }
                }
                int before = 0;
                for (final boolean b : wasCached)
                {
                    before += b ? 1 : 0;
                }
                assertTrue(left <= 1, "one victim at most");
                if (!discarded)
                {
                    // with no line freed by a discard, the hand fills the free lines in order before it evicts
                    // (after a discard ContextCache may evict although a line is free: see ContextCacheTest)
                    assertEquals(before == capacity ? 1 : 0, left, "a victim only when every line was taken");
                }
                evictions += left;
                expected.add(LoggingTransfers.load(c));
                dirty[q] = false;
            }
            assertEquals(expected, transfers.log, "transfers of acquire(" + q + ")");
            transfers.log.clear();
            assertTrue(c.isCached());
            assertTrue(c.isPinned());
        }

        void release(final int q)
        {
            final boolean wasCached = ctx[q].isCached();
            cache.release(ctx[q]);
            held[q]--;
            assertEquals(held[q] > 0, ctx[q].isPinned());
            assertEquals(wasCached, ctx[q].isCached(), "a release neither evicts nor loads");
            assertEquals(List.of(), transfers.log, "a release moves nothing");
        }

        void written(final int p)
        {
            MemorySegment.copy(value, at(p, 0), home, at(p, 0), recordSize);
            dirty[p] = false;
            writeBacks++;
        }

        boolean[] cached()
        {
            final boolean[] cached = new boolean[ctx.length];
            for (int p = 0; p < ctx.length; p++)
            {
                cached[p] = ctx[p].isCached();
            }
            return cached;
        }

        void readLong(final int q, final int offset)
        {
            assertEquals(value.get(ValueLayout.JAVA_LONG, at(q, offset)), ctx[q].longAt(offset),
                "long at " + offset + " of " + q);
        }

        void readInt(final int q, final int offset)
        {
            assertEquals(value.get(ValueLayout.JAVA_INT, at(q, offset)), ctx[q].intAt(offset),
                "int at " + offset + " of " + q);
        }

        void writeLong(final int q, final int offset, final long v)
        {
            ctx[q].longAt(offset, v);
            value.set(ValueLayout.JAVA_LONG, at(q, offset), v);
            dirty[q] = true;
        }

        void writeInt(final int q, final int offset, final int v)
        {
            ctx[q].intAt(offset, v);
            value.set(ValueLayout.JAVA_INT, at(q, offset), v);
            dirty[q] = true;
        }

        void writeFlag(final int q, final int offset, final boolean v)
        {
            ctx[q].flagAt(offset, v);
            value.set(ValueLayout.JAVA_INT, at(q, offset), v ? 1 : 0);
            dirty[q] = true;
            assertEquals(v, ctx[q].flagAt(offset));
        }

        void discard(final int q)
        {
            final boolean wasCached = ctx[q].isCached();
            final int size = cache.size();
            cache.discard(ctx[q]);
            discarded |= wasCached;
            assertFalse(ctx[q].isCached());
            assertFalse(ctx[q].isDirty());
            assertEquals(wasCached ? size - 1 : size, cache.size(), "discard frees the line");
            assertThrows(IndexOutOfBoundsException.class, () -> ctx[q].longAt(0), "discarded: points nowhere");
            // the context is what its table holds again
            MemorySegment.copy(home, at(q, 0), value, at(q, 0), recordSize);
            dirty[q] = false;
            assertEquals(List.of(), transfers.log, "discard writes nothing back");
        }

        void flush()
        {
            final List<String> expected = new ArrayList<>();
            for (int p = 0; p < ctx.length; p++)
            {
                if (ctx[p].isCached() && dirty[p] && held[p] == 0)
                {
                    expected.add(LoggingTransfers.writeBack(ctx[p]));
                    written(p);
                }
            }
            final boolean[] wasCached = cached();
            assertEquals(expected.size(), cache.flush(), "flush returns what it wrote");
            assertEquals(sorted(expected), sorted(transfers.log), "flush writes back the dirty unpinned contexts");
            transfers.log.clear();
            assertTrue(Arrays.equals(wasCached, cached()), "flushed contexts stay cached");
        }

        static List<String> sorted(final List<String> list)
        {
            return list.stream().sorted().toList();
        }

        /** Everything the model knows, checked. */
        void check()
        {
            assertTrue(cache.size() <= capacity, "never more contexts than lines");
            int cached = 0;
            for (int p = 0; p < ctx.length; p++)
            {
                cached += ctx[p].isCached() ? 1 : 0;
                assertEquals(dirty[p], ctx[p].isDirty(), "dirty of " + p);
                assertEquals(held[p] > 0, ctx[p].isPinned(), "pinned of " + p);
                assertEquals(-1,
                    ctx[p].table().asSlice(ctx[p].home(), recordSize).mismatch(home.asSlice(at(p, 0), recordSize)),
                    "the table holds what was last written back: " + p);
                if (!dirty[p])
                {
                    assertEquals(-1, value.asSlice(at(p, 0), recordSize).mismatch(home.asSlice(at(p, 0), recordSize)),
                        "a clean context equals its home: " + p);
                }
            }
            assertEquals(cached, cache.size());
            assertEquals(accesses, cache.accesses());
            assertEquals(hits, cache.hits());
            assertEquals(loads, cache.loads());
            assertEquals(loads, cache.misses());
            assertEquals(cache.accesses(), cache.hits() + cache.loads());
            assertEquals(writeBacks, cache.writeBacks(), "write-backs: exactly the dirty contexts leaving or flushed");
            assertEquals(writeBacks, transfers.writeBacks.get());
            assertEquals(loads, transfers.loads.get());
            assertEquals(evictions, cache.evictions());
        }
    }

    @Property(tries = 300)
    void writeBackKeepsEveryContextExact(
        @ForAll @IntRange(min = 1, max = 8) final int capacity,
        @ForAll @IntRange(min = 1, max = 16) final int contexts,
        @ForAll @IntRange(min = 1, max = 8) final int recordWords,
        @ForAll @Size(max = 300) final List<@IntRange(min = 0, max = 999_999) Integer> ops)
    {
        assertTimeoutPreemptively(TRY_TIMEOUT, () ->
        {
            final int recordSize = recordWords * Long.BYTES;
            final Model m = new Model(capacity, contexts, recordSize);
            long value = 1;
            for (final int op : ops)
            {
                final int kind = op % OP_KINDS;
                final int q = (op / OP_KINDS) % contexts;
                final int word = (op / (OP_KINDS * 16)) % recordWords;
                final int half = (op / (OP_KINDS * 16 * 8)) % 2 * Integer.BYTES;
                final int longAt = word * Long.BYTES;
                final int intAt = longAt + half;
                value = value * 6364136223846793005L + 1442695040888963407L;
                switch (kind)
                {
                    case 0, 1, 2 ->
                    {
                        m.acquire(q);
                        m.readLong(q, longAt);
                        m.readInt(q, intAt);
                        m.release(q);
                    }
                    case 3, 4, 5 ->
                    {
                        m.acquire(q);
                        m.writeLong(q, longAt, value);
                        m.readLong(q, longAt);
                        m.release(q);
                    }
                    case 6, 7 ->
                    {
                        m.acquire(q);
                        m.writeInt(q, intAt, (int)(value >>> 17));
                        m.readLong(q, longAt);
                        m.release(q);
                    }
                    case 8 ->
                    {
                        m.acquire(q);
                        m.writeFlag(q, intAt, (value & 1) != 0);
                        m.release(q);
                    }
                    case 9 ->
                    {
                        // nested: the inner acquire neither loads nor counts; the outer still holds it after
                        m.acquire(q);
                        m.readLong(q, longAt);
                        m.acquire(q);
                        m.writeLong(q, longAt, value);
                        if ((value & 2) != 0)
                        {
                            m.acquire(q);
                            m.writeInt(q, intAt, (int)value);
                            m.release(q);
                        }
                        m.release(q);
                        m.readLong(q, longAt);
                        m.readInt(q, intAt);
                        m.release(q);
                    }
                    case 10 ->
                    {
                        // two at once, where there is a line for each: the one held first stays
                        if (capacity >= 2 && contexts >= 2)
                        {
                            final int r = (q + 1 + (op / (OP_KINDS * 16 * 16)) % (contexts - 1)) % contexts;
                            m.acquire(q);
                            m.writeLong(q, longAt, value);
                            m.acquire(r);
                            assertTrue(m.ctx[q].isCached(), "held, so not evicted");
                            m.readLong(q, longAt);
                            m.writeLong(r, longAt, ~value);
                            if ((value & 4) != 0)
                            {
                                m.release(q);
                                m.release(r);
                            }
                            else
                            {
                                m.release(r);
                                m.release(q);
                            }
                        }
                    }
                    case 11, 12 ->
                    {
                        // as a destroyed QP: acquired, maybe changed, discarded, released
                        m.acquire(q);
                        if ((value & 8) != 0)
                        {
                            m.writeLong(q, longAt, value);
                        }
                        m.discard(q);
                        m.release(q);
                    }
                    case 13 -> m.flush();
                    case 14 ->
                    {
                        // a flush while a context is held (and maybe changed): it stays unwritten
                        m.acquire(q);
                        if ((value & 16) != 0)
                        {
                            m.writeLong(q, longAt, value);
                        }
                        m.flush();
                        m.readLong(q, longAt);
                        m.release(q);
                    }
                    default ->
                    {
                        // a context that is not cached cannot be used
                        if (!m.ctx[q].isCached())
                        {
                            assertThrows(RuntimeException.class, () -> m.ctx[q].longAt(longAt));
                            assertThrows(RuntimeException.class, () -> m.ctx[q].intAt(intAt, 1));
                            assertFalse(m.ctx[q].isDirty());
                        }
                    }
                }
                m.check();
            }
            m.flush();
            m.check();
            for (int q = 0; q < contexts; q++)
            {
                assertEquals(-1, m.ctx[q].table().asSlice(m.ctx[q].home(), recordSize)
                        .mismatch(m.value.asSlice(m.at(q, 0), recordSize)),
                    "after a flush the table equals the model: " + q);
                assertFalse(m.ctx[q].isDirty());
            }
        });
    }

    @Property(tries = 60)
    void concurrentIncrementsAreNeverLost(
        @ForAll @IntRange(min = 2, max = 4) final int threads,
        @ForAll @IntRange(min = 1, max = 4) final int capacity,
        @ForAll @IntRange(min = 1, max = 8) final int contexts,
        @ForAll @IntRange(min = 1, max = 4) final int recordWords,
        @ForAll final boolean shared,
        @ForAll final long seed)
    {
        assertTimeoutPreemptively(TRY_TIMEOUT, () ->
        {
            final int recordSize = recordWords * Long.BYTES;
            // fields: ints at 0 and 4, longs at 8, 16, ...
            final int fields = 2 + recordWords - 1;
            final LoggingTransfers transfers = new LoggingTransfers(false);
            final ContextCache cache = new ContextCache(recordSize, capacity, transfers);
            final Ctx[] ctx = contexts(contexts, recordSize);
            final Object[] locks = new Object[contexts];
            // guarded by locks[q]: what each field of context q must hold
            final long[][] expected = new long[contexts][fields];
            for (int q = 0; q < contexts; q++)
            {
                locks[q] = new Object();
                for (int f = 0; f < fields; f++)
                {
                    expected[q][f] = (q + 1) * 1000L + f * 100L;
                    if (f < 2)
                    {
                        ctx[q].table().set(ValueLayout.JAVA_INT, ctx[q].home() + f * Integer.BYTES,
                            (int)expected[q][f]);
                    }
                    else
                    {
                        ctx[q].table().set(ValueLayout.JAVA_LONG, ctx[q].home() + (f - 1) * Long.BYTES,
                            expected[q][f]);
                    }
                }
            }
            final int opsPerThread = 1000;
            final AtomicReference<Throwable> failure = new AtomicReference<>();
            final CountDownLatch start = new CountDownLatch(1);
            final Thread[] workers = new Thread[threads];
            for (int t = 0; t < threads; t++)
            {
                final int self = t;
                final SplittableRandom random = new SplittableRandom(seed + 31L * t);
                workers[t] = Thread.ofPlatform().daemon().name("ctx-worker-" + t).unstarted(() ->
                {
                    try
                    {
                        start.await();
                        final int[] mine = shared
                            ? java.util.stream.IntStream.range(0, contexts).toArray()
                            : java.util.stream.IntStream.range(0, contexts).filter(q -> q % threads == self).toArray();
                        if (mine.length == 0)
                        {
                            return;
                        }
                        for (int i = 0; i < opsPerThread && failure.get() == null; i++)
                        {
                            final int q = mine[random.nextInt(mine.length)];
                            final int roll = random.nextInt(100);
                            if (roll < 3)
                            {
                                cache.flush(); // from any thread, holding nothing
                                continue;
                            }
                            synchronized (locks[q])
                            {
                                cache.acquire(ctx[q]);
                                try
                                {
                                    if (!ctx[q].isCached() || !ctx[q].isPinned())
                                    {
                                        throw new AssertionError("acquired but not cached and pinned: " + q);
                                    }
                                    final int f = random.nextInt(fields);
                                    increment(ctx[q], q, f, expected[q]);
                                    if (roll < 15)
                                    {
                                        cache.acquire(ctx[q]); // nested
                                        try
                                        {
                                            increment(ctx[q], q, random.nextInt(fields), expected[q]);
                                        }
                                        finally
                                        {
                                            cache.release(ctx[q]);
                                        }
                                    }
                                    if (roll >= 95)
                                    {
                                        Thread.yield(); // hold the line a while
                                    }
                                }
                                finally
                                {
                                    cache.release(ctx[q]);
                                }
                            }
                        }
                    }
                    catch (final Throwable e)
                    {
                        failure.compareAndSet(null, e);
                    }
                });
                workers[t].start();
            }
            start.countDown();
            final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
            for (final Thread worker : workers)
            {
                worker.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime())));
                if (worker.isAlive())
                {
                    failure.compareAndSet(null, new AssertionError("no progress (deadlock?): " + worker.getName()
                        + " " + worker.getState() + " " + Arrays.toString(worker.getStackTrace())));
                    break;
                }
            }
            if (failure.get() != null)
            {
                fail("threads " + threads + ", capacity " + capacity + ", contexts " + contexts + ", shared "
                    + shared, failure.get());
            }
            assertNull(failure.get());

            assertTrue(cache.size() <= capacity);
            assertEquals(cache.accesses(), cache.hits() + cache.loads());
            assertEquals(transfers.loads.get(), cache.loads());
            assertEquals(transfers.writeBacks.get(), cache.writeBacks());
            cache.flush();
            for (int q = 0; q < contexts; q++)
            {
                assertFalse(ctx[q].isPinned());
                assertFalse(ctx[q].isDirty(), "flushed: " + q);
                for (int f = 0; f < fields; f++)
                {
                    final long inTable = f < 2
                        ? ctx[q].table().get(ValueLayout.JAVA_INT, ctx[q].home() + f * Integer.BYTES)
                        : ctx[q].table().get(ValueLayout.JAVA_LONG, ctx[q].home() + (f - 1) * Long.BYTES);
                    assertEquals(expected[q][f], inTable, "context " + q + " field " + f + ": every increment");
                }
            }
        });
    }

    /** Under q's lock with q acquired: the field must hold every increment so far; add one. */
    private static void increment(final Ctx c, final int q, final int f, final long[] expected)
    {
        if (f < 2)
        {
            final int at = f * Integer.BYTES;
            final int now = c.intAt(at);
            if (now != (int)expected[f])
            {
                throw new AssertionError("context " + q + " int field " + f + ": " + now + ", expected "
                    + expected[f]);
            }
            c.intAt(at, now + 1);
        }
        else
        {
            final int at = (f - 1) * Long.BYTES;
            final long now = c.longAt(at);
            if (now != expected[f])
            {
                throw new AssertionError("context " + q + " long field " + f + ": " + now + ", expected "
                    + expected[f]);
            }
            c.longAt(at, now + 1);
        }
        expected[f]++;
    }
}
