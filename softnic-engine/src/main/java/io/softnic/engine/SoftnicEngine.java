package io.softnic.engine;

import io.softnic.engine.bus.BusInterface;
import io.softnic.engine.cm.ConnectionManager;
import io.softnic.engine.control.ControlPlane;
import io.softnic.engine.counters.EngineCounters;
import io.softnic.engine.fault.FaultInjector;
import io.softnic.engine.pipeline.LocalLoopback;
import io.softnic.engine.pipeline.PacketSink;
import io.softnic.engine.pipeline.RxBufferPool;
import io.softnic.engine.pipeline.RxPipeline;
import io.softnic.engine.pipeline.TxPipeline;
import io.softnic.engine.port.PortIo;
import io.softnic.engine.port.UdpPort;
import io.softnic.engine.rc.QueuePair;
import io.softnic.verbs.IbvContext;
import org.agrona.concurrent.Agent;
import org.agrona.concurrent.AgentInvoker;
import org.agrona.concurrent.AgentRunner;
import org.agrona.concurrent.CompositeAgent;

import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A softnic device: its ports, one TX and one RX pipeline for all of them, the control plane and the connection
 * manager, run by agents in the chosen threading mode. {@link #open()} gives an application in this process a verbs
 * context on it.
 */
public final class SoftnicEngine implements AutoCloseable
{
    private final EngineContext ctx;
    private final EngineCounters counters;
    private final UdpPort[] ports;
    private final ControlPlane control;
    private final TxPipeline tx;
    private final LocalLoopback loopback = new LocalLoopback();
    private final RxPipeline rx;
    private final ConnectionManager cm;
    private final List<AgentRunner> runners = new ArrayList<>();
    private final AgentInvoker invoker;
    private final ReentrantLock invokerLock = new ReentrantLock();
    private final AtomicLong errors = new AtomicLong();
    private volatile boolean closed;

    /** The devices of this process by name, as ibv_get_device_list sees them. */
    private static final java.util.concurrent.ConcurrentMap<String, SoftnicEngine> DEVICES =
        new java.util.concurrent.ConcurrentHashMap<>();

    private SoftnicEngine(final EngineContext ctx)
    {
        this.ctx = ctx;
        this.counters = EngineCounters.create(ctx.countersFile());
        final PortIo io;
        final RxBufferPool rxBuffers;
        final List<UdpPort> opened = new ArrayList<>();
        try
        {
            io = ctx.portIo().resolve();
            rxBuffers = new RxBufferPool(ctx.rxBatch(),
                io == PortIo.GSO ? RxBufferPool.GRO_SLOT : RxBufferPool.DATAGRAM_SLOT);
            for (int i = 0; i < ctx.ports().size(); i++)
            {
                opened.add(new UdpPort(i, ctx.ports().get(i), ctx.udpPort(), io, rxBuffers.receiveBuffers(),
                    counters));
            }
        }
        catch (final RuntimeException ex)
        {
            opened.forEach(UdpPort::close);
            counters.close();
            throw ex;
        }
        this.ports = opened.toArray(new UdpPort[0]);
        final BusInterface bus = new BusInterface(ctx.maxMrs(), counters);
        this.control = new ControlPlane(ctx, bus, counters, ports, this::drive);
        final PacketSink sink = new PacketSink()
        {
            @Override
            public void send(final QueuePair qp, final MemorySegment frame, final long offset, final int length)
            {
                final UdpPort from = ports[qp.portIndex()];
                final int local = localPort(qp.destIpv4(), qp.destUdpPort());
                if (local >= 0)
                {
                    // to a QP of this engine: inside the engine, as a NIC's internal loopback, with no system call
                    if (from.isUp() && ports[local].isUp() &&
                        loopback.offer(frame, offset, length, local, from.ipv4(), qp.sourceUdpPort()))
                    {
                        counters.increment(EngineCounters.LOOPBACK_PACKETS);
                    }
                    else
                    {
                        counters.increment(EngineCounters.LOOPBACK_DROPPED);
                    }
                    return;
                }
                if (!from.queue(qp.qpn(), frame, offset, length, qp.destIpv4(), qp.destUdpPort()))
                {
                    counters.increment(EngineCounters.TX_SEND_ERRORS);
                }
            }

            @Override
            public void flush()
            {
                for (final UdpPort port : ports)
                {
                    final int dropped = port.flush();
                    if (dropped > 0)
                    {
                        counters.add(EngineCounters.TX_SEND_ERRORS, dropped);
                    }
                }
            }

            @Override
            public int sourceIpv4(final QueuePair qp)
            {
                return ports[qp.portIndex()].ipv4();
            }

            @Override
            public int sourceUdpPort(final QueuePair qp)
            {
                return qp.sourceUdpPort();
            }
        };
        this.cm = new ConnectionManager(ctx, control, ports, counters, this::idleWhileWaiting);
        control.cm(cm);
        this.tx = new TxPipeline(control.scheduler(), sink, 16, ctx.txBatch(), ctx.clock(), control.timers(),
            control.turns(), ctx.busBytesPerCycle(), control::qp, control::housekeeping, counters);
        this.rx = new RxPipeline(ports, loopback, rxBuffers, ctx.udpPort(), control::qp, control.scheduler(), cm,
            counters, new FaultInjector(ctx.faults()), control.flows()::prioritized);

        // TX before RX: the ACKs a receive produces leave with the next cycle's requests in one system call, and
        // an INVOKER application sees received data before those ACKs are sent
        final List<Agent> agentList = new ArrayList<>(List.of(tx, rx, cm, control.moderationTimer()));
        try
        {
            ctx.extraAgents().forEach(f -> agentList.add(f.apply(this)));
        }
        catch (final RuntimeException ex)
        {
            for (final UdpPort port : ports)
            {
                port.close();
            }
            counters.close();
            throw ex;
        }
        final Agent[] agents = agentList.toArray(new Agent[0]);
        switch (ctx.threadingMode())
        {
            case DEDICATED ->
            {
                for (final Agent agent : agents)
                {
                    runners.add(new AgentRunner(ctx.idleStrategy().get(), this::onError, null, agent));
                }
                invoker = null;
            }
            case SHARED ->
            {
                runners.add(new AgentRunner(ctx.idleStrategy().get(), this::onError, null,
                    new CompositeAgent(agents)));
                invoker = null;
            }
            default ->
            {
                invoker = new AgentInvoker(this::onError, null, new CompositeAgent(agents));
                invoker.start();
            }
        }
        for (final AgentRunner runner : runners)
        {
            AgentRunner.startOnThread(runner);
        }
    }

    /** Starts an engine: binds its ports and starts its agents. Fails with a clear message if a port is taken. */
    public static SoftnicEngine launch(final EngineContext ctx)
    {
        ctx.conclude();
        if (DEVICES.containsKey(ctx.name()))
        {
            throw new IllegalStateException("a device named " + ctx.name() + " is already running in this process");
        }
        final SoftnicEngine engine = new SoftnicEngine(ctx);
        if (DEVICES.putIfAbsent(ctx.name(), engine) != null)
        {
            engine.close();
            throw new IllegalStateException("a device named " + ctx.name() + " is already running in this process");
        }
        return engine;
    }

    /** Names of the devices running in this process ({@code ibv_get_device_list}). */
    public static java.util.List<String> deviceList()
    {
        return java.util.List.copyOf(new java.util.TreeSet<>(DEVICES.keySet()));
    }

    /** Opens a device of this process by name ({@code ibv_open_device}). */
    public static IbvContext openDevice(final String name)
    {
        final SoftnicEngine engine = DEVICES.get(name);
        if (engine == null)
        {
            throw new io.softnic.verbs.VerbsException("no device named " + name + "; devices: " + deviceList());
        }
        return engine.open();
    }

    /** A verbs context on this device for code in this process. */
    public IbvContext open()
    {
        if (closed)
        {
            throw new IllegalStateException("engine " + ctx.name() + " is closed");
        }
        return new IbvContext(control.embeddedDevice());
    }

    public EngineCounters counters()
    {
        return counters;
    }

    public EngineContext context()
    {
        return ctx;
    }

    public ControlPlane controlPlane()
    {
        return control;
    }

    public RxPipeline rxPipeline()
    {
        return rx;
    }

    public UdpPort port(final int index)
    {
        return ports[index];
    }

    /** The index of this engine's port with that address and UDP port, or -1: the packet leaves the engine. */
    private int localPort(final int ipv4, final int udpPort)
    {
        if (udpPort == ctx.udpPort())
        {
            for (final UdpPort p : ports)
            {
                if (p.ipv4() == ipv4)
                {
                    return p.index();
                }
            }
        }
        return -1;
    }

    /**
     * Takes port {@code portNum} (1-based, as ibverbs numbers ports) down, as if its link were cut: it stops
     * sending and receiving, and QPs on it with an armed alternate path migrate. Returns how many migrated.
     */
    public int portDown(final int portNum)
    {
        return control.portState(portNum, false);
    }

    /** Brings port {@code portNum} back; it carries traffic again and new connections may use it. */
    public void portUp(final int portNum)
    {
        control.portState(portNum, true);
    }

    public int portCount()
    {
        return ports.length;
    }

    /** Errors the agents hit and survived (each also logged). */
    public long errors()
    {
        return errors.get();
    }

    /** INVOKER mode: one duty cycle on the caller's thread (one caller at a time); 0 in the other modes. */
    public int drive()
    {
        if (invoker == null || closed || !invokerLock.tryLock())
        {
            return 0;
        }
        try
        {
            return invoker.invoke();
        }
        finally
        {
            invokerLock.unlock();
        }
    }

    /** How blocking control calls wait: drive the device in INVOKER mode, otherwise sleep briefly. */
    private void idleWhileWaiting()
    {
        if (invoker != null && drive() > 0)
        {
            return;
        }
        Thread.onSpinWait();
        java.util.concurrent.locks.LockSupport.parkNanos(50_000);
    }

    private void onError(final Throwable t)
    {
        errors.incrementAndGet();
        System.err.println("softnic[" + ctx.name() + "]: agent error (engine continues): " + t);
        t.printStackTrace(System.err);
    }

    @Override
    public void close()
    {
        if (closed)
        {
            return;
        }
        closed = true;
        DEVICES.remove(ctx.name(), this);
        for (final AgentRunner runner : runners)
        {
            runner.close();
        }
        if (invoker != null)
        {
            invokerLock.lock();
            try
            {
                invoker.close();
            }
            finally
            {
                invokerLock.unlock();
            }
        }
        for (final UdpPort port : ports)
        {
            port.close();
        }
        counters.close();
    }
}
