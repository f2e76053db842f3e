package io.softnic.engine.bus;

import java.lang.foreign.MemorySegment;

/**
 * A registered memory region as the device holds it: the tenant's address range (iova .. iova+length), the engine's
 * own view of the same memory, the protection domain and the access rights. Immutable once published; deregistration
 * clears {@link #valid} so in-flight lookups fail their check.
 */
public final class MemoryRegion
{
    private final int key;
    private final int pdn;
    private final long iova;
    private final long length;
    private final int access;
    private final MemorySegment memory;
    private volatile boolean valid = true;

    public MemoryRegion(final int key, final int pdn, final long iova, final int access, final MemorySegment memory)
    {
        this.key = key;
        this.pdn = pdn;
        this.iova = iova;
        this.length = memory.byteSize();
        this.access = access;
        this.memory = memory;
    }

    public int key()
    {
        return key;
    }

    public int pdn()
    {
        return pdn;
    }

    public long iova()
    {
        return iova;
    }

    public long length()
    {
        return length;
    }

    public int access()
    {
        return access;
    }

    public MemorySegment memory()
    {
        return memory;
    }

    public boolean valid()
    {
        return valid;
    }

    public void invalidate()
    {
        valid = false;
    }

    /** True if [addr, addr+len) lies inside the region, with no overflow on hostile values. */
    public boolean contains(final long addr, final long len)
    {
        if (len < 0 || addr < iova)
        {
            return false;
        }
        final long offset = addr - iova;
        return offset <= length && len <= length - offset;
    }
}
