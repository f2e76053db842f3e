package io.softnic.engine.rc;

import io.softnic.engine.bus.BusInterface;
import io.softnic.engine.counters.EngineCounters;
import io.softnic.verbs.IbvQpState;
import io.softnic.verbs.IbvWcStatus;
import io.softnic.wire.Aeth;
import io.softnic.wire.Opcode;
import io.softnic.wire.PacketView;
import io.softnic.wire.Psn;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * The completer: takes the responder's answers (ACK, NAKs, READ responses, atomic ACKs) and turns them into
 * completions, retransmissions (go back N), RNR waits, or QP errors. Responses outside the window are stale
 * duplicates and are counted and dropped.
 */
public final class Completer
{
    private final QueuePair qp;
    private final SendQueue sq;
    private final Transport transport;
    private final EngineCounters counters;
    private final MemorySegment atomicResult = MemorySegment.ofArray(new long[1]);

    Completer(final QueuePair qp, final SendQueue sq, final Transport transport)
    {
        this.qp = qp;
        this.sq = sq;
        this.transport = transport;
        this.counters = transport.counters();
    }

    /** Handles one response packet for this QP, already validated as a well-formed packet. */
    public void onResponse(final PacketView packet)
    {
        if (qp.state() != IbvQpState.RTS)
        {
            return;
        }
        final int psn = packet.bth().psn();
        if (!sq.hasUnacked() || Psn.diff(psn, sq.unackedPsn()) < 0 || Psn.diff(psn, sq.highPsn()) >= 0)
        {
            counters.increment(EngineCounters.DUPLICATE_RESPONSES);
            return;
        }
        final int opcode = packet.opcode();
        if (opcode == Opcode.RC_ACKNOWLEDGE)
        {
            onAcknowledge(psn, packet.aeth().syndrome());
        }
        else if (opcode == Opcode.RC_ATOMIC_ACKNOWLEDGE)
        {
            onAtomicAcknowledge(psn, packet);
        }
        else
        {
            onReadResponse(psn, packet);
        }
    }

    private void onAcknowledge(final int psn, final int syndrome)
    {
        switch (Aeth.type(syndrome))
        {
            case Aeth.TYPE_ACK ->
            {
                counters.increment(EngineCounters.ACKS_RECEIVED);
                final long lostRead = sq.acknowledge(psn);
                if (lostRead >= 0)
                {
                    // an ACK beyond a READ or atomic without its response: the response was lost
                    goBackToRead(lostRead);
                }
            }
            case Aeth.TYPE_RNR_NAK ->
            {
                counters.increment(EngineCounters.RNR_NAK_RECEIVED);
                if (!acknowledgeBefore(psn))
                {
                    qp.requester().onRnrNak(psn, Aeth.value(syndrome));
                }
            }
            case Aeth.TYPE_NAK -> onNak(psn, Aeth.value(syndrome));
            default -> counters.increment(EngineCounters.MALFORMED_DROPPED);
        }
    }

    /** Acknowledges everything before psn; true if that found a lost READ/atomic response and went back to it. */
    private boolean acknowledgeBefore(final int psn)
    {
        if (Psn.diff(psn, sq.unackedPsn()) <= 0)
        {
            return false;
        }
        final long lostRead = sq.acknowledge(Psn.add(psn, -1));
        if (lostRead >= 0)
        {
            goBackToRead(lostRead);
            return true;
        }
        return false;
    }

    private void goBackToRead(final long index)
    {
        final SendWork w = sq.work(index);
        final int resume = Psn.add(w.firstPsn, w.readPackets);
        if (w.readRetryPsn != resume)
        {
            w.readRetryPsn = resume;
            sq.goBack(index, resume);
        }
    }

    private void onNak(final int psn, final int code)
    {
        switch (code)
        {
            case Aeth.NAK_PSN_SEQUENCE_ERROR ->
            {
                counters.increment(EngineCounters.NAK_SEQ_RECEIVED);
                if (!acknowledgeBefore(psn))
                {
                    final long index = sq.find(psn);
                    if (index >= 0)
                    {
                        sq.goBack(index, psn);
                    }
                }
            }
            case Aeth.NAK_INVALID_REQUEST ->
            {
                counters.increment(EngineCounters.NAK_INV_REQ_RECEIVED);
                failAt(psn, IbvWcStatus.REM_INV_REQ_ERR.code());
            }
            case Aeth.NAK_REMOTE_ACCESS_ERROR ->
            {
                counters.increment(EngineCounters.NAK_REM_ACCESS_RECEIVED);
                failAt(psn, IbvWcStatus.REM_ACCESS_ERR.code());
            }
            case Aeth.NAK_REMOTE_OPERATIONAL_ERROR ->
            {
                counters.increment(EngineCounters.NAK_REM_OP_RECEIVED);
                failAt(psn, IbvWcStatus.REM_OP_ERR.code());
            }
            case Aeth.NAK_INVALID_RD_REQUEST ->
            {
                counters.increment(EngineCounters.NAK_INV_REQ_RECEIVED);
                failAt(psn, IbvWcStatus.REM_INV_RD_REQ_ERR.code());
            }
            default -> counters.increment(EngineCounters.MALFORMED_DROPPED);
        }
    }

    private void failAt(final int psn, final int status)
    {
        if (Psn.diff(psn, sq.unackedPsn()) > 0)
        {
            sq.acknowledge(Psn.add(psn, -1));
        }
        sq.fail(status);
    }

    private void onAtomicAcknowledge(final int psn, final PacketView packet)
    {
        final long index = sq.find(psn);
        if (index < 0 || !sq.work(index).isAtomic() || sq.work(index).firstPsn != psn)
        {
            failBadResponse();
            return;
        }
        if (acknowledgeBefore(psn))
        {
            return;
        }
        final SendWork w = sq.work(index);
        atomicResult.set(ValueLayout.JAVA_LONG, 0, packet.atomicAckEth().originalRemoteData());
        final int status = w.sges.scatter(transport.bus(), qp.pdn(), 0, atomicResult, 0, 8);
        counters.increment(EngineCounters.ACKS_RECEIVED);
        sq.advanceUnacked(Psn.next(psn));
        if (status != BusInterface.OK)
        {
            sq.fail(status);
            return;
        }
        sq.complete(w, IbvWcStatus.SUCCESS.code());
    }

    private void onReadResponse(final int psn, final PacketView packet)
    {
        final long index = sq.find(psn);
        if (index < 0 || !sq.work(index).isRead())
        {
            failBadResponse();
            return;
        }
        final SendWork w = sq.work(index);
        if (acknowledgeBefore(w.firstPsn))
        {
            return;
        }
        final int expected = Psn.add(w.firstPsn, w.readPackets);
        final int gap = Psn.diff(psn, expected);
        if (gap < 0)
        {
            counters.increment(EngineCounters.DUPLICATE_RESPONSES);
            return;
        }
        if (gap > 0)
        {
            // a response packet went missing: ask again from it, once per gap
            counters.increment(EngineCounters.OUT_OF_SEQUENCE_REQUESTS);
            if (w.readRetryPsn != expected)
            {
                w.readRetryPsn = expected;
                sq.goBack(index, expected);
            }
            return;
        }
        final int mtu = qp.pathMtu();
        final int flags = packet.flags();
        final boolean first = w.readPackets == 0;
        final boolean last = w.readPackets == w.packets - 1;
        final boolean opcodeFits = ((flags & Opcode.FIRST) != 0) == first && ((flags & Opcode.LAST) != 0) == last;
        final int length = (int)Math.min(mtu, w.length - w.readBytes);
        if (!opcodeFits || packet.payloadLength() != length)
        {
            failBadResponse();
            return;
        }
        if (length > 0)
        {
            final int status = w.sges.scatter(transport.bus(), qp.pdn(), w.readBytes, packet.segment(),
                packet.payloadOffset(), length);
            if (status != BusInterface.OK)
            {
                sq.fail(status);
                return;
            }
        }
        w.readPackets++;
        w.readBytes += length;
        // response data that arrived in order is acknowledged: it moves the window and resets the retry budget
        sq.advanceUnacked(Psn.next(psn));
        if (last)
        {
            sq.complete(w, IbvWcStatus.SUCCESS.code());
        }
    }

    private void failBadResponse()
    {
        counters.increment(EngineCounters.BAD_OPCODE_SEQUENCE);
        sq.fail(IbvWcStatus.BAD_RESP_ERR.code());
    }
}
