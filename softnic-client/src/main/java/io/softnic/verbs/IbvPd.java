package io.softnic.verbs;

import java.lang.foreign.MemorySegment;

/** Protection domain: MRs and QPs of one PD can reach each other, and nothing else. */
public final class IbvPd implements AutoCloseable
{
    private final IbvContext context;
    private final int handle;
    private boolean closed;

    IbvPd(final IbvContext context, final int handle)
    {
        this.context = context;
        this.handle = handle;
    }

    public int handle()
    {
        return handle;
    }

    public IbvContext context()
    {
        return context;
    }

    public IbvMr regMr(final MemorySegment memory, final int access)
    {
        IbvAccess.validate(access);
        if (memory.byteSize() == 0)
        {
            throw new VerbsException("cannot register an empty memory region");
        }
        return new IbvMr(this, memory, access, context.control().regMr(handle, memory, access));
    }

    public IbvQp createQp(final IbvQpInitAttr attr)
    {
        if (attr.sendCq == null || attr.recvCq == null)
        {
            throw new VerbsException("an RC QP needs a send CQ and a receive CQ");
        }
        RecvCqPolicy.validate(attr.recvCqPolicy);
        final DeviceControl.QpResources res;
        if (attr.cqSet == null)
        {
            res = context.control().createQp(handle, attr.sendCq.cqn(), attr.recvCq.cqn(), attr.cap, attr.sqSigAll);
        }
        else
        {
            final int[] cqns = new int[attr.cqSet.length];
            for (int i = 0; i < cqns.length; i++)
            {
                cqns[i] = attr.cqSet[i].cqn();
            }
            res = context.control().createQp(handle, attr.sendCq.cqn(), attr.recvCq.cqn(), attr.cap, attr.sqSigAll,
                cqns, attr.recvCqPolicy);
        }
        attr.cap.copyFrom(res.granted());
        final IbvQp qp = new IbvQp(this, attr, res);
        if (attr.flow != null)
        {
            try
            {
                qp.flow(attr.flow);
            }
            catch (final RuntimeException ex)
            {
                qp.close(); // all or nothing: no QP outside the flow it was asked for
                throw ex;
            }
        }
        return qp;
    }

    @Override
    public void close()
    {
        if (!closed)
        {
            context.control().deallocPd(handle);
            closed = true; // only once the device let go: a refused destroy leaves the object usable
        }
    }
}
