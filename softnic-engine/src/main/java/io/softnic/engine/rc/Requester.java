package io.softnic.engine.rc;

import io.softnic.engine.bus.BusInterface;
import io.softnic.engine.counters.EngineCounters;
import io.softnic.engine.pipeline.TxFrame;
import io.softnic.verbs.IbvMigState;
import io.softnic.verbs.IbvQpState;
import io.softnic.verbs.IbvSendFlags;
import io.softnic.verbs.IbvWcStatus;
import io.softnic.verbs.IbvWrOpcode;
import io.softnic.wire.Aeth;
import io.softnic.wire.Bth;
import io.softnic.wire.Opcode;
import io.softnic.wire.Psn;

import java.lang.foreign.MemorySegment;

/**
 * The requester: turns send work into request packets (segmenting at the path MTU), keeps the window of unacknowledged
 * packets and the READ/atomic depth, honours FENCE, and owns the retransmission and RNR timers.
 */
public final class Requester
{
    private final QueuePair qp;
    private final SendQueue sq;
    private final Transport transport;
    private final ConnectionContext ctx;

    Requester(final QueuePair qp, final SendQueue sq, final Transport transport)
    {
        this.qp = qp;
        this.sq = sq;
        this.transport = transport;
        this.ctx = qp.context();
    }

    /**
     * Sends up to {@code budget} packets of new or resent work, stopping once the frame has queued {@code byteLimit}
     * bytes in all (its {@link TxFrame#bytesQueued()} count: the bus turn's chunk); returns the number sent.
     */
    public int transmit(final TxFrame frame, final int budget, final long byteLimit)
    {
        final IbvQpState state = qp.state();
        if (state == IbvQpState.ERR)
        {
            sq.flush();
            return 0;
        }
        if (state != IbvQpState.RTS || ctx.rnrWaiting())
        {
            return 0;
        }
        int sent = 0;
        while (sent < budget && frame.bytesQueued() - byteLimit < 0)
        {
            if (sq.sendIndex() == sq.fetchIndex())
            {
                final int fetched = sq.fetch(qp.releasedIndex());
                if (fetched < 0)
                {
                    // the tenant's producer index ran away: only this QP breaks
                    sq.fail(IbvWcStatus.LOC_QP_OP_ERR.code());
                    return sent;
                }
                if (fetched == 0)
                {
                    break;
                }
            }
            final SendWork w = sq.work(sq.sendIndex());
            if (w.fetchStatus != 0)
            {
                if (sq.completeIndex() != sq.sendIndex())
                {
                    break; // earlier work completes first, then this one fails
                }
                sq.fail(w.fetchStatus);
                return sent;
            }
            if (Psn.diff(sq.nextPsn(), sq.unackedPsn()) >= transport.maxUnackedPackets())
            {
                break;
            }
            if (sq.sendOffset() == 0)
            {
                if ((w.flags & IbvSendFlags.FENCE) != 0 && sq.outstandingReadAtomic() > 0)
                {
                    break;
                }
                if (w.isReadOrAtomic() && sq.outstandingReadAtomic() >= qp.maxRdAtomic())
                {
                    break;
                }
                if (!w.psnAssigned)
                {
                    w.firstPsn = sq.nextPsn();
                    w.lastPsn = Psn.add(w.firstPsn, w.packets - 1);
                    w.psnAssigned = true;
                }
            }
            final int status = emit(frame, w);
            if (status != BusInterface.OK)
            {
                if (sq.completeIndex() == sq.sendIndex())
                {
                    sq.fail(status);
                    return sent;
                }
                w.fetchStatus = status; // fails once the work before it completes
                break;
            }
            sent++;
        }
        return sent;
    }

    private int emit(final TxFrame frame, final SendWork w)
    {
        final int psn = sq.nextPsn();
        if (Psn.diff(psn, sq.highPsn()) < 0)
        {
            transport.counters().increment(EngineCounters.RETRANSMITTED_PACKETS);
        }
        if (w.isRead())
        {
            // a resent READ asks only for what has not arrived yet (IBTA 9.4.4 partial retry)
            final Bth bth = frame.begin(Opcode.RC_RDMA_READ_REQUEST, qp, psn);
            bth.ackReq(false);
            frame.reth().virtualAddress(w.remoteAddr + w.readBytes).rkey(w.rkey).dmaLength((int)(w.length - w.readBytes));
            frame.send(qp, 0);
            finishWork(w, Psn.add(w.firstPsn, w.packets));
            return BusInterface.OK;
        }
        if (w.isAtomic())
        {
            final int opcode = w.opcode == IbvWrOpcode.ATOMIC_CMP_AND_SWP ? Opcode.RC_COMPARE_SWAP : Opcode.RC_FETCH_ADD;
            frame.begin(opcode, qp, psn).ackReq(true);
            frame.atomicEth().virtualAddress(w.remoteAddr).rkey(w.rkey)
                .swapOrAddData(w.opcode == IbvWrOpcode.ATOMIC_CMP_AND_SWP ? w.swap : w.compareAdd)
                .compareData(w.compareAdd);
            frame.send(qp, 0);
            finishWork(w, Psn.next(psn));
            return BusInterface.OK;
        }
        final int mtu = qp.pathMtu();
        final long offset = sq.sendOffset();
        final int payload = (int)Math.min(mtu, w.length - offset);
        final boolean first = offset == 0;
        final boolean last = offset + payload >= w.length;
        final int opcode = segmentOpcode(w.opcode, first, last);
        final Bth bth = frame.begin(opcode, qp, psn);
        bth.ackReq(last || (psn % transport.ackRequestInterval()) == 0);
        if (last && (w.flags & IbvSendFlags.SOLICITED) != 0)
        {
            bth.solicitedEvent(true);
        }
        if (Opcode.rethOffset(opcode) >= 0)
        {
            frame.reth().virtualAddress(w.remoteAddr).rkey(w.rkey).dmaLength(w.length);
        }
        if (Opcode.immDtOffset(opcode) >= 0)
        {
            frame.immDt().immediateData(w.immData);
        }
        if (payload > 0)
        {
            if (w.inline)
            {
                MemorySegment.copy(qp.sendRing().region(), w.inlineOffset + offset, frame.segment(),
                    frame.payloadOffset(), payload);
            }
            else
            {
                final int status = w.sges.gather(transport.bus(), qp.pdn(), offset, frame.segment(),
                    frame.payloadOffset(), payload);
                if (status != BusInterface.OK)
                {
                    return status;
                }
            }
        }
        frame.send(qp, payload);
        if (last)
        {
            finishWork(w, Psn.next(psn));
        }
        else
        {
            sq.sendOffset(offset + payload);
            advancePsn(Psn.next(psn));
        }
        return BusInterface.OK;
    }

    private static int segmentOpcode(final int wrOpcode, final boolean first, final boolean last)
    {
        final boolean imm = wrOpcode == IbvWrOpcode.SEND_WITH_IMM || wrOpcode == IbvWrOpcode.RDMA_WRITE_WITH_IMM;
        if (wrOpcode == IbvWrOpcode.SEND || wrOpcode == IbvWrOpcode.SEND_WITH_IMM)
        {
            if (first && last)
            {
                return imm ? Opcode.RC_SEND_ONLY_WITH_IMMEDIATE : Opcode.RC_SEND_ONLY;
            }
            if (first)
            {
                return Opcode.RC_SEND_FIRST;
            }
            return last ? (imm ? Opcode.RC_SEND_LAST_WITH_IMMEDIATE : Opcode.RC_SEND_LAST) : Opcode.RC_SEND_MIDDLE;
        }
        if (first && last)
        {
            return imm ? Opcode.RC_RDMA_WRITE_ONLY_WITH_IMMEDIATE : Opcode.RC_RDMA_WRITE_ONLY;
        }
        if (first)
        {
            return Opcode.RC_RDMA_WRITE_FIRST;
        }
        return last ? (imm ? Opcode.RC_RDMA_WRITE_LAST_WITH_IMMEDIATE : Opcode.RC_RDMA_WRITE_LAST) :
            Opcode.RC_RDMA_WRITE_MIDDLE;
    }

    private void finishWork(final SendWork w, final int psnAfter)
    {
        w.sent = true;
        if (w.isReadOrAtomic() && !w.countedOutstanding)
        {
            w.countedOutstanding = true;
            sq.outstandingReadAtomic(sq.outstandingReadAtomic() + 1);
        }
        sq.sendIndex(sq.sendIndex() + 1);
        sq.sendOffset(0);
        advancePsn(psnAfter);
    }

    private void advancePsn(final int psn)
    {
        sq.nextPsn(psn);
        if (Psn.diff(psn, sq.highPsn()) > 0)
        {
            sq.highPsn(psn);
        }
        if (ctx.retransmitDeadline() == Long.MAX_VALUE)
        {
            rearm();
        }
    }

    /** An acknowledgement moved the window: retry budgets refill and the timer restarts. */
    void progress()
    {
        ctx.retriesLeft(qp.retryCnt());
        ctx.rnrRetriesLeft(qp.rnrRetry());
        rearm();
        if (sq.hasUnsent())
        {
            transport.schedule(qp); // work the window held back may go now; nothing else needs a turn (or a load)
        }
    }

    void rearm()
    {
        if (sq.hasUnacked())
        {
            final long timeout = Transport.ackTimeoutNanos(qp.timeoutCode());
            final long deadline = timeout == Long.MAX_VALUE ? Long.MAX_VALUE : transport.nanoTime() + timeout;
            ctx.retransmitDeadline(deadline);
            transport.timers().arm(qp, deadline);
        }
        else
        {
            ctx.retransmitDeadline(Long.MAX_VALUE);
        }
    }

    /**
     * Timeouts say the primary path may be broken: move to the armed alternate when its port is up and either the
     * primary's port is down or a resend on the primary has timed out too (one lost packet is not a broken path).
     */
    private boolean shouldMigrate()
    {
        if (qp.migState() != IbvMigState.ARMED)
        {
            return false;
        }
        final Transport.Paths paths = transport.paths();
        return paths.isUp(qp.alternatePath().portIndex()) &&
            (!paths.isUp(qp.portIndex()) || ctx.retriesLeft() < qp.retryCnt());
    }

    /** The QP now uses its other path: what is unacknowledged goes again at once, with a full retry budget. */
    public void onPathMigrated()
    {
        ctx.retriesLeft(qp.retryCnt());
        if (sq.hasUnacked())
        {
            resendUnacked();
        }
        rearm();
        transport.schedule(qp);
    }

    /** Go back N: everything from the oldest unacknowledged PSN is sent again. */
    private void resendUnacked()
    {
        final long index = sq.find(sq.unackedPsn());
        sq.goBack(index >= 0 ? index : sq.completeIndex(), sq.unackedPsn());
    }

    /** Opening the send queue (RTR to RTS) fills the retry budgets; opening or closing it, no deadline is left. */
    void reset()
    {
        ctx.retriesLeft(qp.retryCnt());
        ctx.rnrRetriesLeft(qp.rnrRetry());
        ctx.retransmitDeadline(Long.MAX_VALUE);
        ctx.rnrWaiting(false);
    }

    /** An RNR NAK for {@code psn}: wait the peer's RNR timer, then resend from there; or give up. */
    void onRnrNak(final int psn, final int timerCode)
    {
        if (qp.rnrRetry() != 7)
        {
            if (ctx.rnrRetriesLeft() == 0)
            {
                sq.fail(IbvWcStatus.RNR_RETRY_EXC_ERR.code());
                return;
            }
            ctx.rnrRetriesLeft(ctx.rnrRetriesLeft() - 1);
        }
        ctx.rnrWaiting(true);
        ctx.rnrPsn(psn);
        final long deadline = transport.nanoTime() + Aeth.rnrTimerNanos(timerCode);
        ctx.rnrDeadline(deadline);
        ctx.retransmitDeadline(Long.MAX_VALUE);
        transport.timers().arm(qp, deadline);
    }

    /** When {@link #onTimer} has something to do next: the RNR wait's end or the retransmission timeout. */
    public long nextDeadline()
    {
        return ctx.rnrWaiting() ? ctx.rnrDeadline() : ctx.retransmitDeadline();
    }

    /** Timer duty: RNR waits that ended and retransmission timeouts. Returns work done. */
    public int onTimer(final long now)
    {
        if (qp.state() != IbvQpState.RTS)
        {
            return 0;
        }
        if (ctx.rnrWaiting())
        {
            if (now - ctx.rnrDeadline() < 0)
            {
                return 0;
            }
            ctx.rnrWaiting(false);
            transport.counters().increment(EngineCounters.RNR_RETRIES);
            final long index = sq.find(ctx.rnrPsn());
            if (index >= 0)
            {
                sq.goBack(index, ctx.rnrPsn());
            }
            else
            {
                transport.schedule(qp);
            }
            return 1;
        }
        if (ctx.retransmitDeadline() == Long.MAX_VALUE || now - ctx.retransmitDeadline() < 0)
        {
            return 0;
        }
        if (!sq.hasUnacked())
        {
            ctx.retransmitDeadline(Long.MAX_VALUE);
            return 0;
        }
        transport.counters().increment(EngineCounters.RETRANSMIT_TIMEOUTS);
        if (shouldMigrate())
        {
            transport.paths().migrated(qp, qp.migrate());
            onPathMigrated();
            return 1;
        }
        if (ctx.retriesLeft() == 0)
        {
            sq.fail(IbvWcStatus.RETRY_EXC_ERR.code());
            return 1;
        }
        ctx.retriesLeft(ctx.retriesLeft() - 1);
        resendUnacked();
        return 1;
    }
}
