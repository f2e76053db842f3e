package io.softnic.verbs;

/** One scatter/gather element: an address inside a registered memory region, a length and the region's lkey. */
public final class IbvSge
{
    public long addr;
    public int length;
    public int lkey;

    public IbvSge set(final long addr, final int length, final int lkey)
    {
        this.addr = addr;
        this.length = length;
        this.lkey = lkey;
        return this;
    }

    /** Points the SGE at [offset, offset+length) of a registered region. */
    public IbvSge set(final IbvMr mr, final long offset, final int length)
    {
        return set(mr.addr() + offset, length, mr.lkey());
    }
}
