package io.softnic.engine.rc;

import io.softnic.engine.bus.BusInterface;
import io.softnic.engine.bus.MemoryRegion;
import io.softnic.engine.bus.SgeList;
import io.softnic.engine.counters.EngineCounters;
import io.softnic.engine.pipeline.TxFrame;
import io.softnic.hostif.Cqe;
import io.softnic.hostif.HostRing;
import io.softnic.hostif.RecvWqe;
import io.softnic.verbs.IbvAccess;
import io.softnic.verbs.IbvQpState;
import io.softnic.verbs.IbvWcOpcode;
import io.softnic.verbs.IbvWcStatus;
import io.softnic.wire.Aeth;
import io.softnic.wire.AtomicEth;
import io.softnic.wire.Opcode;
import io.softnic.wire.PacketView;
import io.softnic.wire.Psn;
import io.softnic.wire.Reth;

/**
 * The responder: checks each request's PSN and opcode sequence, places SEND payload into posted receive buffers and
 * WRITE payload into registered memory (after the key checks), executes atomics, saves READ/atomic requests as
 * responder resources, and decides the acknowledgement (coalesced ACK, PSN-sequence NAK, RNR NAK, error NAKs).
 * Responses leave through the TX pipeline ({@link #emit}) in PSN order.
 */
public final class Responder
{
    private static final int NONE = 0;
    private static final int IN_SEND = 1;
    private static final int IN_WRITE = 2;
    private static final int MAX_QUEUE = 256;

    private final QueuePair qp;
    private final Transport transport;
    private final EngineCounters counters;
    private final HostRing recvRing;
    private final SgeList recvSges;
    /**
     * The region the WRITE in progress lands in, checked for its whole length at its FIRST packet (the context keeps
     * the address and what remains); a region deregistered since is no longer valid and takes none of the rest.
     */
    private MemoryRegion writeRegion;

    private final ConnectionContext ctx;

    private ResponderResource[] resources = new ResponderResource[0];
    private final int[] queue = new int[MAX_QUEUE];

    Responder(final QueuePair qp, final Transport transport)
    {
        this.qp = qp;
        this.transport = transport;
        this.counters = transport.counters();
        this.recvRing = qp.recvRing();
        this.recvSges = new SgeList(qp.maxRecvSge());
        this.ctx = qp.context();
        ctx.recvIndex(recvRing.producerAcquire());
        recvRing.consumerRelease(ctx.recvIndex());
    }

    void open(final int rqPsn, final int maxDestRdAtomic)
    {
        ctx.expectedPsn(rqPsn & Psn.MASK);
        ctx.msn(0);
        ctx.inProgress(NONE);
        ctx.sequenceNakSent(false);
        ctx.responderFailed(false);
        ctx.ackPending(false);
        ctx.errorAfterAck(false);
        ctx.anyResponse(false);
        resources = new ResponderResource[Math.max(1, maxDestRdAtomic)];
        for (int i = 0; i < resources.length; i++)
        {
            resources[i] = new ResponderResource(i);
        }
        ctx.nextResource(0);
        ctx.responseQueueHead(0);
        ctx.responseQueueTail(0);
    }

    public int expectedPsn()
    {
        return ctx.expectedPsn();
    }

    /** True when the TX pipeline has responses or an acknowledgement to send for this QP. */
    public boolean hasResponses()
    {
        return ctx.ackPending() || ctx.responseQueueHead() != ctx.responseQueueTail();
    }

    /** Handles one request packet addressed to this QP. */
    public void onRequest(final PacketView packet)
    {
        final IbvQpState state = qp.state();
        if ((state != IbvQpState.RTR && state != IbvQpState.RTS) || ctx.responderFailed())
        {
            return;
        }
        final int psn = packet.bth().psn();
        final int gap = Psn.diff(psn, ctx.expectedPsn());
        if (gap < 0)
        {
            onDuplicate(packet, psn);
            return;
        }
        if (gap > 0)
        {
            counters.increment(EngineCounters.OUT_OF_SEQUENCE_REQUESTS);
            if (!ctx.sequenceNakSent())
            {
                ctx.sequenceNakSent(true);
                acknowledge(ctx.expectedPsn(), Aeth.nakSyndrome(Aeth.NAK_PSN_SEQUENCE_ERROR));
                counters.increment(EngineCounters.NAK_SEQ_SENT);
            }
            return;
        }
        ctx.sequenceNakSent(false);
        final int flags = packet.flags();
        if (!sequenceFits(flags))
        {
            counters.increment(EngineCounters.BAD_OPCODE_SEQUENCE);
            fatal(psn, Aeth.NAK_INVALID_REQUEST);
            return;
        }
        if ((flags & Opcode.SEND) != 0)
        {
            onSend(packet, psn, flags);
        }
        else if ((flags & Opcode.WRITE) != 0)
        {
            onWrite(packet, psn, flags);
        }
        else if ((flags & Opcode.READ) != 0)
        {
            onRead(packet, psn);
        }
        else if ((flags & Opcode.ATOMIC) != 0)
        {
            onAtomic(packet, psn);
        }
        else
        {
            fatal(psn, Aeth.NAK_INVALID_REQUEST);
        }
    }

    private boolean sequenceFits(final int flags)
    {
        final boolean continues = (flags & (Opcode.MIDDLE)) != 0 || ((flags & Opcode.LAST) != 0 && (flags & Opcode.FIRST) == 0);
        return switch (ctx.inProgress())
        {
            case IN_SEND -> continues && (flags & Opcode.SEND) != 0;
            case IN_WRITE -> continues && (flags & Opcode.WRITE) != 0;
            default -> !continues;
        };
    }

    private boolean payloadFits(final PacketView packet, final int flags)
    {
        final int mtu = qp.pathMtu();
        final int length = packet.payloadLength();
        // FIRST and MIDDLE packets carry exactly one MTU; LAST and ONLY at most one
        return (flags & Opcode.LAST) != 0 ? length <= mtu : length == mtu;
    }

    private void onSend(final PacketView packet, final int psn, final int flags)
    {
        if (!payloadFits(packet, flags))
        {
            fatal(psn, Aeth.NAK_INVALID_REQUEST);
            return;
        }
        if ((flags & Opcode.FIRST) != 0 && !loadReceive(psn))
        {
            return;
        }
        final int length = packet.payloadLength();
        if (ctx.recvOffset() + length > recvSges.totalLength())
        {
            completeReceive(IbvWcStatus.LOC_LEN_ERR.code(), IbvWcOpcode.RECV, 0, 0);
            fatal(psn, Aeth.NAK_INVALID_REQUEST);
            return;
        }
        if (length > 0)
        {
            final int status = recvSges.scatter(transport.bus(), qp.pdn(), ctx.recvOffset(), packet.segment(),
                packet.payloadOffset(), length);
            if (status != BusInterface.OK)
            {
                completeReceive(status, IbvWcOpcode.RECV, 0, 0);
                fatal(psn, Aeth.NAK_REMOTE_OPERATIONAL_ERROR);
                return;
            }
        }
        ctx.recvOffset(ctx.recvOffset() + length);
        if ((flags & Opcode.LAST) != 0)
        {
            final boolean imm = (flags & Opcode.HAS_IMMDT) != 0;
            completeReceive(IbvWcStatus.SUCCESS.code(), IbvWcOpcode.RECV, imm ? Cqe.WC_WITH_IMM : 0,
                imm ? packet.immDt().immediateData() : 0, packet.bth().solicitedEvent());
            ctx.msn((ctx.msn() + 1) & Psn.MASK);
            ctx.inProgress(NONE);
        }
        else
        {
            ctx.inProgress(IN_SEND);
        }
        accept(packet, psn);
    }

    /** Takes the next posted receive for a new message; false (after RNR NAK or error) if there is none usable. */
    private boolean loadReceive(final int psn)
    {
        final long producer = recvRing.producerAcquire();
        if (producer == ctx.recvIndex())
        {
            counters.increment(EngineCounters.RNR_NAK_SENT);
            acknowledge(psn, Aeth.rnrNakSyndrome(qp.minRnrTimer()));
            // the packets behind it are dropped quietly: the RNR NAK already tells the requester where to resume
            ctx.sequenceNakSent(true);
            return false;
        }
        if (producer - ctx.recvIndex() > recvRing.capacity() || producer - ctx.recvIndex() < 0)
        {
            // the tenant's receive producer index is garbage: this QP breaks, nothing else
            fatal(psn, Aeth.NAK_REMOTE_OPERATIONAL_ERROR);
            return false;
        }
        final long at = recvRing.entryOffset(ctx.recvIndex());
        ctx.recvWrId(RecvWqe.wrId(recvRing.region(), at));
        ctx.recvVector(RecvWqe.compVector(recvRing.region(), at));
        ctx.recvOffset(0);
        ctx.recvLoaded(true);
        final int numSge = RecvWqe.numSge(recvRing.region(), at);
        final int status = numSge > qp.maxRecvSge() ? IbvWcStatus.LOC_QP_OP_ERR.code() :
            recvSges.load(recvRing.region(), RecvWqe.sgeOffset(at, 0), numSge);
        if (status != BusInterface.OK)
        {
            completeReceive(status, IbvWcOpcode.RECV, 0, 0);
            fatal(psn, Aeth.NAK_REMOTE_OPERATIONAL_ERROR);
            return false;
        }
        return true;
    }

    private void completeReceive(final int status, final int opcode, final int wcFlags, final int imm)
    {
        completeReceive(status, opcode, wcFlags, imm, false);
    }

    /** {@code solicited}: the message carried the solicited-event bit (it fires a solicited-only armed CQ). */
    private void completeReceive(
        final int status, final int opcode, final int wcFlags, final int imm, final boolean solicited)
    {
        if (!ctx.recvLoaded())
        {
            return;
        }
        qp.recvCqFor(ctx.recvVector()).complete(ctx.recvWrId(), status, opcode,
            (int)(opcode == IbvWcOpcode.RECV ? ctx.recvOffset() : ctx.writeTotal()), qp.qpn(), qp.destQpn(), wcFlags, imm,
            solicited, (int)(recvRing.producerAcquire() - ctx.recvIndex()));
        ctx.recvLoaded(false);
        ctx.recvIndex(ctx.recvIndex() + 1);
        recvRing.consumerRelease(ctx.recvIndex());
    }

    private void onWrite(final PacketView packet, final int psn, final int flags)
    {
        if ((qp.accessFlags() & IbvAccess.REMOTE_WRITE) == 0)
        {
            fatal(psn, Aeth.NAK_INVALID_REQUEST);
            return;
        }
        if (!payloadFits(packet, flags))
        {
            fatal(psn, Aeth.NAK_INVALID_REQUEST);
            return;
        }
        final boolean imm = (flags & Opcode.HAS_IMMDT) != 0;
        final int length = packet.payloadLength();
        if ((flags & Opcode.FIRST) != 0)
        {
            final Reth reth = packet.reth();
            final long va = reth.virtualAddress();
            final long dmaLength = reth.dmaLengthUnsigned();
            final MemoryRegion mr = transport.bus().lookup(reth.rkey());
            final boolean lengthFits = (flags & Opcode.LAST) != 0 ? dmaLength == length : dmaLength > length;
            if (!lengthFits)
            {
                fatal(psn, Aeth.NAK_INVALID_REQUEST);
                return;
            }
            if (dmaLength > 0 && !transport.bus().checkRemote(mr, qp.pdn(), va, dmaLength, IbvAccess.REMOTE_WRITE))
            {
                fatal(psn, Aeth.NAK_REMOTE_ACCESS_ERROR);
                return;
            }
            writeRegion = mr;
            ctx.writeAddress(va);
            ctx.writeRemaining(dmaLength);
            ctx.writeTotal(dmaLength);
        }
        else if (length > ctx.writeRemaining() || ((flags & Opcode.LAST) != 0 && length != ctx.writeRemaining()))
        {
            fatal(psn, Aeth.NAK_INVALID_REQUEST);
            return;
        }
        if ((flags & Opcode.LAST) != 0 && imm && !ctx.recvLoaded() && !loadReceive(psn))
        {
            return; // RNR: nothing written yet for this packet, the requester resends it
        }
        if (length > 0)
        {
            if (writeRegion == null || !writeRegion.valid())
            {
                fatal(psn, Aeth.NAK_REMOTE_ACCESS_ERROR);
                return;
            }
            transport.bus().toHost(writeRegion, ctx.writeAddress(), packet.segment(), packet.payloadOffset(), length);
        }
        ctx.writeAddress(ctx.writeAddress() + length);
        ctx.writeRemaining(ctx.writeRemaining() - length);
        if ((flags & Opcode.LAST) != 0)
        {
            if (imm)
            {
                completeReceive(IbvWcStatus.SUCCESS.code(), IbvWcOpcode.RECV_RDMA_WITH_IMM, Cqe.WC_WITH_IMM,
                    packet.immDt().immediateData(), packet.bth().solicitedEvent());
            }
            ctx.msn((ctx.msn() + 1) & Psn.MASK);
            ctx.inProgress(NONE);
        }
        else
        {
            ctx.inProgress(IN_WRITE);
        }
        accept(packet, psn);
    }

    /** A SEND or WRITE packet was taken: expect the next PSN and acknowledge when asked or when due. */
    private void accept(final PacketView packet, final int psn)
    {
        ctx.expectedPsn(Psn.next(psn));
        ctx.packetsSinceAck(ctx.packetsSinceAck() + 1);
        if (packet.bth().ackReq() || ctx.packetsSinceAck() >= transport.ackCoalesceCount())
        {
            acknowledge(psn, Aeth.ackSyndrome(Aeth.CREDITS_INVALID));
        }
    }

    private void onRead(final PacketView packet, final int psn)
    {
        if ((qp.accessFlags() & IbvAccess.REMOTE_READ) == 0)
        {
            fatal(psn, Aeth.NAK_INVALID_REQUEST);
            return;
        }
        final Reth reth = packet.reth();
        final long va = reth.virtualAddress();
        final long length = reth.dmaLengthUnsigned();
        if (length > Integer.MAX_VALUE)
        {
            fatal(psn, Aeth.NAK_INVALID_REQUEST);
            return;
        }
        final MemoryRegion mr = transport.bus().lookup(reth.rkey());
        if (length > 0 && !transport.bus().checkRemote(mr, qp.pdn(), va, length, IbvAccess.REMOTE_READ))
        {
            fatal(psn, Aeth.NAK_REMOTE_ACCESS_ERROR);
            return;
        }
        final ResponderResource r = allocateResource(psn);
        if (r == null)
        {
            return;
        }
        final int mtu = qp.pathMtu();
        r.kind = ResponderResource.READ;
        r.firstPsn = psn;
        r.packets = Math.max(1, (int)((length + mtu - 1) / mtu));
        r.lastPsn = Psn.add(psn, r.packets - 1);
        r.virtualAddress = va;
        r.length = (int)length;
        r.region = mr;
        startResponse(r, psn);
        ctx.expectedPsn(Psn.add(psn, r.packets));
        ctx.msn((ctx.msn() + 1) & Psn.MASK);
    }

    private void onAtomic(final PacketView packet, final int psn)
    {
        if ((qp.accessFlags() & IbvAccess.REMOTE_ATOMIC) == 0)
        {
            fatal(psn, Aeth.NAK_INVALID_REQUEST);
            return;
        }
        final AtomicEth eth = packet.atomicEth();
        final long va = eth.virtualAddress();
        final MemoryRegion mr = transport.bus().lookup(eth.rkey());
        if ((va & 7) != 0)
        {
            fatal(psn, Aeth.NAK_INVALID_REQUEST);
            return;
        }
        if (!transport.bus().checkRemote(mr, qp.pdn(), va, 8, IbvAccess.REMOTE_ATOMIC))
        {
            fatal(psn, Aeth.NAK_REMOTE_ACCESS_ERROR);
            return;
        }
        final ResponderResource r = allocateResource(psn);
        if (r == null)
        {
            return;
        }
        r.kind = ResponderResource.ATOMIC;
        r.firstPsn = psn;
        r.lastPsn = psn;
        r.packets = 1;
        r.atomicResult = packet.opcode() == Opcode.RC_COMPARE_SWAP ?
            transport.bus().compareAndSwap(mr, va, eth.compareData(), eth.swapOrAddData()) :
            transport.bus().fetchAndAdd(mr, va, eth.swapOrAddData());
        startResponse(r, psn);
        ctx.expectedPsn(Psn.next(psn));
        ctx.msn((ctx.msn() + 1) & Psn.MASK);
    }

    /**
     * The oldest slot is reused: a requester keeps at most max_dest_rd_atomic outstanding, so the slot's old request
     * is complete; a replay of it still queued is dropped with it.
     */
    private ResponderResource allocateResource(final int psn)
    {
        final ResponderResource r = resources[ctx.nextResource()];
        ctx.nextResource((ctx.nextResource() + 1) % resources.length);
        r.epoch++;
        r.queued = false;
        return r;
    }

    private void startResponse(final ResponderResource r, final int fromPsn)
    {
        r.sendPsn = fromPsn;
        r.sendOffset = (long)Psn.diff(fromPsn, r.firstPsn) * qp.pathMtu();
        if (!r.queued)
        {
            if (ctx.responseQueueTail() - ctx.responseQueueHead() >= MAX_QUEUE)
            {
                return; // cannot happen while resources <= MAX_QUEUE; a replay is simply dropped
            }
            r.queued = true;
            final int tail = ctx.responseQueueTail();
            ctx.responseQueueTail(tail + 1);
            queue[tail & (MAX_QUEUE - 1)] = (r.epoch << 8) | r.slot;
        }
    }

    private void onDuplicate(final PacketView packet, final int psn)
    {
        counters.increment(EngineCounters.DUPLICATE_REQUESTS);
        final int flags = packet.flags();
        if ((flags & (Opcode.READ | Opcode.ATOMIC)) != 0)
        {
            for (final ResponderResource r : resources)
            {
                if (r.kind == ResponderResource.READ && (flags & Opcode.READ) != 0 &&
                    Psn.diff(psn, r.firstPsn) >= 0 && Psn.diff(psn, r.lastPsn) <= 0)
                {
                    counters.increment(EngineCounters.READ_REPLAYS);
                    startResponse(r, psn);
                    return;
                }
                if (r.kind == ResponderResource.ATOMIC && (flags & Opcode.ATOMIC) != 0 && r.firstPsn == psn)
                {
                    counters.increment(EngineCounters.ATOMIC_REPLAYS);
                    startResponse(r, psn);
                    return;
                }
            }
            return; // too old to replay: the requester times out
        }
        // a resent SEND or WRITE we already took: acknowledge again up to what we have
        acknowledge(Psn.add(ctx.expectedPsn(), -1), Aeth.ackSyndrome(Aeth.CREDITS_INVALID));
    }

    private void acknowledge(final int psn, final int syndrome)
    {
        ctx.ackPending(true);
        ctx.ackPsn(psn);
        ctx.ackSyndrome(syndrome);
        ctx.packetsSinceAck(0);
    }

    /** An error the requester must hear about; the QP goes to ERR once the NAK is out (class C/D errors). */
    private void fatal(final int psn, final int nakCode)
    {
        switch (nakCode)
        {
            case Aeth.NAK_REMOTE_ACCESS_ERROR -> counters.increment(EngineCounters.NAK_REM_ACCESS_SENT);
            case Aeth.NAK_REMOTE_OPERATIONAL_ERROR -> counters.increment(EngineCounters.NAK_REM_OP_SENT);
            default -> counters.increment(EngineCounters.NAK_INV_REQ_SENT);
        }
        if (ctx.recvLoaded())
        {
            completeReceive(nakCode == Aeth.NAK_REMOTE_ACCESS_ERROR ? IbvWcStatus.REM_ACCESS_ERR.code() :
                IbvWcStatus.REM_INV_REQ_ERR.code(), IbvWcOpcode.RECV, 0, 0);
        }
        ctx.responderFailed(true);
        ctx.errorAfterAck(true);
        acknowledge(psn, Aeth.nakSyndrome(nakCode));
    }

    /**
     * TX pipeline: sends up to {@code budget} response packets in PSN order while the frame has queued less than
     * {@code byteLimit} bytes in all (the bus turn's chunk), then the acknowledgement.
     */
    public int emit(final TxFrame frame, final int budget, final long byteLimit)
    {
        int sent = 0;
        while (ctx.responseQueueHead() != ctx.responseQueueTail() && sent < budget &&
            frame.bytesQueued() - byteLimit < 0)
        {
            final int entry = queue[ctx.responseQueueHead() & (MAX_QUEUE - 1)];
            final ResponderResource r = resources[entry & 0xFF];
            if ((entry >>> 8) != (r.epoch & 0xFFFFFF))
            {
                ctx.responseQueueHead(ctx.responseQueueHead() + 1); // its slot was reused after it was queued
                continue;
            }
            if (r.kind == ResponderResource.ATOMIC)
            {
                frame.begin(Opcode.RC_ATOMIC_ACKNOWLEDGE, qp, r.firstPsn);
                frame.aeth().syndrome(Aeth.ackSyndrome(Aeth.CREDITS_INVALID)).msn(ctx.msn());
                frame.atomicAckEth().originalRemoteData(r.atomicResult);
                frame.send(qp, 0);
                responded(r.firstPsn);
                dequeue(r);
            }
            else if (!emitReadSegment(frame, r))
            {
                return sent;
            }
            sent++;
        }
        if (ctx.responseQueueHead() == ctx.responseQueueTail() && ctx.ackPending() && sent < budget)
        {
            ctx.ackPending(false);
            if (!ctx.anyResponse() || Psn.diff(ctx.ackPsn(), ctx.lastResponsePsn()) > 0 || Aeth.type(ctx.ackSyndrome()) != Aeth.TYPE_ACK)
            {
                frame.begin(Opcode.RC_ACKNOWLEDGE, qp, ctx.ackPsn());
                frame.aeth().syndrome(ctx.ackSyndrome()).msn(ctx.msn());
                frame.send(qp, 0);
                if (Aeth.type(ctx.ackSyndrome()) == Aeth.TYPE_ACK)
                {
                    counters.increment(EngineCounters.ACKS_SENT);
                }
                // not recorded as a response: only a READ response or atomic ACK makes a later ACK of the same PSN
                // redundant. After an RNR or sequence NAK for p the ACK for p is news, and a duplicate request is
                // answered again because our previous ACK may be the packet that was lost.
                sent++;
            }
            if (ctx.errorAfterAck())
            {
                ctx.errorAfterAck(false);
                qp.toError();
            }
        }
        return sent;
    }

    private boolean emitReadSegment(final TxFrame frame, final ResponderResource r)
    {
        final int mtu = qp.pathMtu();
        final int length = (int)Math.min(mtu, r.length - r.sendOffset);
        final boolean first = r.sendPsn == r.firstPsn;
        final boolean last = r.sendPsn == r.lastPsn;
        final int opcode = first && last ? Opcode.RC_RDMA_READ_RESPONSE_ONLY :
            first ? Opcode.RC_RDMA_READ_RESPONSE_FIRST :
            last ? Opcode.RC_RDMA_READ_RESPONSE_LAST : Opcode.RC_RDMA_READ_RESPONSE_MIDDLE;
        if (length > 0 && (r.region == null || !r.region.valid()))
        {
            // deregistered while the READ was being answered
            dequeue(r);
            fatal(r.sendPsn, Aeth.NAK_REMOTE_ACCESS_ERROR);
            return false;
        }
        frame.begin(opcode, qp, r.sendPsn);
        if (Opcode.aethOffset(opcode) >= 0)
        {
            frame.aeth().syndrome(Aeth.ackSyndrome(Aeth.CREDITS_INVALID)).msn(ctx.msn());
        }
        if (length > 0)
        {
            transport.bus().fromHost(r.region, r.virtualAddress + r.sendOffset, frame.segment(), frame.payloadOffset(),
                length);
        }
        frame.send(qp, length);
        responded(r.sendPsn);
        r.sendOffset += length;
        if (last)
        {
            dequeue(r);
        }
        else
        {
            r.sendPsn = Psn.next(r.sendPsn);
        }
        return true;
    }

    private void responded(final int psn)
    {
        ctx.lastResponsePsn(psn);
        ctx.anyResponse(true);
    }

    private void dequeue(final ResponderResource r)
    {
        r.queued = false;
        ctx.responseQueueHead(ctx.responseQueueHead() + 1);
    }


    /** Completes every posted receive with WR_FLUSH_ERR (the QP is in ERR). */
    void flushReceives()
    {
        final long producer = recvRing.producerAcquire();
        if (ctx.recvLoaded())
        {
            completeReceive(IbvWcStatus.WR_FLUSH_ERR.code(), IbvWcOpcode.RECV, 0, 0);
        }
        if (producer - ctx.recvIndex() > recvRing.capacity() || producer - ctx.recvIndex() < 0)
        {
            return; // garbage producer index: nothing trustworthy to flush
        }
        while (ctx.recvIndex() != producer)
        {
            final long at = recvRing.entryOffset(ctx.recvIndex());
            qp.recvCqFor(RecvWqe.compVector(recvRing.region(), at)).complete(RecvWqe.wrId(recvRing.region(), at),
                IbvWcStatus.WR_FLUSH_ERR.code(), IbvWcOpcode.RECV, 0, qp.qpn(), 0, 0, 0, false,
                (int)(producer - ctx.recvIndex()));
            ctx.recvIndex(ctx.recvIndex() + 1);
        }
        recvRing.consumerRelease(ctx.recvIndex());
        ctx.responseQueueHead(ctx.responseQueueTail());
        for (final ResponderResource r : resources)
        {
            r.queued = false;
        }
    }

    void discard()
    {
        ctx.recvLoaded(false);
        ctx.recvIndex(recvRing.producerAcquire());
        recvRing.consumerRelease(ctx.recvIndex());
        ctx.responseQueueHead(ctx.responseQueueTail());
        ctx.ackPending(false);
        ctx.inProgress(NONE);
    }
}
