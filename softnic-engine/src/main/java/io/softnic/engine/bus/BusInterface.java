package io.softnic.engine.bus;

import io.softnic.engine.counters.EngineCounters;
import io.softnic.engine.rc.ContextCache;
import io.softnic.verbs.IbvWcStatus;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * The only way the engine reaches host memory: key lookups and checks, payload DMA to and from registered regions,
 * the atomics, and the loads and write-backs of connection contexts. Every transfer to or from a registered region is
 * checked against the region's bounds, protection domain and access rights first.
 */
public final class BusInterface implements ContextCache.Transfers
{
    /** Check results: 0 is fine, otherwise the ibv_wc_status a local check failure completes with. */
    public static final int OK = 0;

    private static final VarHandle LONG = ValueLayout.JAVA_LONG.varHandle();
    private static final int KEY_INDEX_SHIFT = 8;

    private final AtomicReferenceArray<MemoryRegion> regions;
    private final EngineCounters counters;

    public BusInterface(final int maxMrs, final EngineCounters counters)
    {
        this.regions = new AtomicReferenceArray<>(maxMrs);
        this.counters = counters;
    }

    public int capacity()
    {
        return regions.length();
    }

    /** Keys carry the table index in their upper bits and a per-slot generation byte in the low 8 bits. */
    public static int keyOf(final int index, final int generation)
    {
        return (index << KEY_INDEX_SHIFT) | (generation & 0xFF);
    }

    public static int indexOf(final int key)
    {
        return key >>> KEY_INDEX_SHIFT;
    }

    public void publish(final int index, final MemoryRegion mr)
    {
        regions.set(index, mr);
    }

    public MemoryRegion remove(final int key)
    {
        final int index = indexOf(key);
        if (index >= regions.length())
        {
            return null;
        }
        final MemoryRegion mr = regions.get(index);
        if (mr == null || mr.key() != key)
        {
            return null;
        }
        mr.invalidate();
        regions.set(index, null);
        return mr;
    }

    public boolean slotFree(final int index)
    {
        return regions.get(index) == null;
    }

    /** The region a key names, or null if no valid region carries exactly that key. */
    public MemoryRegion lookup(final int key)
    {
        final int index = indexOf(key);
        if (index >= regions.length())
        {
            return null;
        }
        final MemoryRegion mr = regions.get(index);
        return mr != null && mr.key() == key && mr.valid() ? mr : null;
    }

    /**
     * Checks a local access (an SGE of this QP's own work request): the region exists in the QP's PD, covers the
     * range, and grants what the access needs. Returns OK or LOC_PROT_ERR.
     */
    public int checkLocal(final MemoryRegion mr, final int pdn, final long addr, final long len, final int access)
    {
        if (mr == null || mr.pdn() != pdn || !mr.contains(addr, len) || (mr.access() & access) != access)
        {
            return IbvWcStatus.LOC_PROT_ERR.code();
        }
        return OK;
    }

    /** Remote access check for a responder: true if the peer may touch [addr, addr+len) with that access. */
    public boolean checkRemote(final MemoryRegion mr, final int pdn, final long addr, final long len, final int access)
    {
        return mr != null && mr.pdn() == pdn && mr.contains(addr, len) && (mr.access() & access) == access;
    }

    /** DMA write: packet bytes into host memory at a checked address. */
    public void toHost(final MemoryRegion mr, final long addr, final MemorySegment src, final long srcOffset, final int len)
    {
        MemorySegment.copy(src, srcOffset, mr.memory(), addr - mr.iova(), len);
        counters.add(EngineCounters.BUS_BYTES_TO_HOST, len);
    }

    /** DMA read: host memory at a checked address into a packet. */
    public void fromHost(final MemoryRegion mr, final long addr, final MemorySegment dst, final long dstOffset, final int len)
    {
        MemorySegment.copy(mr.memory(), addr - mr.iova(), dst, dstOffset, len);
        counters.add(EngineCounters.BUS_BYTES_FROM_HOST, len);
    }

    /** A connection context read from its table in host memory into a line of the context cache (seed 4). */
    @Override
    public void load(final MemorySegment table, final long home, final MemorySegment lines, final long lineOffset,
        final int length)
    {
        MemorySegment.copy(table, home, lines, lineOffset, length); // counted by the cache, published in bulk
        counters.add(EngineCounters.BUS_BYTES_FROM_HOST, length);
    }

    /** A changed connection context written back from its cache line to its table. */
    @Override
    public void writeBack(final MemorySegment lines, final long lineOffset, final MemorySegment table, final long home,
        final int length)
    {
        MemorySegment.copy(lines, lineOffset, table, home, length);
        counters.add(EngineCounters.BUS_BYTES_TO_HOST, length);
    }

    /** Atomic compare-and-swap on a checked, 8-byte aligned address; returns the original value. */
    public long compareAndSwap(final MemoryRegion mr, final long addr, final long compare, final long swap)
    {
        final long offset = addr - mr.iova();
        if (((mr.memory().address() + offset) & 7) != 0)
        {
            // Unaligned targets are refused before we get here; keep the bus safe regardless.
            throw new IllegalArgumentException("unaligned atomic");
        }
        final long witness = (long)LONG.compareAndExchange(mr.memory(), offset, compare, swap);
        counters.add(EngineCounters.BUS_BYTES_TO_HOST, 8);
        return witness;
    }

    public long fetchAndAdd(final MemoryRegion mr, final long addr, final long add)
    {
        final long offset = addr - mr.iova();
        if (((mr.memory().address() + offset) & 7) != 0)
        {
            throw new IllegalArgumentException("unaligned atomic");
        }
        final long old = (long)LONG.getAndAdd(mr.memory(), offset, add);
        counters.add(EngineCounters.BUS_BYTES_TO_HOST, 8);
        return old;
    }
}
