package io.softnic.engine.rc;

import io.softnic.engine.bus.BusInterface;
import io.softnic.engine.counters.EngineCounters;
import io.softnic.hostif.HostRing;
import io.softnic.hostif.SendWqe;
import io.softnic.verbs.IbvAccess;
import io.softnic.verbs.IbvSendFlags;
import io.softnic.verbs.IbvWcStatus;
import io.softnic.verbs.IbvWrOpcode;
import io.softnic.wire.Psn;

/**
 * The send queue as the requester and completer share it. Three free-running indices walk the tenant's ring:
 * {@code completeIndex <= sendIndex <= fetchIndex}. Work between complete and send is on the wire awaiting its
 * acknowledgement or response; between send and fetch it is fetched and not yet (fully) sent. Going back N moves
 * {@code sendIndex} back; completion moves {@code completeIndex} on and hands the slots back to the tenant.
 */
public final class SendQueue
{
    private final QueuePair qp;
    private final Transport transport;
    private final HostRing ring;
    private final SendWork[] works;
    private final int mask;
    private final SendWqe wqe = new SendWqe();

    private final ConnectionContext ctx;

    SendQueue(final QueuePair qp, final Transport transport)
    {
        this.qp = qp;
        this.transport = transport;
        this.ctx = qp.context();
        this.ring = qp.sendRing();
        this.works = new SendWork[ring.capacity()];
        for (int i = 0; i < works.length; i++)
        {
            works[i] = new SendWork(qp.maxSendSge());
        }
        this.mask = ring.capacity() - 1;
        final long start = ring.producerAcquire();
        fetchIndex(start);
        sendIndex(start);
        completeIndex(start);
        ring.consumerRelease(start);
    }

    void open(final int sqPsn)
    {
        nextPsn(sqPsn & Psn.MASK);
        highPsn(nextPsn());
        unackedPsn(nextPsn());
        outstandingReadAtomic(0);
        sendOffset(0);
    }

    // the send queue's state lives in the connection context

    /** Ring index of the next WQE to fetch. */
    long fetchIndex()
    {
        return ctx.fetchIndex();
    }

    void fetchIndex(final long value)
    {
        ctx.fetchIndex(value);
    }

    /** Ring index of the work being sent (or to send next). */
    long sendIndex()
    {
        return ctx.sendIndex();
    }

    void sendIndex(final long value)
    {
        ctx.sendIndex(value);
    }

    /** Ring index of the oldest work not yet completed. */
    public long completeIndex()
    {
        return ctx.completeIndex();
    }

    void completeIndex(final long value)
    {
        ctx.completeIndex(value);
    }

    /** Byte offset reached inside the work at sendIndex. */
    long sendOffset()
    {
        return ctx.sendOffset();
    }

    void sendOffset(final long value)
    {
        ctx.sendOffset(value);
    }

    /** PSN of the next packet to put on the wire. */
    public int nextPsn()
    {
        return ctx.nextPsn();
    }

    void nextPsn(final int value)
    {
        ctx.nextPsn(value);
    }

    /** Highest PSN ever sent plus one, to tell retransmissions from first transmissions. */
    int highPsn()
    {
        return ctx.highPsn();
    }

    void highPsn(final int value)
    {
        ctx.highPsn(value);
    }

    /** Everything before this PSN is acknowledged. */
    public int unackedPsn()
    {
        return ctx.unackedPsn();
    }

    void unackedPsn(final int value)
    {
        ctx.unackedPsn(value);
    }

    /** READs and atomics on the wire without their response. */
    int outstandingReadAtomic()
    {
        return ctx.outstandingReadAtomic();
    }

    void outstandingReadAtomic(final int value)
    {
        ctx.outstandingReadAtomic(value);
    }

    SendWork work(final long index)
    {
        return works[(int)(index & mask)];
    }

    /** True if some work is on the wire waiting for an acknowledgement or response. */
    public boolean hasUnacked()
    {
        return Psn.diff(highPsn(), unackedPsn()) > 0;
    }

    /** Work fetched and not fully sent, or posted work the scheduler released and the requester has not fetched. */
    public boolean hasUnsent()
    {
        final long fetched = fetchIndex();
        return sendIndex() != fetched || qp.releasedIndex() - fetched > 0 && ring.producerAcquire() != fetched;
    }

    /**
     * Fetches newly posted WQEs from the tenant's ring into the engine's copies, up to {@code limit} (what the
     * scheduler released). Returns the number fetched, or -1 if the tenant's producer index is impossible (ran past
     * the ring or backwards): the QP is then broken.
     */
    int fetch(final long limit)
    {
        final long producer = ring.producerAcquire();
        if (producer == fetchIndex())
        {
            return 0;
        }
        if (producer - completeIndex() > works.length || producer - fetchIndex() < 0)
        {
            return -1;
        }
        final long upTo = limit - producer < 0 ? limit : producer; // what the scheduler released, never past the posts
        int n = 0;
        while (upTo - fetchIndex() > 0)
        {
            load(work(fetchIndex()), fetchIndex());
            fetchIndex(fetchIndex() + 1);
            n++;
        }
        transport.counters().add(EngineCounters.WQE_FETCHED, n);
        return n;
    }

    private void load(final SendWork w, final long index)
    {
        w.reset(index);
        wqe.wrap(ring.region(), ring.entryOffset(index));
        w.wrId = wqe.wrId();
        w.opcode = wqe.opcode();
        w.flags = wqe.sendFlags();
        w.immData = wqe.immData();
        w.remoteAddr = wqe.remoteAddr();
        w.rkey = wqe.rkey();
        w.compareAdd = wqe.compareAdd();
        w.swap = wqe.swap();
        w.compVector = wqe.compVector();
        if (!IbvWrOpcode.isSupportedOnRc(w.opcode))
        {
            w.fetchStatus = IbvWcStatus.LOC_QP_OP_ERR.code();
            return;
        }
        final BusInterface bus = transport.bus();
        if ((w.flags & IbvSendFlags.INLINE) != 0)
        {
            final int length = wqe.inlineLength();
            if (w.isReadOrAtomic() || length < 0 || length > qp.maxInlineData())
            {
                w.fetchStatus = IbvWcStatus.LOC_QP_OP_ERR.code();
                return;
            }
            w.inline = true;
            w.inlineOffset = wqe.inlineDataOffset();
            w.length = length;
        }
        else
        {
            final int numSge = wqe.numSge();
            if (numSge > qp.maxSendSge())
            {
                w.fetchStatus = IbvWcStatus.LOC_QP_OP_ERR.code();
                return;
            }
            final int status = w.sges.load(ring.region(), wqe.sgeOffset(0), numSge);
            if (status != BusInterface.OK)
            {
                w.fetchStatus = status;
                return;
            }
            w.length = (int)w.sges.totalLength();
            final int access = w.isReadOrAtomic() ? IbvAccess.LOCAL_WRITE : 0;
            final int check = w.sges.check(bus, qp.pdn(), access);
            if (check != BusInterface.OK)
            {
                w.fetchStatus = check;
                return;
            }
        }
        if (w.isAtomic() && (w.length != 8 || (w.remoteAddr & 7) != 0))
        {
            w.fetchStatus = IbvWcStatus.LOC_QP_OP_ERR.code();
            return;
        }
        final int mtu = qp.pathMtu();
        w.packets = w.isAtomic() ? 1 : Math.max(1, (int)((w.length + (long)mtu - 1) / mtu));
    }

    /** Completes one work request (in order) and hands its slot back to the tenant. */
    void complete(final SendWork w, final int status)
    {
        if (w.ringIndex == sendIndex() && sendIndex() != fetchIndex())
        {
            // answered while it was queued for resending (after a go-back): it must not go out again
            sendIndex(sendIndex() + 1);
            sendOffset(0);
        }
        w.done = true;
        if (w.countedOutstanding)
        {
            w.countedOutstanding = false;
            outstandingReadAtomic(outstandingReadAtomic() - 1);
        }
        final boolean signaled = status != IbvWcStatus.SUCCESS.code() || qp.sqSigAll() ||
            (w.flags & IbvSendFlags.SIGNALED) != 0;
        if (signaled)
        {
            qp.sendCqFor(w.compVector).complete(w.wrId, status, IbvWrOpcode.completionOpcode(w.opcode),
                w.isAtomic() ? 8 : w.length, qp.qpn(), 0, 0, 0, false, (int)(fetchIndex() - completeIndex()));
        }
        retire();
        catchUp();
    }

    private void retire()
    {
        long index = completeIndex();
        while (index != sendIndex() && work(index).done)
        {
            index++;
        }
        if (index != completeIndex())
        {
            completeIndex(index);
            ring.consumerRelease(index);
        }
    }

    /**
     * Everything up to and including {@code psn} is acknowledged: completes SEND and WRITE work it covers, including
     * work sent before a go-back and not yet resent. Returns the index of a READ or atomic it covers that has not got
     * its response (its response was lost: the caller goes back to it), or -1.
     */
    long acknowledge(final int psn)
    {
        // one ACK often covers many requests: the window moves request by request, but the retry budgets, the timer
        // and the TX pipeline hear of it once, at the end
        final int before = unackedPsn();
        long lostRead = -1;
        final long fetched = fetchIndex(); // completing work never fetches more
        while (completeIndex() != fetched)
        {
            final SendWork w = work(completeIndex());
            if (!w.psnAssigned || Psn.diff(w.lastPsn, psn) > 0)
            {
                if (w.psnAssigned && Psn.diff(psn, w.firstPsn) >= 0 && w.isSendOrWrite())
                {
                    moveUnacked(Psn.next(psn)); // part of a long message is through
                }
                break;
            }
            if (w.isReadOrAtomic())
            {
                moveUnacked(w.firstPsn);
                lostRead = completeIndex();
                break;
            }
            moveUnacked(Psn.next(w.lastPsn));
            complete(w, IbvWcStatus.SUCCESS.code());
        }
        catchUp();
        if (unackedPsn() != before)
        {
            qp.requester().progress();
        }
        return lostRead;
    }

    /** After a go-back, the wire position never lags what the responder has acknowledged. */
    private void catchUp()
    {
        if (Psn.diff(nextPsn(), unackedPsn()) >= 0)
        {
            return;
        }
        if (sendIndex() == completeIndex() && sendIndex() != fetchIndex() && work(sendIndex()).isSendOrWrite() &&
            work(sendIndex()).psnAssigned)
        {
            final SendWork w = work(sendIndex());
            sendOffset((long)Psn.diff(unackedPsn(), w.firstPsn) * qp.pathMtu());
        }
        nextPsn(unackedPsn());
    }

    void advanceUnacked(final int psn)
    {
        if (moveUnacked(psn))
        {
            qp.requester().progress();
        }
    }

    /** Moves the acknowledged edge forward to {@code psn} if it is ahead; true if it moved. */
    private boolean moveUnacked(final int psn)
    {
        if (Psn.diff(psn, unackedPsn()) > 0)
        {
            unackedPsn(psn);
            return true;
        }
        return false;
    }

    /** The index of the sent work whose PSN range holds {@code psn} (sent before or after a go-back), or -1. */
    long find(final int psn)
    {
        for (long i = completeIndex(); i != fetchIndex(); i++)
        {
            final SendWork w = work(i);
            if (!w.psnAssigned || Psn.diff(w.firstPsn, highPsn()) >= 0)
            {
                break;
            }
            if (Psn.diff(psn, w.firstPsn) >= 0 && Psn.diff(psn, w.lastPsn) <= 0)
            {
                return i;
            }
        }
        return -1;
    }

    /** Go back N: transmission resumes at {@code psn}, inside the work at {@code index}. */
    void goBack(final long index, final int psn)
    {
        final SendWork w = work(index);
        sendIndex(index);
        if (w.isReadOrAtomic())
        {
            // a READ resumes after the responses that did arrive
            nextPsn(Psn.add(w.firstPsn, w.readPackets));
            sendOffset(0);
        }
        else
        {
            final int packet = Math.max(0, Psn.diff(psn, w.firstPsn));
            nextPsn(Psn.add(w.firstPsn, packet));
            sendOffset((long)packet * qp.pathMtu());
        }
        outstandingReadAtomic(0);
        for (long i = completeIndex(); i != fetchIndex(); i++)
        {
            final SendWork o = work(i);
            if (i - index >= 0)
            {
                o.sent = false;
            }
            if (o.countedOutstanding && i - index < 0)
            {
                outstandingReadAtomic(outstandingReadAtomic() + 1);
            }
            else
            {
                o.countedOutstanding = false;
            }
        }
        qp.requester().rearm();
        transport.schedule(qp);
    }

    /** Completes every fetched and posted work with WR_FLUSH_ERR (the QP is in ERR). */
    void flush()
    {
        final long producer = ring.producerAcquire();
        if (producer - completeIndex() <= works.length && producer - fetchIndex() >= 0)
        {
            while (fetchIndex() != producer)
            {
                final SendWork w = work(fetchIndex());
                w.reset(fetchIndex());
                wqe.wrap(ring.region(), ring.entryOffset(fetchIndex()));
                w.wrId = wqe.wrId();
                w.opcode = wqe.opcode();
                w.compVector = wqe.compVector();
                fetchIndex(fetchIndex() + 1);
            }
        }
        sendIndex(fetchIndex());
        sendOffset(0);
        while (completeIndex() != fetchIndex())
        {
            final SendWork w = work(completeIndex());
            if (!w.done)
            {
                w.done = true;
                w.countedOutstanding = false;
                qp.sendCqFor(w.compVector).complete(w.wrId, IbvWcStatus.WR_FLUSH_ERR.code(),
                    IbvWrOpcode.completionOpcode(w.opcode), 0, qp.qpn(), 0, 0, 0, false, (int)(fetchIndex() - completeIndex()));
            }
            completeIndex(completeIndex() + 1);
        }
        outstandingReadAtomic(0);
        ring.consumerRelease(completeIndex());
    }

    void discard()
    {
        final long producer = ring.producerAcquire();
        fetchIndex(producer);
        sendIndex(producer);
        completeIndex(producer);
        sendOffset(0);
        outstandingReadAtomic(0);
        ring.consumerRelease(producer);
    }

    /** Fails the work at completeIndex with a status and moves the QP to ERR (flushing the rest). */
    void fail(final int status)
    {
        if (completeIndex() != fetchIndex())
        {
            final SendWork w = work(completeIndex());
            if (!w.done)
            {
                complete(w, status);
            }
        }
        qp.toError();
    }
}
