package io.softnic.tools.perf;

/** Work request ids: the QP's index and a per-QP sequence number, or the control channel's own id. */
final class WrIds
{
    static final long CONTROL = 1L << 62;
    private static final long SEQ_MASK = (1L << 48) - 1;

    private WrIds()
    {
    }

    static long data(final int qp, final long seq)
    {
        return ((long)qp << 48) | seq;
    }

    static int qp(final long wrId)
    {
        return (int)((wrId >>> 48) & 0x3FFF);
    }

    static long seq(final long wrId)
    {
        return wrId & SEQ_MASK;
    }

    static boolean isControl(final long wrId)
    {
        return (wrId & CONTROL) != 0;
    }
}
