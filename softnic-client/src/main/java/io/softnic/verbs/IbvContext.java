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
    private EventDispatcher dispatcher;
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

    /**
     * A named flow of the device's bus (seed 3): QPs put into it share one queue, served by {@code priorityClass}
     * (0 first, up to {@link IbvFlow#CLASSES} - 1) and, within the class, by {@code weight} (1..{@link
     * IbvFlow#MAX_WEIGHT}). Asking again for the same name gives the same flow.
     */
    public IbvFlow createFlow(final String name, final int priorityClass, final int weight)
    {
        IbvFlow.validate(name, priorityClass, weight);
        return new IbvFlow(this, control.createFlow(name, priorityClass, weight), name, priorityClass, weight);
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
        return createCq(cqe, compVector, null);
    }

    /**
     * {@code ibv_create_cq} with a completion channel: the CQ's events (once armed with {@link IbvCq#reqNotify}) are
     * delivered to {@code channel} by this context's {@link EventDispatcher}.
     */
    public IbvCq createCq(final int cqe, final int compVector, final IbvCompChannel channel)
    {
        if (cqe <= 0)
        {
            throw new VerbsException("CQ size must be positive: " + cqe);
        }
        if (channel != null && channel.context() != this)
        {
            throw new VerbsException("the completion channel belongs to another context");
        }
        final IbvCq cq = new IbvCq(this, control().createCq(cqe, compVector), compVector, channel);
        if (channel != null)
        {
            eventDispatcher().registerChannel(cq, channel);
        }
        return cq;
    }

    /**
     * Interrupt moderation of a completion vector's event queue ({@code ethtool -C}: rx and tx pairs, see
     * {@link CqModeration}), at run time: every CQ of the vector without moderation of its own
     * ({@link IbvCq#modifyModeration}) follows it from each connection's next batch.
     */
    public void modifyEqModeration(final int compVector, final CqModeration moderation)
    {
        control().modifyEqModeration(compVector, moderation);
    }

    /** {@code ibv_create_comp_channel}. */
    public IbvCompChannel createCompChannel()
    {
        checkOpen();
        return new IbvCompChannel(this);
    }

    /** This context's event dispatcher (one handler thread per event queue, started as CQs register). */
    public synchronized EventDispatcher eventDispatcher()
    {
        checkOpen();
        if (dispatcher == null)
        {
            dispatcher = new EventDispatcher(this);
        }
        return dispatcher;
    }

    void cqDestroyed(final IbvCq cq)
    {
        final EventDispatcher d;
        synchronized (this)
        {
            d = dispatcher;
        }
        if (d != null)
        {
            d.unregister(cq);
        }
        if (cq.channel() != null)
        {
            cq.channel().discard(cq);
        }
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
            final EventDispatcher d;
            synchronized (this)
            {
                d = dispatcher;
            }
            if (d != null)
            {
                d.close();
            }
            closed = true;
            control.close();
        }
    }
}
