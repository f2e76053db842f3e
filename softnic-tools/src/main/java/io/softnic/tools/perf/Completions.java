package io.softnic.tools.perf;

import io.softnic.tools.ToolFailure;
import io.softnic.verbs.IbvCq;
import io.softnic.verbs.IbvWc;
import io.softnic.verbs.IbvWcOpcode;
import io.softnic.verbs.IbvWcStatus;

/**
 * A CQ with its preallocated work completions. Every completion polled through here is checked: anything but
 * SUCCESS ends the run with a description of the completion.
 */
final class Completions
{
    private final String name;
    private final IbvCq cq;
    private final IbvWc[] wcs;

    Completions(final String name, final IbvCq cq, final int batch)
    {
        this.name = name;
        this.cq = cq;
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
