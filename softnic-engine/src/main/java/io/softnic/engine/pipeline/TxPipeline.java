package io.softnic.engine.pipeline;

import io.softnic.engine.counters.EngineCounters;
import io.softnic.engine.rc.QueuePair;
import io.softnic.engine.rc.TransportTimers;
import io.softnic.engine.sched.Scheduler;
import io.softnic.verbs.IbvQpState;
import org.agrona.concurrent.Agent;
import org.agrona.concurrent.NanoClock;

import java.util.function.IntSupplier;

/**
 * The one transmit pipeline of the device, for all ports: serves QPs made ready (their responder's responses first,
 * then the requester's resent or unfinished requests), then new work in look-ahead batches read from the doorbell
 * rings, and runs the transport timers. What one duty cycle
 * builds, across work requests and QPs, leaves as one burst. Each QP is served with its monitor held and its
 * connection context acquired from the context cache.
 */
public final class TxPipeline implements Agent, TransportTimers.Service
{
    private static final long TIMER_INTERVAL_NANOS = 50_000;

    private final Scheduler scheduler;
    private final EngineCounters counters;
    private final TxFrame frame;
    private final int qpBudget;
    private final int batch;
    private final NanoClock clock;
    private final TransportTimers timers;
    private final IntSupplier housekeeping;
    private long nextTimerPass;

    public TxPipeline(
        final Scheduler scheduler,
        final PacketSink sink,
        final int qpBudget,
        final int batch,
        final NanoClock clock,
        final TransportTimers timers,
        final IntSupplier housekeeping,
        final EngineCounters counters)
    {
        this.scheduler = scheduler;
        this.counters = counters;
        this.frame = new TxFrame(sink);
        this.qpBudget = qpBudget;
        this.batch = batch;
        this.clock = clock;
        this.timers = timers;
        this.housekeeping = housekeeping;
    }

    @Override
    public int doWork()
    {
        int work = 0;
        int served = 0;
        QueuePair qp;
        // QPs made ready by responses, ACKs, timers or unfinished turns first: they have work in flight
        while (served < batch && (qp = scheduler.next()) != null)
        {
            served++;
            work += serve(qp);
        }
        // then new work, one look-ahead batch (one QP, one context acquire) at a time
        int batches = 0;
        while (batches < batch && (qp = scheduler.nextBatch(batch)) != null)
        {
            batches++;
            work += 1 + serve(qp);
        }
        final long now = clock.nanoTime();
        if (now - nextTimerPass >= 0)
        {
            nextTimerPass = now + TIMER_INTERVAL_NANOS;
            work += housekeeping.getAsInt();
            work += timers.poll(now, this);
        }
        frame.flush();
        return work;
    }

    private int serve(final QueuePair qp)
    {
        final int sent;
        final boolean more;
        synchronized (qp)
        {
            if (qp.destroyed())
            {
                return 0;
            }
            int responses = 0;
            int requests = 0;
            boolean again;
            qp.acquireContext();
            try
            {
                responses = qp.responder().emit(frame, qpBudget);
                requests = qp.requester().transmit(frame, qpBudget - responses);
                again = responses + requests >= qpBudget &&
                    (qp.responder().hasResponses() || qp.sendQueue().hasUnsent());
            }
            catch (final RuntimeException ex)
            {
                again = false;
                QpFault.contain(qp, ex, counters);
            }
            finally
            {
                qp.releaseContext();
            }
            sent = responses + requests;
            more = again;
        }
        if (more)
        {
            scheduler.schedule(qp);
        }
        return sent;
    }

    /** A QP's timer came: RNR waits that ended and retransmission timeouts; then its next deadline. */
    @Override
    public int expired(final QueuePair qp, final long now)
    {
        synchronized (qp)
        {
            if (qp.destroyed())
            {
                return 0;
            }
            TransportTimers.fired(qp);
            qp.acquireContext();
            try
            {
                if (qp.state() == IbvQpState.ERR)
                {
                    return 0; // the ERR list flushes it
                }
                final int work = qp.requester().onTimer(now);
                timers.arm(qp, qp.requester().nextDeadline());
                return work;
            }
            catch (final RuntimeException ex)
            {
                QpFault.contain(qp, ex, counters);
                return 1;
            }
            finally
            {
                qp.releaseContext();
            }
        }
    }

    /** Work posted to a QP in ERR completes with WR_FLUSH_ERR. */
    @Override
    public boolean flushErrored(final QueuePair qp)
    {
        synchronized (qp)
        {
            if (qp.destroyed())
            {
                TransportTimers.unlist(qp);
                return false;
            }
            qp.acquireContext();
            try
            {
                if (qp.state() != IbvQpState.ERR)
                {
                    TransportTimers.unlist(qp);
                    return false;
                }
                qp.flush();
                return true;
            }
            catch (final RuntimeException ex)
            {
                counters.increment(EngineCounters.QP_INTERNAL_ERRORS);
                return true;
            }
            finally
            {
                qp.releaseContext();
            }
        }
    }

    @Override
    public String roleName()
    {
        return "softnic-tx";
    }
}
