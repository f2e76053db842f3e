package io.softnic.engine.cm;

import io.softnic.cm.CmControl;
import io.softnic.cm.CmParams;
import io.softnic.cm.CmPeer;
import io.softnic.cm.CmRequest;
import io.softnic.engine.EngineContext;
import io.softnic.engine.control.ControlPlane;
import io.softnic.engine.counters.EngineCounters;
import io.softnic.engine.pipeline.MadHandler;
import io.softnic.engine.port.UdpPort;
import io.softnic.verbs.VerbsException;
import io.softnic.wire.PacketView;
import org.agrona.concurrent.Agent;

/** TEMPORARY shell: being replaced by the real connection manager. */
public final class ConnectionManager implements Agent, CmControl, MadHandler
{
    public ConnectionManager(
        final EngineContext ctx,
        final ControlPlane control,
        final UdpPort[] ports,
        final EngineCounters counters,
        final Runnable idle)
    {
    }

    @Override
    public int doWork()
    {
        return 0;
    }

    @Override
    public String roleName()
    {
        return "softnic-cm";
    }

    @Override
    public void onMad(final UdpPort port, final int srcIpv4, final int srcUdpPort, final PacketView packet)
    {
    }

    @Override
    public int listen(final int port)
    {
        throw new VerbsException("CM not ready");
    }

    @Override
    public void closeListener(final int listenerId)
    {
    }

    @Override
    public CmRequest getRequest(final int listenerId, final long timeoutNanos)
    {
        throw new VerbsException("CM not ready");
    }

    @Override
    public void accept(final long requestId, final int qpn, final CmParams params)
    {
        throw new VerbsException("CM not ready");
    }

    @Override
    public void reject(final long requestId, final int reason)
    {
    }

    @Override
    public CmPeer connect(final int qpn, final int remoteIpv4, final int port, final CmParams params, final long timeoutNanos)
    {
        throw new VerbsException("CM not ready");
    }

    @Override
    public void disconnect(final int qpn, final long timeoutNanos)
    {
    }

    @Override
    public int state(final int qpn)
    {
        return 0;
    }
}
