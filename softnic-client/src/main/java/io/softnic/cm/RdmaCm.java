package io.softnic.cm;

import io.softnic.verbs.IbvAhAttr;
import io.softnic.verbs.IbvContext;
import io.softnic.verbs.IbvQp;
import io.softnic.verbs.VerbsException;

import java.time.Duration;

/** Connection management in the manner of rdma_cm: listen and accept on one side, connect on the other. */
public final class RdmaCm
{
    private final IbvContext context;
    private final CmControl control;

    public RdmaCm(final IbvContext context, final CmControl control)
    {
        this.context = context;
        this.control = control;
    }

    public Listener listen(final int port)
    {
        return new Listener(control.listen(port));
    }

    /** Connects a QP in RESET or INIT to a listener; returns once the QP is in RTS and RTU is sent. */
    public Connection connect(
        final IbvQp qp, final String host, final int port, final CmParams params, final Duration timeout)
    {
        final int ip = new IbvAhAttr().dgid(host).dgidIpv4;
        final CmPeer peer = control.connect(qp.qpNum(), ip, port, params, timeout.toNanos());
        qp.query(new io.softnic.verbs.IbvQpAttr());
        return new Connection(qp, peer);
    }

    public final class Listener implements AutoCloseable
    {
        private final int id;

        Listener(final int id)
        {
            this.id = id;
        }

        /** Waits for the next connection request, or returns null after the timeout. */
        public Request getRequest(final Duration timeout)
        {
            final CmRequest req = control.getRequest(id, timeout.toNanos());
            return req == null ? null : new Request(req);
        }

        @Override
        public void close()
        {
            control.closeListener(id);
        }
    }

    public final class Request
    {
        private final CmRequest request;

        Request(final CmRequest request)
        {
            this.request = request;
        }

        public CmRequest info()
        {
            return request;
        }

        public byte[] privateData()
        {
            return request.privateData();
        }

        public Connection accept(final IbvQp qp, final CmParams params)
        {
            control.accept(request.requestId(), qp.qpNum(), params);
            qp.query(new io.softnic.verbs.IbvQpAttr());
            return new Connection(qp, new CmPeer(request.remoteIpv4(), request.remoteQpn(), request.startingPsn(),
                Math.min(request.mtu(), params.mtu()), request.privateData()));
        }

        public void reject(final int reason)
        {
            control.reject(request.requestId(), reason);
        }
    }

    public final class Connection implements AutoCloseable
    {
        private final IbvQp qp;
        private final CmPeer peer;

        Connection(final IbvQp qp, final CmPeer peer)
        {
            this.qp = qp;
            this.peer = peer;
        }

        public IbvQp qp()
        {
            return qp;
        }

        public CmPeer peer()
        {
            return peer;
        }

        public int state()
        {
            return control.state(qp.qpNum());
        }

        public boolean isConnected()
        {
            return state() == CmState.ESTABLISHED;
        }

        public void disconnect()
        {
            if (state() == CmState.ESTABLISHED || state() == CmState.REP_SENT)
            {
                control.disconnect(qp.qpNum(), Duration.ofSeconds(2).toNanos());
            }
            try
            {
                qp.query(new io.softnic.verbs.IbvQpAttr());
            }
            catch (final VerbsException ignore)
            {
                // the QP may already be gone; the connection is down either way
            }
        }

        @Override
        public void close()
        {
            disconnect();
        }

        public IbvContext context()
        {
            return context;
        }
    }
}
