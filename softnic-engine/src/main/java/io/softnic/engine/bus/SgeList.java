package io.softnic.engine.bus;

import io.softnic.hostif.Sge;
import io.softnic.verbs.IbvAccess;
import io.softnic.verbs.IbvWcStatus;

import java.lang.foreign.MemorySegment;

/**
 * The engine's private copy of a work request's scatter/gather list, taken when the WQE is fetched so a tenant that
 * rewrites its ring afterwards cannot change what was checked. Gathers (send payload) and scatters (receive payload,
 * READ responses, atomic results) are checked SGE by SGE through the bus interface.
 */
public final class SgeList
{
    private final long[] addr;
    private final long[] length;
    private final int[] lkey;
    private int count;
    private long totalLength;

    public SgeList(final int capacity)
    {
        addr = new long[capacity];
        length = new long[capacity];
        lkey = new int[capacity];
    }

    public int count()
    {
        return count;
    }

    public long totalLength()
    {
        return totalLength;
    }

    public void clear()
    {
        count = 0;
        totalLength = 0;
    }

    /**
     * Copies {@code numSge} SGEs from a host WQE. Returns OK, or LOC_QP_OP_ERR when the count exceeds what the QP was
     * created with, or LOC_LEN_ERR when the lengths add up beyond 2^31.
     */
    public int load(final MemorySegment wqeMemory, final long firstSgeOffset, final int numSge)
    {
        clear();
        if (numSge > addr.length)
        {
            return IbvWcStatus.LOC_QP_OP_ERR.code();
        }
        long total = 0;
        for (int i = 0; i < numSge; i++)
        {
            final long at = firstSgeOffset + (long)i * Sge.LENGTH;
            addr[i] = Sge.addr(wqeMemory, at);
            length[i] = Sge.length(wqeMemory, at);
            lkey[i] = Sge.lkey(wqeMemory, at);
            total += length[i];
        }
        count = numSge;
        totalLength = total;
        return total > Integer.MAX_VALUE ? IbvWcStatus.LOC_LEN_ERR.code() : BusInterface.OK;
    }

    public long addr(final int i)
    {
        return addr[i];
    }

    public int lkey(final int i)
    {
        return lkey[i];
    }

    /** Reads {@code len} bytes at message offset {@code offset} into {@code dst}; OK or LOC_PROT_ERR. */
    public int gather(
        final BusInterface bus, final int pdn, final long offset, final MemorySegment dst, final long dstOffset, final int len)
    {
        return transfer(bus, pdn, offset, dst, dstOffset, len, false);
    }

    /** Writes {@code len} bytes to message offset {@code offset} of the buffers; OK or LOC_PROT_ERR. */
    public int scatter(
        final BusInterface bus, final int pdn, final long offset, final MemorySegment src, final long srcOffset, final int len)
    {
        return transfer(bus, pdn, offset, src, srcOffset, len, true);
    }

    private int transfer(
        final BusInterface bus,
        final int pdn,
        final long offset,
        final MemorySegment packet,
        final long packetOffset,
        final int len,
        final boolean toHost)
    {
        if (offset < 0 || len < 0 || offset + len > totalLength)
        {
            return IbvWcStatus.LOC_LEN_ERR.code();
        }
        long skip = offset;
        int done = 0;
        for (int i = 0; i < count && done < len; i++)
        {
            if (skip >= length[i])
            {
                skip -= length[i];
                continue;
            }
            final int n = (int)Math.min(length[i] - skip, len - done);
            final long at = addr[i] + skip;
            final MemoryRegion mr = bus.lookup(lkey[i]);
            final int status = bus.checkLocal(mr, pdn, at, n, toHost ? IbvAccess.LOCAL_WRITE : 0);
            if (status != BusInterface.OK)
            {
                return status;
            }
            if (toHost)
            {
                bus.toHost(mr, at, packet, packetOffset + done, n);
            }
            else
            {
                bus.fromHost(mr, at, packet, packetOffset + done, n);
            }
            done += n;
            skip = 0;
        }
        return BusInterface.OK;
    }

    /** Checks the whole list for local access without moving data (atomic result buffers, zero-length cases). */
    public int check(final BusInterface bus, final int pdn, final int access)
    {
        for (int i = 0; i < count; i++)
        {
            final int status = bus.checkLocal(bus.lookup(lkey[i]), pdn, addr[i], length[i], access);
            if (status != BusInterface.OK)
            {
                return status;
            }
        }
        return BusInterface.OK;
    }
}
