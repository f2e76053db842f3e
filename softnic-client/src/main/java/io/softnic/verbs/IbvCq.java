package io.softnic.verbs;

import io.softnic.hostif.Cqe;
import io.softnic.hostif.HostRing;

import java.lang.foreign.MemorySegment;

/**
 * A completion queue. {@link #poll} reads completions straight from the CQ ring in host memory; no call reaches
 * the control plane.
 */
public final class IbvCq implements AutoCloseable
{
    /** Error word values the device sets in the ring header. */
    public static final int ERROR_OVERRUN = 1;

    private final IbvContext context;
    private final int cqn;
    private final int compVector;
    private final HostRing ring;
    private final MemorySegment memory;
    private long consumer;
    private boolean closed;

    IbvCq(final IbvContext context, final DeviceControl.CqResources res, final int compVector)
    {
        this.context = context;
        this.cqn = res.cqn();
        this.compVector = compVector;
        this.ring = new HostRing(res.ring(), Cqe.LENGTH, res.capacity());
        this.memory = res.ring();
        this.consumer = ring.consumerAcquire();
    }

    public int cqn()
    {
        return cqn;
    }

    public int compVector()
    {
        return compVector;
    }

    public int capacity()
    {
        return ring.capacity();
    }

    /**
     * Moves up to {@code max} completions into {@code wcs}, oldest first, and returns how many. In INVOKER mode it
     * first gives the device a duty cycle on this thread.
     */
    public synchronized int poll(final IbvWc[] wcs, final int max)
    {
        if (closed)
        {
            throw new VerbsException("CQ " + cqn + " is destroyed");
        }
        context.control().drive();
        final long available = ring.producerAcquire() - consumer;
        if (available <= 0)
        {
            checkError();
            return 0;
        }
        final int n = (int)Math.min(available, Math.min(max, wcs.length));
        for (int i = 0; i < n; i++)
        {
            final long at = ring.entryOffset(consumer + i);
            final IbvWc wc = wcs[i];
            wc.wrId = Cqe.wrId(memory, at);
            wc.status = IbvWcStatus.of(Cqe.status(memory, at));
            wc.opcode = Cqe.opcode(memory, at);
            wc.byteLen = Cqe.byteLen(memory, at);
            wc.immData = Cqe.immData(memory, at);
            wc.qpNum = Cqe.qpNum(memory, at);
            wc.srcQp = Cqe.srcQp(memory, at);
            wc.wcFlags = Cqe.wcFlags(memory, at);
            wc.vendorErr = Cqe.vendorErr(memory, at);
        }
        consumer += n;
        ring.consumerRelease(consumer);
        return n;
    }

    public int poll(final IbvWc[] wcs)
    {
        return poll(wcs, wcs.length);
    }

    private void checkError()
    {
        if (ring.errorWord() == ERROR_OVERRUN)
        {
            throw new VerbsException("CQ " + cqn + " overrun: completions arrived faster than they were polled " +
                "(the CQ is in error, as IBV_EVENT_CQ_ERR)");
        }
    }

    @Override
    public synchronized void close()
    {
        if (!closed)
        {
            context.control().destroyCq(cqn);
            closed = true; // only once the device let go: a refused destroy leaves the object usable
        }
    }
}
