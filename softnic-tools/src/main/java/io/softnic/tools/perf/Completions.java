package io.softnic.tools.perf;

import io.softnic.tools.ToolFailure;
import io.softnic.verbs.IbvCompChannel;
import io.softnic.verbs.IbvCq;
import io.softnic.verbs.IbvWc;
import io.softnic.verbs.IbvWcOpcode;
import io.softnic.verbs.IbvWcStatus;

import java.util.concurrent.TimeUnit;

/**
 * A CQ with its preallocated work completions. Every completion polled through here is checked: anything but
 * SUCCESS ends the run with a description of the completion. A CQ created with a completion channel is event
 * driven ({@code -e}): where a loop would spin or back off for its next completion it calls {@link #awaitEvent},
 * which arms the CQ and sleeps on the channel, as perftest does with ibv_req_notify_cq and ibv_get_cq_event.
 */
final class Completions
{
    /** Longest single sleep on the channel, so the loops' watchdogs keep looking. */
    static final long EVENT_WAIT_NANOS = 10_000_000L;

    private final String name;
    private final IbvCq cq;
    private final IbvCompChannel channel;
    private final IbvWc[] wcs;
    private long eventsTaken;

    Completions(final String name, final IbvCq cq, final int batch)
    {
        this.name = name;
        this.cq = cq;
        this.channel = cq.channel();
        this.wcs = new IbvWc[batch];
        for (int i = 0; i < batch; i++)
        {
            wcs[i] = new IbvWc();
        }
    }

    IbvCq cq()
    {
        return cq;
    }

    /** True if this CQ's loops sleep on its events instead of polling. */
    boolean eventDriven()
    {
        return channel != null;
    }

    /**
     * Arms the CQ and sleeps until its event, at most {@link #EVENT_WAIT_NANOS}; returns at once when completions
     * are already waiting (the arm reports them). Every event taken is acknowledged. Allocates nothing.
     */
    void awaitEvent()
    {
        if (cq.reqNotify(false))
        {
            return;
        }
        final IbvCq fired = channel.getCqEvent(EVENT_WAIT_NANOS, TimeUnit.NANOSECONDS);
        if (fired != null)
        {
            channel.ackCqEvents(fired, 1);
            eventsTaken++;
        }
    }

    /** Events this side took from the CQ's channel (each one a wake of the waiting thread). */
    long eventsTaken()
    {
        return eventsTaken;
    }

    /** The most completions one {@link #poll()} takes. */
    int batch()
    {
        return wcs.length;
    }

    int poll()
    {
        return poll(wcs.length);
    }

    int poll(final int max)
    {
        final int n = cq.poll(wcs, Math.min(max, wcs.length));
        for (int i = 0; i < n; i++)
        {
            if (wcs[i].status != IbvWcStatus.SUCCESS)
            {
                throw new ToolFailure(describe(wcs[i]));
            }
        }
        return n;
    }

    IbvWc wc(final int i)
    {
        return wcs[i];
    }

    private String describe(final IbvWc wc)
    {
        final String what = WrIds.isControl(wc.wrId) ? "control message" :
            "QP #" + WrIds.qp(wc.wrId) + " request #" + WrIds.seq(wc.wrId);
        return String.format("%s completion in error: %s (vendor_err %d) on QP 0x%x, %s, opcode %s",
            name, wc.status, wc.vendorErr, wc.qpNum, what, IbvWcOpcode.name(wc.opcode));
    }
}
