package io.softnic.engine.bus;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

@Timeout(value = 10, unit = TimeUnit.SECONDS)
class FlowTurnsTest
{
    /** A QP as the bus sees it. */
    private static final class Qp implements FlowTurns.Member
    {
        final long tag;
        BusFlow flow;
        int own = BusFlow.NO_ARBITER_FLOW;
        boolean queued;

        Qp(final long serial, final int number, final BusFlow flow)
        {
            this.tag = serial << 32 | number;
            this.flow = flow;
        }

        @Override
        public long memberTag()
        {
            return tag;
        }

        @Override
        public BusFlow flow()
        {
            return flow;
        }

        @Override
        public int ownFlow()
        {
            return own;
        }

        @Override
        public void ownFlow(final int flow)
        {
            own = flow;
        }

        @Override
        public boolean turnQueued()
        {
            return queued;
        }

        @Override
        public void turnQueued(final boolean queued)
        {
            this.queued = queued;
        }
    }

    @Test
    void aDestroyedQpsTurnLeftInANamedFlowDoesNotServeTheNextQpOfItsNumber()
    {
        final FlowTurns turns = new FlowTurns(true, 4, 2, 2, 16, 4096);
        final BusFlow urgent = new BusFlow(0, "tenant-a-urgent", 1, 0, 4);
        final BusFlow bulk = new BusFlow(1, "tenant-b-bulk", 2, 1, 1);
        final Qp old = new Qp(1, 77, urgent);
        assertTrue(turns.queue(old, 0));
        turns.retire(old); // destroyed with its turn queued in the named flow, which lives on
        turns.reclaim();
        final Qp next = new Qp(2, 77, bulk); // the number is reused at once, by another tenant's QP
        assertTrue(turns.queue(next, 0));

        assertTrue(turns.grant(0)); // class 0 first: the old QP's turn, whose number now names the new QP
        assertNull(turns.grantedMember(n -> n == 77 ? next : null), "a stale turn serves nobody");
        assertTrue(turns.served(null, 0, false, 0));
        assertTrue(next.turnQueued(), "the new QP keeps the turn it really has queued");

        assertTrue(turns.grant(0)); // class 1: the new QP's own turn
        assertSame(next, turns.grantedMember(n -> n == 77 ? next : null));
        assertTrue(turns.served(next, 100, false, 0));
        assertFalse(next.turnQueued());
        assertFalse(turns.grant(0), "nothing else was queued");
    }
}
