package io.softnic.tools.perf;

import io.softnic.cm.CmParams;
import io.softnic.cm.CmPeer;
import io.softnic.cm.CmState;
import io.softnic.engine.cm.ConnectionManager;
import io.softnic.verbs.IbvAhAttr;
import io.softnic.verbs.IbvContext;
import io.softnic.verbs.IbvQpAttr;
import io.softnic.verbs.VerbsException;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Function;

/**
 * How a perf endpoint connects and disconnects its QPs through the CM.
 *
 * <p>With the connection manager of an engine in this process ({@link #pipelined}) it keeps up to {@link #WINDOW}
 * connects (or disconnects) in flight and polls them from this one thread, through the CM's start/poll halves
 * ({@link ConnectionManager#connectStart}, {@link ConnectionManager#connectPoll}): a handshake costs a round trip
 * through both engines' CM agents, and one at a time thousands of QPs would take that many round trips. The window
 * stays below the peer's listen backlog (128 requests): every request the server has not taken yet is one of ours in
 * flight, so the backlog never overflows into NO_RESOURCES rejects. Through a verbs context's {@link
 * io.softnic.cm.RdmaCm} only (a tenant of a running engine, whose CM is reached over the command channel) it connects
 * one QP at a time.
 */
abstract class QpConnector
{
    /** Connects or disconnects in flight at once. */
    static final int WINDOW = 64;
    private static final long IDLE_NANOS = 50_000;

    final IbvContext ibv;

    private QpConnector(final IbvContext ibv)
    {
        this.ibv = ibv;
    }

    static QpConnector of(final IbvContext ibv, final ConnectionManager cm)
    {
        return cm != null ? new Pipelined(ibv, cm) : new OneByOne(ibv);
    }

    /** How it connects, for the banner. */
    abstract String describe();

    /**
     * Connects every link's QP to the listener at host:port; QP #0 first and alone (the server sizes its side from
     * that request, which may take a while with many QPs: {@code firstTimeout}), then the others. Sets each link's
     * connection; throws the CM's exception of the first connect that fails.
     */
    abstract void connect(List<QpLink> links, String host, int port, Function<QpLink, CmParams> params,
        Duration firstTimeout, Duration timeout);

    /**
     * Disconnects every link whose connection is up (DREQ, QP to ERR) and waits for the DREPs, at most
     * {@code timeout} in all; connections the peer already took down are left alone.
     */
    abstract void disconnect(List<QpLink> links, Duration timeout);

    /** One look for waits that found nothing to do: runs the engine in INVOKER threading, else sleeps a little. */
    final void idle()
    {
        if (ibv.drive() == 0)
        {
            LockSupport.parkNanos(IDLE_NANOS);
        }
    }

    static boolean up(final PerfConnection c)
    {
        if (c == null)
        {
            return false;
        }
        final int s = c.state();
        return s == CmState.ESTABLISHED || s == CmState.REP_SENT;
    }

    private static final class OneByOne extends QpConnector
    {
        OneByOne(final IbvContext ibv)
        {
            super(ibv);
        }

        @Override
        String describe()
        {
            return "one at a time, through RdmaCm";
        }

        @Override
        void connect(final List<QpLink> links, final String host, final int port,
            final Function<QpLink, CmParams> params, final Duration firstTimeout, final Duration timeout)
        {
            for (final QpLink link : links)
            {
                link.connection = PerfConnection.of(ibv.cm().connect(link.qp, host, port, params.apply(link),
                    link.index == 0 ? firstTimeout : timeout));
            }
        }

        @Override
        void disconnect(final List<QpLink> links, final Duration timeout)
        {
            final long deadline = System.nanoTime() + timeout.toNanos();
            for (final QpLink link : links)
            {
                if (System.nanoTime() - deadline >= 0)
                {
                    return;
                }
                if (up(link.connection))
                {
                    link.connection.disconnect();
                }
            }
        }
    }

    private static final class Pipelined extends QpConnector
    {
        private final ConnectionManager cm;
        private final IbvQpAttr attr = new IbvQpAttr();

        Pipelined(final IbvContext ibv, final ConnectionManager cm)
        {
            super(ibv);
            this.cm = cm;
        }

        @Override
        String describe()
        {
            return "pipelined, " + WINDOW + " in flight";
        }

        @Override
        void connect(final List<QpLink> links, final String host, final int port,
            final Function<QpLink, CmParams> params, final Duration firstTimeout, final Duration timeout)
        {
            final int ip = new IbvAhAttr().dgid(host).dgidIpv4;
            final int n = links.size();
            final int[] slots = new int[WINDOW];
            final int[] handles = new int[WINDOW];
            int inFlight = 0;
            int next = 0;
            int done = 0;
            while (done < n)
            {
                // QP #0 goes alone: the others follow once the server has set up for them
                final int limit = done == 0 ? 1 : WINDOW;
                while (inFlight < limit && next < n)
                {
                    final QpLink link = links.get(next);
                    handles[inFlight] = cm.connectStart(link.qp.qpNum(), ip, port, params.apply(link),
                        (next == 0 ? firstTimeout : timeout).toNanos());
                    slots[inFlight] = next;
                    inFlight++;
                    next++;
                }
                boolean progress = false;
                for (int i = 0; i < inFlight; )
                {
                    final CmPeer peer = cm.connectPoll(handles[i]);
                    if (peer == null)
                    {
                        i++;
                        continue;
                    }
                    final QpLink link = links.get(slots[i]);
                    link.qp.query(attr); // the QP's cached state: RTS
                    link.connection = PerfConnection.of(cm, link.qp, peer);
                    done++;
                    progress = true;
                    inFlight--;
                    handles[i] = handles[inFlight];
                    slots[i] = slots[inFlight];
                }
                if (!progress)
                {
                    idle();
                }
            }
        }

        @Override
        void disconnect(final List<QpLink> links, final Duration timeout)
        {
            final long deadline = System.nanoTime() + timeout.toNanos();
            final int n = links.size();
            final int[] qpns = new int[WINDOW];
            int inFlight = 0;
            int next = 0;
            while (next < n || inFlight > 0)
            {
                while (inFlight < WINDOW && next < n)
                {
                    final QpLink link = links.get(next++);
                    if (up(link.connection))
                    {
                        try
                        {
                            cm.disconnectStart(link.qp.qpNum());
                            qpns[inFlight++] = link.qp.qpNum();
                        }
                        catch (final VerbsException ignore)
                        {
                            // went down meanwhile: nothing to do
                        }
                    }
                }
                final boolean giveUp = System.nanoTime() - deadline >= 0;
                boolean progress = false;
                for (int i = 0; i < inFlight; )
                {
                    if (cm.disconnectPoll(qpns[i], giveUp))
                    {
                        qpns[i] = qpns[--inFlight];
                        progress = true;
                    }
                    else
                    {
                        i++;
                    }
                }
                if (!progress && inFlight > 0)
                {
                    idle();
                }
            }
        }
    }
}
