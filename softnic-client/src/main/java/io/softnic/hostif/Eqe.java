package io.softnic.hostif;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Event queue entry as the device writes it into an event queue ring: which CQ fired, the connection whose batch it
 * posts (completions are coalesced per connection and CQ), and how many of that connection's completions on the CQ
 * the event stands for (coalesced since the connection's previous event on the CQ). The sequence word is written
 * last, with release, so a consumer never reads a half-written entry.
 */
public final class Eqe
{
    /** Free-running ring index + 1 the entry was written for; the consumer compares it with the index it expects. */
    public static final int SEQUENCE_OFFSET = 0;
    public static final int CQN_OFFSET = 8;
    public static final int QPN_OFFSET = 12;
    public static final int COUNT_OFFSET = 16;
    public static final int TYPE_OFFSET = 20;
    public static final int LENGTH = 32;

    /** A CQ armed with req_notify received a completion (or a batch of them). */
    public static final int TYPE_COMPLETION = 0;

    private Eqe()
    {
    }

    public static int cqn(final MemorySegment s, final long eqe)
    {
        return s.get(ValueLayout.JAVA_INT, eqe + CQN_OFFSET);
    }

    public static int qpn(final MemorySegment s, final long eqe)
    {
        return s.get(ValueLayout.JAVA_INT, eqe + QPN_OFFSET);
    }

    public static int count(final MemorySegment s, final long eqe)
    {
        return s.get(ValueLayout.JAVA_INT, eqe + COUNT_OFFSET);
    }

    public static int type(final MemorySegment s, final long eqe)
    {
        return s.get(ValueLayout.JAVA_INT, eqe + TYPE_OFFSET);
    }

    static void putBody(final MemorySegment s, final long eqe, final int cqn, final int qpn, final int count, final int type)
    {
        s.set(ValueLayout.JAVA_INT, eqe + CQN_OFFSET, cqn);
        s.set(ValueLayout.JAVA_INT, eqe + QPN_OFFSET, qpn);
        s.set(ValueLayout.JAVA_INT, eqe + COUNT_OFFSET, count);
        s.set(ValueLayout.JAVA_INT, eqe + TYPE_OFFSET, type);
    }
}
