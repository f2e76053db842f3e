package io.softnic.tools.perf;

/**
 * A latency exchange only the client takes part in (RDMA READ, atomics): spoil the local target, post, wait for the
 * completion, and check that the data arrived with it.
 */
abstract class OneSidedProbe extends LatencyProbe
{
    OneSidedProbe(final QpLink link, final BufferLayout layout, final SendTracker sends)
    {
        super(link, layout, sends);
    }

    /** Readies exchange i: spoils what its completion must overwrite. */
    abstract void arm(long i);

    /** Fails if exchange i completed without its data. */
    abstract void verify(long i);

    @Override
    public final boolean exchange(final long i)
    {
        arm(i);
        post(i);
        sends.awaitAll();
        completedAt = System.nanoTime();
        verify(i);
        link.round.ops = i;
        return true;
    }
}
