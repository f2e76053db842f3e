package io.softnic.engine.rc;

import io.softnic.engine.EngineContext;
import io.softnic.engine.bus.BusInterface;
import io.softnic.engine.counters.EngineCounters;
import org.agrona.concurrent.NanoClock;

/**
 * What the RC state machines of every QP share: the bus interface to host memory, the context cache, the timers,
 * the counters, the clock, the engine's transport settings, and the way to ask the TX pipeline for a turn.
 */
public final class Transport
{
    /** Asks the TX pipeline to serve a QP (new work, responses to send, window opened). */
    @FunctionalInterface
    public interface TxScheduler
    {
        void schedule(QueuePair qp);
    }

    /** The state of the device's ports, as the transport needs it to choose and leave paths. */
    public interface Paths
    {
        boolean isUp(int portIndex);

        /** A QP moved off {@code fromPort} to its alternate path (counted per port). */
        void migrated(QueuePair qp, int fromPort);
    }

    private final BusInterface bus;
    private final EngineCounters counters;
    private final NanoClock clock;
    private final int maxUnackedPackets;
    private final int ackRequestInterval;
    private final int ackCoalesceCount;
    private final TxScheduler scheduler;
    private final Paths paths;
    private final ContextCache contexts;
    private final TransportTimers timers;

    public Transport(
        final EngineContext ctx,
        final BusInterface bus,
        final EngineCounters counters,
        final TxScheduler scheduler,
        final Paths paths,
        final ContextCache contexts,
        final TransportTimers timers)
    {
        this.contexts = contexts;
        this.timers = timers;
        this.paths = paths;
        this.bus = bus;
        this.counters = counters;
        this.clock = ctx.clock();
        this.maxUnackedPackets = ctx.maxUnackedPackets();
        this.ackRequestInterval = ctx.ackRequestInterval();
        this.ackCoalesceCount = ctx.ackCoalesceCount();
        this.scheduler = scheduler;
    }

    public BusInterface bus()
    {
        return bus;
    }

    public EngineCounters counters()
    {
        return counters;
    }

    public long nanoTime()
    {
        return clock.nanoTime();
    }

    public int maxUnackedPackets()
    {
        return maxUnackedPackets;
    }

    public int ackRequestInterval()
    {
        return ackRequestInterval;
    }

    public int ackCoalesceCount()
    {
        return ackCoalesceCount;
    }

    public void schedule(final QueuePair qp)
    {
        scheduler.schedule(qp);
    }

    public Paths paths()
    {
        return paths;
    }

    /** The engine's context cache: every QP's connection context is worked on in one of its lines. */
    public ContextCache contexts()
    {
        return contexts;
    }

    public TransportTimers timers()
    {
        return timers;
    }

    /** Local ACK timeout: 4.096 us * 2^code; code 0 means wait forever (returns Long.MAX_VALUE). */
    public static long ackTimeoutNanos(final int code)
    {
        return code == 0 ? Long.MAX_VALUE : 4096L << Math.min(code, 31);
    }
}
