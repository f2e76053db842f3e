package io.softnic.verbs;

import io.softnic.cm.RdmaCm;

import java.lang.foreign.MemorySegment;

/**
 * An opened device ({@code ibv_context}). Embedded engines and attached tenants hand out the same class, so an
 * application runs either way unchanged.
 */
public final class IbvContext implements AutoCloseable
{
    private final DeviceControl control;
    private RdmaCm cm;
    private volatile boolean closed;

    public IbvContext(final DeviceControl control)
    {
        this.control = control;
    }

    public String deviceName()
    {
        return control.deviceName();
    }

    public IbvDeviceAttr queryDevice()
    {
        return control.queryDevice();
    }

    public int numCompVectors()
    {
        return control.queryDevice().numCompVectors();
    }

    public IbvPd allocPd()
    {
        return new IbvPd(this, control.allocPd());
    }

    /** Memory the device can reach (see {@link DeviceControl#allocateBuffer}); register it with {@link IbvPd#regMr}. */
    public MemorySegment allocateBuffer(final long bytes)
    {
        return control.allocateBuffer(bytes, 4096);
    }

    public IbvCq createCq(final int cqe, final int compVector)
    {
        if (cqe <= 0)
        {
            throw new VerbsException("CQ size must be positive: " + cqe);
        }
        return new IbvCq(this, control.createCq(cqe, compVector), compVector);
    }

    public synchronized RdmaCm cm()
    {
        if (cm == null)
        {
            cm = new RdmaCm(this, control().cm());
        }
        return cm;
    }

    /** Runs the device's duty cycle on this thread when the engine was launched in INVOKER mode. */
    public int drive()
    {
        return control.drive();
    }

    DeviceControl control()
    {
        checkOpen();
        return control;
    }

    void checkOpen()
    {
        if (closed)
        {
            throw new VerbsException("device context is closed");
        }
    }

    @Override
    public void close()
    {
        if (!closed)
        {
            closed = true;
            control.close();
        }
    }
}
