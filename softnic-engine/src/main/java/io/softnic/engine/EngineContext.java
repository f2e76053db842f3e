package io.softnic.engine;

import io.softnic.engine.port.PortIo;
import io.softnic.engine.fault.FaultInjector;
import org.agrona.concurrent.BackoffIdleStrategy;
import org.agrona.concurrent.IdleStrategy;
import org.agrona.concurrent.NanoClock;
import org.agrona.concurrent.SystemNanoClock;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;

/** Everything an engine is configured with, in one typed object. Setters chain; {@link #conclude()} validates. */
public final class EngineContext
{
    /** The bus's flow queues together (see {@link #flowQueueCapacity}): 2^25 slots, 640 MiB. */
    public static final long MAX_FLOW_QUEUE_SLOTS = 1L << 25;

    private String name = "softnic0";
    private final List<InetAddress> ports = new ArrayList<>();
    private int udpPort = 4791;
    private ThreadingMode threadingMode = ThreadingMode.SHARED;
    private Supplier<IdleStrategy> idleStrategy = () -> new BackoffIdleStrategy(10, 20, 1_000, 100_000);
    private NanoClock clock = SystemNanoClock.INSTANCE;
    private int maxQps = 4096;
    private int maxCqs = 4096;
    private int maxMrs = 4096;
    private int maxPds = 1024;
    private int maxQpWr = 16384;
    private int maxSge = 16;
    private int maxCqe = 1 << 20;
    private int maxInlineData = 1024;
    private int maxRdAtomic = 16;
    private int numCompVectors = Runtime.getRuntime().availableProcessors();
    private PortIo portIo = PortIo.AUTO;
    private int rxBatch = 64;
    private int txBatch = 64;
    private int maxUnackedPackets = 512;
    private int ackRequestInterval = 32;
    private int ackCoalesceCount = 16;
    private int contextCacheSize = 1024;
    private int lookaheadWindow = 256;
    private int doorbellEntriesPerQp = 16;
    private boolean flowArbitration = true;
    private int busChunkBytes = 64 * 1024;
    private int busBytesPerCycle = 512 * 1024;
    private int flowQueueCapacity = 16;
    private int maxBusFlows = 256;
    private Path countersFile;
    private FaultInjector.Config faults = FaultInjector.Config.NONE;
    private final List<java.util.function.Function<SoftnicEngine, org.agrona.concurrent.Agent>> extraAgents =
        new ArrayList<>();

    public EngineContext conclude()
    {
        if (ports.isEmpty())
        {
            port("127.0.0.1");
        }
        require(udpPort > 0 && udpPort < 65536, "udp port " + udpPort + " out of range 1..65535");
        require(maxQps > 0 && maxQps <= (1 << 20), "maxQps " + maxQps + " out of range 1..2^20");
        require(maxQpWr > 0 && maxQpWr <= (1 << 20), "maxQpWr out of range");
        require(maxSge > 0 && maxSge <= 255, "maxSge out of range 1..255");
        require(maxRdAtomic > 0 && maxRdAtomic <= 255, "maxRdAtomic out of range 1..255");
        require(rxBatch > 0 && rxBatch <= 1024, "rxBatch out of range 1..1024");
        require(txBatch > 0, "txBatch must be > 0");
        require(portIo != null, "portIo must be set");
        require(numCompVectors > 0 && numCompVectors < 255, "numCompVectors out of range 1..254");
        require(maxUnackedPackets > 0 && maxUnackedPackets < (1 << 22), "maxUnackedPackets out of range");
        require(lookaheadWindow > 0 && lookaheadWindow <= (1 << 22),
            "lookaheadWindow " + lookaheadWindow + " out of range 1..2^22");
        require(doorbellEntriesPerQp > 0 && doorbellEntriesPerQp <= 4096,
            "doorbellEntriesPerQp " + doorbellEntriesPerQp + " out of range 1..4096");
        require(busChunkBytes >= 256 && busChunkBytes <= (1 << 24), "busChunkBytes " + busChunkBytes +
            " out of range 256..16 MiB");
        require(busBytesPerCycle >= busChunkBytes, "busBytesPerCycle " + busBytesPerCycle +
            " below busChunkBytes " + busChunkBytes);
        require(flowQueueCapacity > 0 && flowQueueCapacity <= 4096, "flowQueueCapacity out of range 1..4096");
        require(maxBusFlows >= 0 && maxBusFlows <= 65536, "maxBusFlows out of range 0..65536");
        final long flowQueueSlots = (long)(maxQps + maxBusFlows) * flowQueueCapacity;
        require(flowQueueSlots <= MAX_FLOW_QUEUE_SLOTS, "(maxQps + maxBusFlows) * flowQueueCapacity = " +
            flowQueueSlots + " flow queue slots, at most " + MAX_FLOW_QUEUE_SLOTS + ": lower flowQueueCapacity");
        require(contextCacheSize > 0 && contextCacheSize <= (1 << 20),
            "contextCacheSize " + contextCacheSize + " out of range 1..2^20");
        return this;
    }

    private static void require(final boolean ok, final String message)
    {
        if (!ok)
        {
            throw new IllegalArgumentException(message);
        }
    }

    public String name()
    {
        return name;
    }

    public EngineContext name(final String name)
    {
        this.name = name;
        return this;
    }

    public List<InetAddress> ports()
    {
        return ports;
    }

    /** Adds a port: an IPv4 address (its GID) the engine binds its RoCEv2 UDP socket to. */
    public EngineContext port(final String address)
    {
        try
        {
            ports.add(InetAddress.getByName(address));
        }
        catch (final UnknownHostException ex)
        {
            throw new IllegalArgumentException("bad port address " + address, ex);
        }
        return this;
    }

    public int udpPort()
    {
        return udpPort;
    }

    public EngineContext udpPort(final int udpPort)
    {
        this.udpPort = udpPort;
        return this;
    }

    public ThreadingMode threadingMode()
    {
        return threadingMode;
    }

    public EngineContext threadingMode(final ThreadingMode mode)
    {
        this.threadingMode = mode;
        return this;
    }

    public Supplier<IdleStrategy> idleStrategy()
    {
        return idleStrategy;
    }

    public EngineContext idleStrategy(final Supplier<IdleStrategy> idleStrategy)
    {
        this.idleStrategy = idleStrategy;
        return this;
    }

    /**
     * Picks the idle strategy of the engine's threads by name: {@code spin} (busy spin: lowest latency, burns a core
     * per thread), {@code yield}, {@code backoff} (spin, then yield, then park up to 100 us: the default) or
     * {@code park} (park 50 us at once: least CPU).
     */
    public EngineContext idle(final String name)
    {
        idleStrategy = switch (name)
        {
            case "spin" -> org.agrona.concurrent.BusySpinIdleStrategy::new;
            case "yield" -> org.agrona.concurrent.YieldingIdleStrategy::new;
            case "backoff" -> () -> new BackoffIdleStrategy(10, 20, 1_000, 100_000);
            case "park" -> () -> new org.agrona.concurrent.SleepingIdleStrategy(50_000);
            default -> throw new IllegalArgumentException("unknown idle strategy '" + name +
                "' (spin, yield, backoff, park)");
        };
        return this;
    }

    public NanoClock clock()
    {
        return clock;
    }

    public EngineContext clock(final NanoClock clock)
    {
        this.clock = clock;
        return this;
    }

    public int maxQps()
    {
        return maxQps;
    }

    public EngineContext maxQps(final int v)
    {
        maxQps = v;
        return this;
    }

    public int maxCqs()
    {
        return maxCqs;
    }

    public EngineContext maxCqs(final int v)
    {
        maxCqs = v;
        return this;
    }

    public int maxMrs()
    {
        return maxMrs;
    }

    public EngineContext maxMrs(final int v)
    {
        maxMrs = v;
        return this;
    }

    public int maxPds()
    {
        return maxPds;
    }

    public EngineContext maxPds(final int v)
    {
        maxPds = v;
        return this;
    }

    public int maxQpWr()
    {
        return maxQpWr;
    }

    public EngineContext maxQpWr(final int v)
    {
        maxQpWr = v;
        return this;
    }

    public int maxSge()
    {
        return maxSge;
    }

    public EngineContext maxSge(final int v)
    {
        maxSge = v;
        return this;
    }

    public int maxCqe()
    {
        return maxCqe;
    }

    public EngineContext maxCqe(final int v)
    {
        maxCqe = v;
        return this;
    }

    public int maxInlineData()
    {
        return maxInlineData;
    }

    public EngineContext maxInlineData(final int v)
    {
        maxInlineData = v;
        return this;
    }

    public int maxRdAtomic()
    {
        return maxRdAtomic;
    }

    public EngineContext maxRdAtomic(final int v)
    {
        maxRdAtomic = v;
        return this;
    }

    public int numCompVectors()
    {
        return numCompVectors;
    }

    public EngineContext numCompVectors(final int v)
    {
        numCompVectors = v;
        return this;
    }

    /** How ports move datagrams into the kernel; AUTO takes the best this machine has. */
    public PortIo portIo()
    {
        return portIo;
    }

    public EngineContext portIo(final PortIo v)
    {
        portIo = v;
        return this;
    }

    public int rxBatch()
    {
        return rxBatch;
    }

    public EngineContext rxBatch(final int v)
    {
        rxBatch = v;
        return this;
    }

    public int txBatch()
    {
        return txBatch;
    }

    public EngineContext txBatch(final int v)
    {
        txBatch = v;
        return this;
    }

    /** Packets a QP may have sent and not yet seen acknowledged. */
    public int maxUnackedPackets()
    {
        return maxUnackedPackets;
    }

    public EngineContext maxUnackedPackets(final int v)
    {
        maxUnackedPackets = v;
        return this;
    }

    /** The requester sets AckReq on the last packet of a message and on every n-th packet of a long one. */
    public int ackRequestInterval()
    {
        return ackRequestInterval;
    }

    public EngineContext ackRequestInterval(final int v)
    {
        ackRequestInterval = v;
        return this;
    }

    /** The responder acknowledges at the latest after this many packets without AckReq. */
    /** Lines of the connection-context cache: how many QP contexts the engine holds at once (seed 4). */
    public int contextCacheSize()
    {
        return contextCacheSize;
    }

    /** Any size >= 1 is correct; smaller than the number of busy QPs means context loads from host memory. */
    public EngineContext contextCacheSize(final int lines)
    {
        this.contextCacheSize = lines;
        return this;
    }

    /**
     * W: how many posted work requests, across QPs, the scheduler looks ahead through to run a QP's requests together
     * under one context load (seed 4). 1 serves them strictly in doorbell order.
     */
    public int lookaheadWindow()
    {
        return lookaheadWindow;
    }

    public EngineContext lookaheadWindow(final int w)
    {
        this.lookaheadWindow = w;
        return this;
    }

    /**
     * Doorbell ring entries per QP the engine may have (the ring holds maxQps times this, rounded up to a power of
     * two). Posts that find the ring full still reach the engine, through a slower sweep that loses their order.
     */
    public int doorbellEntriesPerQp()
    {
        return doorbellEntriesPerQp;
    }

    public EngineContext doorbellEntriesPerQp(final int n)
    {
        this.doorbellEntriesPerQp = n;
        return this;
    }

    /**
     * Seed 3: the bus serves one queue per application flow by priority class and weight, in chunks of
     * {@link #busChunkBytes()} (on, the default); off, one FIFO in which a transfer runs to its end before the next.
     */
    public boolean flowArbitration()
    {
        return flowArbitration;
    }

    public EngineContext flowArbitration(final boolean on)
    {
        this.flowArbitration = on;
        return this;
    }

    /** The most bytes one bus turn of a QP moves when flows are arbitrated (also the DRR quantum per weight unit). */
    public int busChunkBytes()
    {
        return busChunkBytes;
    }

    public EngineContext busChunkBytes(final int bytes)
    {
        this.busChunkBytes = bytes;
        return this;
    }

    /** Bytes the bus grants per TX duty cycle before the cycle's burst goes out. */
    public int busBytesPerCycle()
    {
        return busBytesPerCycle;
    }

    public EngineContext busBytesPerCycle(final int bytes)
    {
        this.busBytesPerCycle = bytes;
        return this;
    }

    /**
     * Turns one flow may have queued; a full queue refuses that flow's turns alone. Every QP and named flow has a
     * queue of this many slots (20 bytes each: 5.5 MB for 16k QPs at the default 16).
     */
    public int flowQueueCapacity()
    {
        return flowQueueCapacity;
    }

    public EngineContext flowQueueCapacity(final int turns)
    {
        this.flowQueueCapacity = turns;
        return this;
    }

    /** Named flows the engine may have (each QP without one is a flow of its own besides). */
    public int maxBusFlows()
    {
        return maxBusFlows;
    }

    public EngineContext maxBusFlows(final int flows)
    {
        this.maxBusFlows = flows;
        return this;
    }

    public int ackCoalesceCount()
    {
        return ackCoalesceCount;
    }

    public EngineContext ackCoalesceCount(final int v)
    {
        ackCoalesceCount = v;
        return this;
    }

    /** Where the counters live so another process ({@code softnic stat}) can read them; null keeps them private. */
    public Path countersFile()
    {
        return countersFile;
    }

    public EngineContext countersFile(final Path file)
    {
        countersFile = file;
        return this;
    }

    public FaultInjector.Config faults()
    {
        return faults;
    }

    /** Debug option: drop, duplicate, reorder and corrupt received packets at the given rates. */
    public EngineContext faults(final FaultInjector.Config faults)
    {
        this.faults = faults;
        return this;
    }

    /**
     * Adds an agent beyond the device's own, built from the engine once its parts (counters, control plane) exist and
     * run in the engine's threading mode with its agents. Why: the daemon's command channel (the master) must be
     * served by the engine's duty cycle, in INVOKER mode too, without a runner of its own.
     */
    public EngineContext extraAgent(final java.util.function.Function<SoftnicEngine, org.agrona.concurrent.Agent> f)
    {
        extraAgents.add(f);
        return this;
    }

    public List<java.util.function.Function<SoftnicEngine, org.agrona.concurrent.Agent>> extraAgents()
    {
        return extraAgents;
    }

    // ---- completion events: event queues and interrupt moderation (issue 4) ----

    private int eqSize = 4096;
    private io.softnic.verbs.CqModeration moderation = io.softnic.verbs.CqModeration.NONE;

    /**
     * Entries per event queue (rounded up to a power of two). One-shot arming posts at most one event per CQ until the
     * handler re-arms it, so an EQ with room for every CQ of its vector never overflows.
     */
    public int eqSize()
    {
        return eqSize;
    }

    public EngineContext eqSize(final int v)
    {
        eqSize = v;
        return this;
    }

    /** The moderation every event queue starts with (ethtool -C); default: none, an event per armed completion. */
    public io.softnic.verbs.CqModeration moderation()
    {
        return moderation;
    }

    public EngineContext moderation(final io.softnic.verbs.CqModeration moderation)
    {
        this.moderation = moderation;
        return this;
    }
}
