package io.softnic.tools.perf;

import io.softnic.cm.RdmaCm;
import io.softnic.verbs.IbvMr;
import io.softnic.verbs.IbvQp;

import java.lang.foreign.MemorySegment;

/** One connected QP of a perf endpoint: its registered buffer, receive ring, round state and the peer's buffer. */
final class QpLink
{
    final int index;
    final IbvQp qp;
    final MemorySegment buffer;
    final IbvMr mr;
    final ReceiveRing ring;
    final QpRound round;
    RemoteBuffer remote;
    RdmaCm.Connection connection;

    QpLink(final int index, final IbvQp qp, final MemorySegment buffer, final IbvMr mr, final ReceiveRing ring,
        final QpRound round)
    {
        this.index = index;
        this.qp = qp;
        this.buffer = buffer;
        this.mr = mr;
        this.ring = ring;
        this.round = round;
    }

    long addr(final long offset)
    {
        return mr.addr() + offset;
    }

    int lkey()
    {
        return mr.lkey();
    }

    long remoteAddr(final long offset)
    {
        return remote.addr() + offset;
    }

    int rkey()
    {
        return remote.rkey();
    }
}
