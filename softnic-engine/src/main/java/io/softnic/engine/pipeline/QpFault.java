package io.softnic.engine.pipeline;

import io.softnic.engine.counters.EngineCounters;
import io.softnic.engine.rc.QueuePair;

/**
 * What a pipeline does when processing one QP throws (a defect, or host memory that vanished under a registered
 * region): that QP goes to ERR with its work flushed; the pipeline, the engine and every other QP carry on.
 */
final class QpFault
{
    private QpFault()
    {
    }

    /** Called with the QP's monitor held. */
    static void contain(final QueuePair qp, final RuntimeException ex, final EngineCounters counters)
    {
        counters.increment(EngineCounters.QP_INTERNAL_ERRORS);
        System.err.println("softnic: " + qp + " failed and was moved to ERR: " + ex);
        try
        {
            qp.toError();
        }
        catch (final RuntimeException again)
        {
            System.err.println("softnic: " + qp + " could not be flushed: " + again);
        }
    }
}
