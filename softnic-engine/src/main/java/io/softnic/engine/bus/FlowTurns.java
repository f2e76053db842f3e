package io.softnic.engine.bus;

import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.function.IntFunction;

/**
 * The bus interface's per-flow queues on the transmit side (seed 3). Whatever the TX pipeline moves from host memory
 * - WQE fetches and the payload of requests and READ responses - it moves in turns of a QP, and a QP with something
 * to move queues a turn in its flow's queue: its named flow ({@link BusFlow}) or, by default, a flow of its own.
 * The {@link FlowArbiter} grants turns by strict priority between classes and deficit round robin by weight within
 * one, each turn bounded to a chunk of bytes so that a large transfer leaves the bus to others between chunks, and
 * each flow charged what its turns really moved. A full flow queue refuses that flow's turns alone.
 * <p>
 * With arbitration off there is one FIFO of turns for every QP, each turn moving all its QP can (no chunk): the bus
 * of a NIC without per-flow queues, where a large transfer runs to its end before the next one starts.
 * <p>
 * TX thread only, except {@link #retire}.
 */
public final class FlowTurns
{
    /** What the bus needs of a QP to queue its turns. */
    public interface Member
    {
        /**
         * The tag its turns carry: its number in the low 32 bits (what {@link #grantedMember} looks up) and above it
         * what tells this member from an earlier one of the same number, whose turns may still be queued.
         */
        long memberTag();

        /** Its named flow, or null for a flow of its own. */
        BusFlow flow();

        /** Its own flow's id in the arbiter, {@link BusFlow#NO_ARBITER_FLOW} until it first needs one. */
        int ownFlow();

        void ownFlow(int flow);

        boolean turnQueued();

        void turnQueued(boolean queued);
    }

    public static final int NONE = -1;
    /** Turns without arbitration take whatever they can; the arbiter needs a finite size to account. */
    private static final int UNBOUNDED = Integer.MAX_VALUE / 4;

    private final boolean arbitrate;
    private final FlowArbiter arbiter;
    private final int fifo;
    /** QPs destroyed (a control operation, so a node per destroy is fine); the TX thread frees their flows. */
    private final ConcurrentLinkedQueue<Member> retired = new ConcurrentLinkedQueue<>();
    private final ConcurrentLinkedQueue<BusFlow> retiredFlows = new ConcurrentLinkedQueue<>();
    private final BusFlow[] named;
    private int grantedFlow = NONE;
    private int grantedBytes;
    private long grantedTag;
    /** What a turn is offered as: more than a chunk when arbitrating, so it stays at its flow's head until ended. */
    private final int offered;

    /**
     * @param arbitrate     per-flow queues with priority and weights, or one FIFO
     * @param maxMembers    QPs that may exist at once (each may need a flow of its own)
     * @param maxNamed      named flows that may exist at once
     * @param classes       priority classes, 1..32
     * @param queueCapacity turns one flow may have queued
     * @param chunkBytes    the most one turn may move when arbitrating (and the DRR quantum per unit of weight)
     */
    public FlowTurns(final boolean arbitrate, final int maxMembers, final int maxNamed, final int classes,
        final int queueCapacity, final int chunkBytes)
    {
        this.arbitrate = arbitrate;
        this.arbiter = arbitrate ?
            new FlowArbiter(maxMembers + maxNamed, classes, queueCapacity, chunkBytes, chunkBytes) :
            new FlowArbiter(1, 1, maxMembers, UNBOUNDED, UNBOUNDED);
        this.fifo = arbitrate ? NONE : arbiter.addFlow(0, 1);
        this.offered = arbitrate ? 2 * chunkBytes : UNBOUNDED;
        this.named = new BusFlow[maxNamed];
    }

    public boolean arbitrates()
    {
        return arbitrate;
    }

    /**
     * Queues a turn for the QP unless it has one queued. Returns false if its flow's queue is full: the caller tries
     * again later (the back-pressure falls on that flow alone).
     */
    public boolean queue(final Member m, final long nowNanos)
    {
        if (m.turnQueued())
        {
            return true;
        }
        final int flow = flowOf(m);
        if (flow == FlowArbiter.NONE || !arbiter.offer(flow, m.memberTag(), offered, nowNanos))
        {
            return false;
        }
        m.turnQueued(true);
        return true;
    }

    /**
     * The next turn: true if one was granted, false when none is queued. The caller finds its member with
     * {@link #grantedMember}, serves it and then says how it went with {@link #served}, which it must before the next
     * grant.
     */
    public boolean grant(final long nowNanos)
    {
        final int flow = arbiter.poll(nowNanos);
        if (flow == FlowArbiter.NONE)
        {
            grantedFlow = NONE;
            return false;
        }
        grantedFlow = flow;
        grantedBytes = arbiter.chunkLength();
        grantedTag = arbiter.chunkTag();
        return true;
    }

    /**
     * The member the granted turn is for, found by its number; null if it is gone, even where its number already
     * names a new member (a destroyed QP's turn left in a named flow must not serve, or charge, the QP after it).
     */
    public <M extends Member> M grantedMember(final IntFunction<M> byNumber)
    {
        final M m = byNumber.apply((int)grantedTag);
        return m != null && m.memberTag() == grantedTag ? m : null;
    }

    /** Bytes the granted turn may move. */
    public int grantedBytes()
    {
        return grantedBytes;
    }

    /**
     * The granted turn of {@code m} (null if its QP is gone) moved {@code usedBytes}, and {@code more} says whether
     * its QP has more to move. The flow is charged what was moved, not the grant. A QP with more queues its next turn
     * at the back of its flow before this one ends, so a flow whose QPs stay busy stays backlogged and keeps the
     * credit its weight earns; a flow with nothing more goes idle and keeps none. Returns false if the QP has more
     * but its flow's queue was full: the caller tries it again later.
     */
    public boolean served(final Member m, final int usedBytes, final boolean more, final long nowNanos)
    {
        final int flow = grantedFlow;
        if (flow == NONE)
        {
            return true;
        }
        grantedFlow = NONE;
        boolean requeued = !more;
        if (m != null)
        {
            m.turnQueued(false);
            requeued = !more || queue(m, nowNanos);
        }
        if (arbitrate) // without arbitration the granted turn, a whole transfer, already left its queue
        {
            arbiter.charge(flow, grantedBytes, Math.max(0, usedBytes));
            arbiter.endTransfer(flow);
        }
        return requeued;
    }

    /** Any thread: the QP is destroyed; its own flow goes (and any turn it had queued there) on the TX thread. */
    public void retire(final Member m)
    {
        retired.offer(m);
    }

    /** Any thread: a named flow was removed (its owner detached, its QPs gone); its queue goes on the TX thread. */
    public void retire(final BusFlow flow)
    {
        retiredFlows.offer(flow);
    }

    /** TX thread: frees the flows of retired QPs and removed named flows; returns how many. */
    public int reclaim()
    {
        int n = 0;
        BusFlow f;
        while ((f = retiredFlows.poll()) != null)
        {
            if (f.arbiterFlow != BusFlow.NO_ARBITER_FLOW)
            {
                arbiter.removeFlow(f.arbiterFlow);
                f.arbiterFlow = BusFlow.NO_ARBITER_FLOW;
            }
            if (named[f.id()] == f)
            {
                named[f.id()] = null;
            }
            n++;
        }
        Member m;
        while ((m = retired.poll()) != null)
        {
            final int own = m.ownFlow();
            if (own != BusFlow.NO_ARBITER_FLOW)
            {
                arbiter.removeFlow(own);
                m.ownFlow(BusFlow.NO_ARBITER_FLOW);
            }
            m.turnQueued(false);
            n++;
        }
        return n;
    }

    /** TX thread: copies the arbiter's view of each named flow into it, for those who read it. */
    public void publish()
    {
        for (final BusFlow f : named)
        {
            if (f != null && f.arbiterFlow != BusFlow.NO_ARBITER_FLOW)
            {
                final int a = f.arbiterFlow;
                f.update(arbiter.bytesServed(a), arbiter.transfersStarted(a), arbiter.waitNanos(a), arbiter.depth(a));
            }
        }
    }

    private int flowOf(final Member m)
    {
        if (!arbitrate)
        {
            return fifo;
        }
        final BusFlow f = m.flow();
        if (f != null)
        {
            if (f.arbiterFlow == BusFlow.NO_ARBITER_FLOW)
            {
                final int added = arbiter.addFlow(f.priorityClass(), f.weight());
                if (added == FlowArbiter.NONE)
                {
                    return FlowArbiter.NONE; // every flow id in use: refused, tried again later
                }
                f.arbiterFlow = added;
                named[f.id()] = f;
            }
            return f.arbiterFlow;
        }
        int own = m.ownFlow();
        if (own == BusFlow.NO_ARBITER_FLOW)
        {
            own = arbiter.addFlow(0, 1);
            if (own == FlowArbiter.NONE)
            {
                return FlowArbiter.NONE;
            }
            m.ownFlow(own);
        }
        return own;
    }
}
