package io.softnic.verbs;

import io.softnic.hostif.DoorbellRing;
import io.softnic.hostif.HostRing;
import io.softnic.hostif.RecvWqe;
import io.softnic.hostif.SendWqe;
import io.softnic.hostif.Sge;

import java.lang.foreign.MemorySegment;

/**
 * A reliable-connection queue pair. Posting writes work queue entries into the QP's rings in host memory and rings
 * the device's doorbell; it allocates nothing and never calls the control plane.
 */
public final class IbvQp implements AutoCloseable
{
    private static final int DEFAULT_VECTOR = 0xFF;

    private final IbvPd pd;
    private final int qpn;
    private final IbvCq sendCq;
    private final IbvCq recvCq;
    private final IbvQpCap cap = new IbvQpCap();
    private final HostRing sendRing;
    private final HostRing recvRing;
    private final MemorySegment sendMemory;
    private final MemorySegment recvMemory;
    private final SendWqe wqe = new SendWqe();
    /** Completion vectors of the device when this QP spreads completions over a CQ set; 0 when it does not. */
    private final int spreadVectors;
    private final Object recvLock = new Object();
    private long sendProducer;
    private long recvProducer;
    private volatile IbvQpState state = IbvQpState.RESET;
    private boolean closed;

    IbvQp(final IbvPd pd, final IbvQpInitAttr attr, final DeviceControl.QpResources res)
    {
        this.pd = pd;
        this.qpn = res.qpn();
        this.sendCq = attr.sendCq;
        this.recvCq = attr.recvCq;
        this.spreadVectors = attr.cqSet == null ? 0 : pd.context().numCompVectors();
        this.cap.copyFrom(res.granted());
        this.sendRing = new HostRing(res.sendRing(), res.sendStride(), res.sendCapacity());
        this.recvRing = new HostRing(res.recvRing(), res.recvStride(), res.recvCapacity());
        this.sendMemory = res.sendRing();
        this.recvMemory = res.recvRing();
        this.sendProducer = sendRing.producerAcquire();
        this.recvProducer = recvRing.producerAcquire();
    }

    public int qpNum()
    {
        return qpn;
    }

    public IbvPd pd()
    {
        return pd;
    }

    /** Puts the QP's transfers into a named bus flow of its context (seed 3). */
    public void flow(final IbvFlow flow)
    {
        if (flow.context() != pd.context())
        {
            throw new VerbsException(flow + " belongs to another context");
        }
        pd.context().control().setQpFlow(qpn, flow.id());
    }

    public IbvCq sendCq()
    {
        return sendCq;
    }

    public IbvCq recvCq()
    {
        return recvCq;
    }

    public IbvQpCap cap()
    {
        return cap;
    }

    /** The state as of the last modify or query; the device may have moved it to ERR since. */
    public IbvQpState state()
    {
        return state;
    }

    public void modify(final IbvQpAttr attr, final int mask)
    {
        pd.context().control().modifyQp(qpn, attr, mask);
        if ((mask & IbvQpAttrMask.STATE) != 0)
        {
            state = attr.qpState;
        }
    }

    public IbvQpAttr query(final IbvQpAttr out)
    {
        pd.context().control().queryQp(qpn, out);
        state = out.qpState;
        return out;
    }

    /**
     * Posts a chain of send work requests. Throws {@link VerbsException} for the first request that cannot be posted
     * (the ones before it are posted, as ibverbs' bad_wr reports).
     */
    public synchronized void postSend(final IbvSendWr first)
    {
        final IbvQpState s = state;
        if (s == IbvQpState.RESET || s == IbvQpState.INIT || s == IbvQpState.RTR)
        {
            throw new VerbsException("post_send on QP " + qpn + " in state " + s + ": the send queue opens in RTS");
        }
        if (closed)
        {
            throw new VerbsException("QP " + qpn + " is destroyed");
        }
        final long retired = sendRing.consumerAcquire();
        long producer = sendProducer;
        try
        {
            for (IbvSendWr wr = first; wr != null; wr = wr.next)
            {
                if (producer - retired >= sendRing.capacity())
                {
                    throw new VerbsException("send queue of QP " + qpn + " is full (" + sendRing.capacity() +
                        " WRs outstanding); poll the send CQ");
                }
                writeSendWqe(wr, sendRing.entryOffset(producer));
                producer++;
            }
        }
        finally
        {
            if (producer != sendProducer)
            {
                sendProducer = producer;
                sendRing.producerRelease(producer);
                final DoorbellRing doorbell = pd.context().control().doorbell();
                if (!doorbell.ring(qpn, producer))
                {
                    // the ring is full: the device finds this post through the QP's pending word instead
                    sendRing.markDoorbellPending();
                    doorbell.overflow();
                }
            }
        }
    }

    /** The vector a send completes on: named on the WR, else (when spreading) the posting thread's. */
    private int sendVector(final int named)
    {
        if (named >= 0)
        {
            return named;
        }
        return spreadVectors > 0 ? CompVector.current(spreadVectors) : DEFAULT_VECTOR;
    }

    private void writeSendWqe(final IbvSendWr wr, final long at)
    {
        if (!IbvWrOpcode.isSupportedOnRc(wr.opcode))
        {
            throw new VerbsException("opcode " + IbvWrOpcode.name(wr.opcode) + " is not supported on an RC QP");
        }
        final boolean inline = (wr.sendFlags & IbvSendFlags.INLINE) != 0;
        wqe.wrap(sendMemory, at)
            .wrId(wr.wrId)
            .opcode(wr.opcode)
            .sendFlags(wr.sendFlags)
            .immData(wr.immData)
            .remoteAddr(wr.remoteAddr)
            .rkey(wr.rkey)
            .compareAdd(wr.compareAdd)
            .swap(wr.swap)
            .compVector(sendVector(wr.compVector));
        if (inline)
        {
            if (wr.opcode == IbvWrOpcode.RDMA_READ || IbvWrOpcode.isAtomic(wr.opcode))
            {
                throw new VerbsException("INLINE is only for SEND and RDMA_WRITE, not " + IbvWrOpcode.name(wr.opcode));
            }
            final long length = wr.inlineData == null ? 0 : wr.inlineData.byteSize();
            if (length > cap.maxInlineData)
            {
                throw new VerbsException("inline data of " + length + " bytes exceeds max_inline_data " + cap.maxInlineData);
            }
            if (length > 0)
            {
                MemorySegment.copy(wr.inlineData, 0, sendMemory, wqe.inlineDataOffset(), length);
            }
            wqe.inlineLength((int)length).numSge(0);
            return;
        }
        if (wr.numSge < 0 || wr.numSge > cap.maxSendSge || wr.numSge > wr.sgList.length)
        {
            throw new VerbsException("num_sge " + wr.numSge + " exceeds max_send_sge " + cap.maxSendSge);
        }
        long total = 0;
        for (int i = 0; i < wr.numSge; i++)
        {
            final IbvSge sge = wr.sgList[i];
            total += sge.length & 0xFFFF_FFFFL;
            Sge.put(sendMemory, wqe.sgeOffset(i), sge.addr, sge.length, sge.lkey);
        }
        if (total > Integer.MAX_VALUE)
        {
            throw new VerbsException("message of " + total + " bytes exceeds the 2^31 maximum");
        }
        if (IbvWrOpcode.isAtomic(wr.opcode) && (wr.numSge != 1 || wr.sgList[0].length != 8))
        {
            throw new VerbsException("an atomic WR takes exactly one 8-byte SGE for the original value");
        }
        if (IbvWrOpcode.isAtomic(wr.opcode) && (wr.remoteAddr & 7) != 0)
        {
            throw new VerbsException("atomic remote address 0x" + Long.toHexString(wr.remoteAddr) + " is not 8-byte aligned");
        }
        wqe.inlineLength(0).numSge(wr.numSge);
    }

    /** Posts a chain of receive work requests; allowed from INIT on, as in ibverbs. */
    public void postRecv(final IbvRecvWr first)
    {
        synchronized (recvLock)
        {
            if (state == IbvQpState.RESET)
            {
                throw new VerbsException("post_recv on QP " + qpn + " in RESET: move it to INIT first");
            }
            final long consumed = recvRing.consumerAcquire();
            long producer = recvProducer;
            try
            {
                for (IbvRecvWr wr = first; wr != null; wr = wr.next)
                {
                    if (producer - consumed >= recvRing.capacity())
                    {
                        throw new VerbsException("receive queue of QP " + qpn + " is full (" + recvRing.capacity() + ")");
                    }
                    if (wr.numSge < 0 || wr.numSge > cap.maxRecvSge || wr.numSge > wr.sgList.length)
                    {
                        throw new VerbsException("num_sge " + wr.numSge + " exceeds max_recv_sge " + cap.maxRecvSge);
                    }
                    final long at = recvRing.entryOffset(producer);
                    RecvWqe.putHeader(recvMemory, at, wr.wrId, wr.numSge, wr.compVector < 0 ? DEFAULT_VECTOR : wr.compVector);
                    for (int i = 0; i < wr.numSge; i++)
                    {
                        final IbvSge sge = wr.sgList[i];
                        Sge.put(recvMemory, RecvWqe.sgeOffset(at, i), sge.addr, sge.length, sge.lkey);
                    }
                    producer++;
                }
            }
            finally
            {
                if (producer != recvProducer)
                {
                    recvProducer = producer;
                    recvRing.producerRelease(producer);
                }
            }
        }
    }

    @Override
    public synchronized void close()
    {
        if (!closed)
        {
            pd.context().control().destroyQp(qpn);
            closed = true; // only once the device let go: a refused destroy leaves the object usable
        }
    }
}
