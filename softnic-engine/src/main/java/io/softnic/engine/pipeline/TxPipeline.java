package io.softnic.engine.pipeline;

import io.softnic.engine.rc.QueuePair;
import io.softnic.engine.sched.Scheduler;
import io.softnic.verbs.IbvQpState;
import org.agrona.concurrent.Agent;
import org.agrona.concurrent.NanoClock;

import java.util.function.Consumer;

/**
 * The one transmit pipeline of the device, for all ports: takes doorbells, serves ready QPs (their responder's
 * responses first, then the requester's new or resent requests), and runs the transport timers. What one duty cycle
 * builds, across work requests and QPs, leaves as one burst.
 */
public final class TxPipeline implements Agent
{
    private static final long TIMER_INTERVAL_NANOS = 50_000;

    private final Scheduler scheduler;
    private final io.softnic.engine.counters.EngineCounters counters;
    private final TxFrame frame;
    private final int qpBudget;
    private final int batch;
    private final NanoClock clock;
    private final Consumer<TimerVisitor> timerQps;
    private final TimerVisitor timerVisitor = new TimerVisitor();
    private long nextTimerScan;

    /** Visits every QP whose timers may need service. */
    public final class TimerVisitor
    {
        private long now;
        private int work;

        public void visit(final QueuePair qp)
        {
            synchronized (qp)
            {
                try
                {
                    if (qp.state() == IbvQpState.ERR)
                    {
                        qp.flush();
                        return;
                    }
                    work += qp.requester().onTimer(now);
                }
                catch (final RuntimeException ex)
                {
                    QpFault.contain(qp, ex, counters);
                }
            }
        }
    }

    public TxPipeline(
        final Scheduler scheduler,
        final PacketSink sink,
        final int qpBudget,
        final int batch,
        final NanoClock clock,
        final Consumer<TimerVisitor> timerQps,
        final io.softnic.engine.counters.EngineCounters counters)
    {
        this.scheduler = scheduler;
        this.counters = counters;
        this.frame = new TxFrame(sink);
        this.qpBudget = qpBudget;
        this.batch = batch;
        this.clock = clock;
        this.timerQps = timerQps;
    }

    @Override
    public int doWork()
    {
        int work = scheduler.drainDoorbells(batch);
        int served = 0;
        QueuePair qp;
        while (served < batch && (qp = scheduler.next()) != null)
        {
            served++;
            work += serve(qp);
        }
        final long now = clock.nanoTime();
        if (now - nextTimerScan >= 0)
        {
            nextTimerScan = now + TIMER_INTERVAL_NANOS;
            timerVisitor.now = now;
            timerVisitor.work = 0;
            timerQps.accept(timerVisitor);
            work += timerVisitor.work;
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
            int responses = 0;
            int requests = 0;
            boolean again;
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
            sent = responses + requests;
            more = again;
        }
        if (more)
        {
            scheduler.schedule(qp);
        }
        return sent;
    }

    @Override
    public String roleName()
    {
        return "softnic-tx";
    }
}
