package io.softnic.tools.perf;

import io.softnic.verbs.IbvAccess;
import io.softnic.verbs.IbvCompChannel;
import io.softnic.verbs.IbvContext;
import io.softnic.verbs.IbvCq;
import io.softnic.verbs.IbvMr;
import io.softnic.verbs.IbvPd;
import io.softnic.verbs.IbvQp;
import io.softnic.verbs.IbvQpAttr;
import io.softnic.verbs.IbvQpAttrMask;
import io.softnic.verbs.IbvQpInitAttr;
import io.softnic.verbs.IbvQpState;

import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * One side's verbs resources for a perf session: a PD, one send CQ and one receive CQ shared by the QPs, and one
 * registered buffer laid out by {@link BufferLayout}: a control area, then a region per QP (one MR for every QP). QPs
 * are created in RESET and moved to INIT here, so receives are posted before the connection manager takes them to RTS
 * (no SEND of the peer can find the queue empty). In event mode each CQ gets a completion channel of its own and the
 * interrupt moderation asked for.
 */
final class PerfEndpoint implements AutoCloseable
{
    static final int CONTROL_RECEIVES = 4;
    static final int ACCESS = IbvAccess.LOCAL_WRITE | IbvAccess.REMOTE_WRITE | IbvAccess.REMOTE_READ |
        IbvAccess.REMOTE_ATOMIC;

    final IbvContext ibv;
    final BufferLayout layout;
    final Completions sendCq;
    final Completions recvCq;
    final List<QpLink> links;
    /** The whole registered buffer and its memory region (control area and every QP's region). */
    final MemorySegment buffer;
    final IbvMr mr;
    private final IbvPd pd;
    private final List<IbvCq> cqs = new ArrayList<>();
    private final List<IbvCompChannel> channels = new ArrayList<>();

    PerfEndpoint(final IbvContext ibv, final PerfTest test, final boolean client, final int qps, final int txDepth,
        final int maxSize)
    {
        this(ibv, test, client, qps, txDepth, maxSize, CqOptions.POLLING);
    }

    PerfEndpoint(final IbvContext ibv, final PerfTest test, final boolean client, final int qps, final int txDepth,
        final int maxSize, final CqOptions options)
    {
        this.ibv = ibv;
        this.layout = new BufferLayout(test, qps, txDepth, maxSize);
        this.pd = ibv.allocPd();
        final List<QpLink> made = new ArrayList<>();
        IbvMr registered = null;
        try
        {
            final boolean dataReceives = test.receivesData(client);
            final int rxDepth = dataReceives ? layout.rxDepth() : CONTROL_RECEIVES;
            final int sendWr = sendWr(test, client, txDepth);
            final IbvCq scq = createCq(sendCqe(test, client, qps, txDepth), options);
            final IbvCq rcq = createCq(dataReceives ? (int)dataRecvCqe(qps, rxDepth) : CONTROL_RECEIVES + 16, options);
            this.sendCq = new Completions("send", scq, 64);
            this.recvCq = new Completions("receive", rcq, 64);
            this.buffer = ibv.allocateBuffer(layout.length());
            registered = pd.regMr(buffer, ACCESS);
            this.mr = registered;
            for (int q = 0; q < qps; q++)
            {
                made.add(createLink(q, scq, rcq, sendWr, dataReceives, rxDepth));
            }
        }
        catch (final RuntimeException ex)
        {
            made.forEach(PerfEndpoint::closeLink);
            if (registered != null)
            {
                quietly(registered::close);
            }
            closeRest();
            throw ex;
        }
        this.links = Collections.unmodifiableList(made);
    }

    /**
     * Send queue depth: the client of a bandwidth test keeps TX depth requests in flight per QP (and a control
     * message on QP #0); the server of one sends only control messages; latency tests a few.
     */
    static int sendWr(final PerfTest test, final boolean client, final int txDepth)
    {
        if (test.isBandwidth())
        {
            return client ? txDepth + 2 : 4;
        }
        return Math.max(txDepth, 4) + 4;
    }

    /** Receive CQ entries for {@code qps} QPs that each keep {@code rxDepth} data receives posted. */
    static long dataRecvCqe(final int qps, final int rxDepth)
    {
        return (long)qps * (rxDepth + 2) + 16;
    }

    /** Entries of the send CQ: room for every request a side may have outstanding on all its QPs. */
    static int sendCqe(final PerfTest test, final boolean client, final int qps, final int txDepth)
    {
        return (int)Math.min(Integer.MAX_VALUE, (long)qps * (sendWr(test, client, txDepth) + 2) + 16);
    }

    private IbvCq createCq(final int size, final CqOptions options)
    {
        IbvCompChannel channel = null;
        if (options.useEvent())
        {
            channel = ibv.createCompChannel();
            channels.add(channel);
        }
        final IbvCq cq = ibv.createCq(size, 0, channel);
        cqs.add(cq);
        if (options.moderation() != null)
        {
            cq.modifyModeration(options.moderation());
        }
        return cq;
    }

    /** The CQs' completion vectors' event counters are read through this context's dispatcher. */
    List<IbvCq> cqs()
    {
        return cqs;
    }

    private QpLink createLink(final int q, final IbvCq scq, final IbvCq rcq, final int sendWr,
        final boolean dataReceives, final int rxDepth)
    {
        final long base = layout.regionOffset(q);
        final MemorySegment region = buffer.asSlice(base, layout.dataLength());
        final IbvQpInitAttr init = new IbvQpInitAttr();
        init.sendCq = scq;
        init.recvCq = rcq;
        init.cap.maxSendWr = sendWr;
        init.cap.maxRecvWr = rxDepth + 2;
        init.cap.maxSendSge = 1;
        init.cap.maxRecvSge = 1;
        init.cap.maxInlineData = 0;
        final IbvQp qp = pd.createQp(init);
        try
        {
            final IbvQpAttr attr = new IbvQpAttr().state(IbvQpState.INIT);
            attr.pkeyIndex = 0;
            attr.portNum = 1;
            attr.qpAccessFlags = ACCESS;
            qp.modify(attr, IbvQpAttrMask.RC_RESET_TO_INIT);
            final ReceiveRing ring;
            if (dataReceives)
            {
                ring = new ReceiveRing(qp, q, mr.addr() + base + layout.recvOffset(0), layout.recvStride(),
                    layout.recvSlots(), (int)layout.recvStride(), mr.lkey());
                ring.post(rxDepth);
            }
            else
            {
                ring = ReceiveRing.controlOnly(qp, q);
                if (q == 0)
                {
                    ring.post(rxDepth);
                }
            }
            return new QpLink(q, qp, region, mr, base, ring, new QpRound(layout.recvSlots()));
        }
        catch (final RuntimeException ex)
        {
            qp.close();
            throw ex;
        }
    }

    @Override
    public void close()
    {
        if (links != null)
        {
            links.forEach(PerfEndpoint::closeLink);
        }
        if (mr != null)
        {
            quietly(mr::close);
        }
        closeRest();
    }

    private void closeRest()
    {
        for (final IbvCq cq : cqs)
        {
            quietly(cq::close);
        }
        for (final IbvCompChannel channel : channels)
        {
            quietly(channel::close);
        }
        quietly(pd::close);
    }

    private static void closeLink(final QpLink link)
    {
        quietly(link.qp::close);
    }

    private static void quietly(final Runnable r)
    {
        try
        {
            r.run();
        }
        catch (final RuntimeException ignore)
        {
            // tearing down: the engine may already have dropped the object along with the connection
        }
    }
}
