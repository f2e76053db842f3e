package io.softnic.engine.pipeline;

import io.softnic.engine.bus.FlowTurns;
import io.softnic.engine.counters.EngineCounters;
import io.softnic.engine.rc.QueuePair;
import io.softnic.engine.rc.TransportTimers;
import io.softnic.engine.sched.Scheduler;
import io.softnic.verbs.IbvQpState;
import org.agrona.concurrent.Agent;
import org.agrona.concurrent.NanoClock;

import java.util.function.IntFunction;
import java.util.function.IntSupplier;

/**
 * The one transmit pipeline of the device, for all ports. QPs made ready (responses to send, resent or unfinished
 * requests) and new work taken in look-ahead batches from the doorbell rings each queue a turn in their flow on the
 * bus interface; the bus grants turns by flow priority and weight, and a granted QP's responder, then requester,
 * produce packets up to the turn's chunk of bytes. It also runs the transport timers. What one duty cycle
 * builds, across work requests and QPs, leaves as one burst. Each QP is served with its monitor held and its
 * connection context acquired from the context cache.
 */
public final class TxPipeline implements Agent, TransportTimers.Service
{
    /** Statistics, an administrator's requests, failing ports: a millisecond is soon enough for each. */
    private static final long HOUSEKEEPING_INTERVAL_NANOS = 1_000_000;

    private final Scheduler scheduler;
    private final EngineCounters counters;
    private final TxFrame frame;
    private final int qpBudget;
    private final int batch;
    private final NanoClock clock;
    private final TransportTimers timers;
    private final FlowTurns turns;
    private final long bytesPerCycle;
    private final IntFunction<QueuePair> qpLookup;
    private final IntSupplier housekeeping;
    private long nextHousekeeping;
    /** Set by {@link #serve}: the QP stopped only because its turn ended. */
    private boolean more;

    /**
     * @param qpBudget      packets one turn may send when flows are arbitrated (without arbitration a turn sends all
     *                      its QP can)
     * @param bytesPerCycle bytes the bus grants in turns per duty cycle before the burst leaves
     */
    public TxPipeline(
        final Scheduler scheduler,
        final PacketSink sink,
        final int qpBudget,
        final int batch,
        final NanoClock clock,
        final TransportTimers timers,
        final FlowTurns turns,
        final long bytesPerCycle,
        final IntFunction<QueuePair> qpLookup,
        final IntSupplier housekeeping,
        final EngineCounters counters)
    {
        this.scheduler = scheduler;
        this.counters = counters;
        this.frame = new TxFrame(sink);
        this.qpBudget = turns.arbitrates() ? qpBudget : Integer.MAX_VALUE;
        this.batch = batch;
        this.clock = clock;
        this.timers = timers;
        this.turns = turns;
        this.bytesPerCycle = bytesPerCycle;
        this.qpLookup = qpLookup;
        this.housekeeping = housekeeping;
    }

    @Override
    public int doWork()
    {
        final long now = clock.nanoTime();
        int work = turns.reclaim();
        QueuePair qp;
        // QPs made ready by responses, ACKs, timers or unfinished turns queue a turn in their flow on the bus
        for (int i = 0; i < batch && (qp = scheduler.next()) != null; i++)
        {
            work++;
            queueTurn(qp, now);
        }
        // then, one look-ahead batch in for each turn out, so a batch's QP runs while its context is still cached
        // and W = 1 stays strict doorbell order; the bus grants turns flow by flow (priority, then weight) until
        // this cycle's bytes are spent
        long moved = 0;
        int batches = 0;
        for (int grants = 0; grants < 2 * batch && moved < bytesPerCycle; grants++)
        {
            final long grantAt = clock.nanoTime(); // a turn's wait runs to its grant, not to the cycle's start
            if (batches < batch && (qp = scheduler.nextBatch(batch)) != null)
            {
                batches++;
                work++;
                queueTurn(qp, grantAt);
            }
            if (!turns.grant(grantAt))
            {
                break;
            }
            qp = turns.grantedMember(qpLookup);
            final int used = qp == null ? 0 : serve(qp, turns.grantedBytes());
            if (!turns.served(qp, used, qp != null && more, clock.nanoTime()))
            {
                counters.increment(EngineCounters.BUS_TURNS_REFUSED);
                scheduler.schedule(qp); // its flow's queue is full: back-pressure on that flow, a turn next cycle
            }
            moved += used;
            work++;
        }
        if (moved > 0)
        {
            counters.add(EngineCounters.BUS_TURN_BYTES, moved);
        }
        work += timers.poll(now, this); // it looks at its wheel only once a tick has passed
        if (now - nextHousekeeping >= 0)
        {
            nextHousekeeping = now + HOUSEKEEPING_INTERVAL_NANOS;
            work += housekeeping.getAsInt();
        }
        frame.flush();
        return work;
    }

    /** A turn in the QP's flow; if its queue is full the QP tries again next cycle (back-pressure on its flow). */
    private void queueTurn(final QueuePair qp, final long now)
    {
        if (qp.destroyed())
        {
            return; // retired: a flow made for it now would never be freed
        }
        if (!turns.queue(qp, now))
        {
            counters.increment(EngineCounters.BUS_TURNS_REFUSED);
            scheduler.schedule(qp);
        }
    }

    /**
     * One bus turn of the QP: its responder's responses, then its requester's requests, up to the turn's bytes.
     * Returns the bytes of the packets it produced; {@link #more} says whether it stopped only because the turn
     * ended while it had more to send.
     */
    private int serve(final QueuePair qp, final int turnBytes)
    {
        counters.increment(EngineCounters.BUS_TURNS);
        more = false;
        final long start = frame.bytesQueued();
        final long limit = start + turnBytes;
        synchronized (qp)
        {
            if (qp.destroyed())
            {
                return 0;
            }
            qp.acquireContext();
            try
            {
                final int responses = qp.responder().emit(frame, qpBudget, limit);
                final int requests = qp.requester().transmit(frame, qpBudget - responses, limit);
                final boolean turnEnded = responses + requests >= qpBudget || frame.bytesQueued() - limit >= 0;
                more = turnEnded && (qp.responder().hasResponses() || qp.sendQueue().hasUnsent());
            }
            catch (final RuntimeException ex)
            {
                QpFault.contain(qp, ex, counters);
            }
            finally
            {
                qp.releaseContext();
            }
        }
        return (int)(frame.bytesQueued() - start);
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
                if (qp.state() == IbvQpState.RTS)
                {
                    timers.arm(qp, qp.requester().nextDeadline()); // a QP that left RTS has no deadline to keep
                }
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
            if (!qp.postedSinceFlush())
            {
                return true; // still in ERR (anything that moves it out clears the mark first)
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
