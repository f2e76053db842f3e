package io.softnic.verbs;

import java.lang.foreign.MemorySegment;

/** A registered memory region: its address range, access rights and keys. */
public final class IbvMr implements AutoCloseable
{
    private final IbvPd pd;
    private final MemorySegment memory;
    private final int access;
    private final DeviceControl.MrKeys keys;
    private boolean closed;

    IbvMr(final IbvPd pd, final MemorySegment memory, final int access, final DeviceControl.MrKeys keys)
    {
        this.pd = pd;
        this.memory = memory;
        this.access = access;
        this.keys = keys;
    }

    public int lkey()
    {
        return keys.lkey();
    }

    public int rkey()
    {
        return keys.rkey();
    }

    /** The region's start as the device and the peer address it (the virtual address in SGEs and RETHs). */
    public long addr()
    {
        return keys.addr();
    }

    public long length()
    {
        return keys.length();
    }

    public int access()
    {
        return access;
    }

    public MemorySegment memory()
    {
        return memory;
    }

    public IbvPd pd()
    {
        return pd;
    }

    @Override
    public void close()
    {
        if (!closed)
        {
            pd.context().control().deregMr(keys.lkey());
            closed = true; // only once the device let go: a refused destroy leaves the object usable
        }
    }
}
