package io.softnic.tools.perf;

import io.softnic.verbs.IbvMr;
import io.softnic.verbs.IbvQp;

import java.lang.foreign.MemorySegment;

/**
 * One connected QP of a perf endpoint: its region of the endpoint's registered buffer (offsets given to {@link #addr}
 * and {@link #remoteAddr} are relative to the region, on this side and on the peer's), receive ring, round state and
 * the peer's buffer.
 */
final class QpLink
{
    final int index;
    final IbvQp qp;
    /** This QP's region of the buffer. */
    final MemorySegment buffer;
    /** The memory region of the whole buffer, shared by every QP of the endpoint. */
    final IbvMr mr;
    /** Where the region starts in the buffer, here and in the peer's buffer. */
    final long base;
    final ReceiveRing ring;
    final QpRound round;
    RemoteBuffer remote;
    PerfConnection connection;

    QpLink(final int index, final IbvQp qp, final MemorySegment buffer, final IbvMr mr, final long base,
        final ReceiveRing ring, final QpRound round)
    {
        this.index = index;
        this.qp = qp;
        this.buffer = buffer;
        this.mr = mr;
        this.base = base;
        this.ring = ring;
        this.round = round;
    }

    long addr(final long offset)
    {
        return mr.addr() + base + offset;
    }

    int lkey()
    {
        return mr.lkey();
    }

    long remoteAddr(final long offset)
    {
        return remote.addr() + base + offset;
    }

    int rkey()
    {
        return remote.rkey();
    }
}
