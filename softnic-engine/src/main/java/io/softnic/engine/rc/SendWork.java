package io.softnic.engine.rc;

import io.softnic.engine.bus.SgeList;
import io.softnic.verbs.IbvWrOpcode;

/**
 * The engine's copy of one send work request, taken from the tenant's ring when fetched, with the transport's
 * progress on it: PSN range, whether it was sent whole, how much READ response data has arrived.
 */
final class SendWork
{
    long ringIndex;
    long wrId;
    int opcode;
    int flags;
    int immData;
    long remoteAddr;
    int rkey;
    long compareAdd;
    long swap;
    int compVector;
    boolean inline;
    long inlineOffset;
    int length;
    /** Set at fetch when the WQE itself is bad: it completes with this status instead of being sent. */
    int fetchStatus;
    final SgeList sges;

    int packets;
    int firstPsn;
    int lastPsn;
    boolean psnAssigned;
    boolean sent;
    boolean done;
    boolean countedOutstanding;
    int readPackets;
    long readBytes;
    /** PSN a READ resend was last asked from, so a burst of late responses triggers one resend, not many. */
    int readRetryPsn = -1;

    SendWork(final int maxSge)
    {
        sges = new SgeList(maxSge);
    }

    boolean isReadOrAtomic()
    {
        return opcode == IbvWrOpcode.RDMA_READ || IbvWrOpcode.isAtomic(opcode);
    }

    boolean isRead()
    {
        return opcode == IbvWrOpcode.RDMA_READ;
    }

    boolean isAtomic()
    {
        return IbvWrOpcode.isAtomic(opcode);
    }

    boolean isSendOrWrite()
    {
        return !isReadOrAtomic();
    }

    void reset(final long ringIndex)
    {
        this.ringIndex = ringIndex;
        fetchStatus = 0;
        psnAssigned = false;
        sent = false;
        done = false;
        countedOutstanding = false;
        readPackets = 0;
        readBytes = 0;
        readRetryPsn = -1;
        inline = false;
        sges.clear();
    }
}
