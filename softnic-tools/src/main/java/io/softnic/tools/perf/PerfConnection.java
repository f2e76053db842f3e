package io.softnic.tools.perf;

import io.softnic.cm.CmPeer;
import io.softnic.cm.CmState;
import io.softnic.cm.RdmaCm;
import io.softnic.engine.cm.ConnectionManager;
import io.softnic.verbs.IbvQp;
import io.softnic.verbs.IbvQpAttr;
import io.softnic.verbs.VerbsException;

import java.time.Duration;

/** One QP's CM connection as perf uses it: what the peer told, the CM state, and a disconnect that waits. */
interface PerfConnection
{
    Duration DISCONNECT_TIMEOUT = Duration.ofSeconds(2);

    /** How long the DREPs of {@code qps} connections may take in all: more with many QPs. */
    static Duration disconnectTimeout(final int qps)
    {
        return DISCONNECT_TIMEOUT.plusNanos(qps * 500_000L);
    }

    CmPeer peer();

    /** One of {@link CmState}'s values. */
    int state();

    /** DREQ and wait for the DREP (at most {@link #DISCONNECT_TIMEOUT}); nothing if it is not connected. */
    void disconnect();

    /** A connection made or accepted through the verbs context's {@link RdmaCm}. */
    static PerfConnection of(final RdmaCm.Connection c)
    {
        return new PerfConnection()
        {
            @Override
            public CmPeer peer()
            {
                return c.peer();
            }

            @Override
            public int state()
            {
                return c.state();
            }

            @Override
            public void disconnect()
            {
                c.disconnect();
            }
        };
    }

    /** A connection made through the engine's connection manager directly (an engine of this process). */
    static PerfConnection of(final ConnectionManager cm, final IbvQp qp, final CmPeer peer)
    {
        final int qpn = qp.qpNum();
        return new PerfConnection()
        {
            @Override
            public CmPeer peer()
            {
                return peer;
            }

            @Override
            public int state()
            {
                return cm.state(qpn);
            }

            @Override
            public void disconnect()
            {
                final int s = state();
                if (s == CmState.ESTABLISHED || s == CmState.REP_SENT)
                {
                    cm.disconnect(qpn, DISCONNECT_TIMEOUT.toNanos());
                }
                try
                {
                    qp.query(new IbvQpAttr());
                }
                catch (final VerbsException ignore)
                {
                    // the QP may already be gone; the connection is down either way
                }
            }
        };
    }
}
