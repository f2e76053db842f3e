package io.softnic.engine.pipeline;

import io.softnic.engine.bus.BusFlow;
import io.softnic.engine.counters.EngineCounters;
import io.softnic.engine.fault.FaultInjector;
import io.softnic.engine.port.ReceivedDatagrams;
import io.softnic.engine.port.UdpPort;
import io.softnic.engine.rc.QueuePair;
import io.softnic.engine.sched.Scheduler;
import io.softnic.wire.Bth;
import io.softnic.wire.Icrc;
import io.softnic.wire.Opcode;
import io.softnic.wire.PacketView;
import org.agrona.concurrent.Agent;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.function.IntFunction;

/**
 * The one receive pipeline of the device, for all ports: takes a burst of datagrams per port into the shared
 * receive buffers (cutting GRO super-datagrams back into datagrams), validates each
 * (lengths, opcode, ICRC, P_Key, destination QP, source address) before anything reads it, and hands requests to the
 * QP's responder and responses to its completer. What fails a check is counted and dropped.
 */
public final class RxPipeline implements Agent
{
    private static final int QP1 = 1;
    private static final int PKEY_MASK = 0x7FFF;
    private static final int DEFAULT_PKEY = 0xFFFF;
    /** Engine-internal packets handled per duty cycle at most. */
    private static final int LOOPBACK_BURST = 256;
    /** Packets of a burst that can wait for their class's turn; any more are taken at once. */
    private static final int DEFERRED = 4096;

    private final UdpPort[] ports;
    private final LocalLoopback loopback;
    private final LocalLoopback.Handler localHandler = this::onLocal;
    private final MemorySegment spare;
    private final int udpPort;
    private final IntFunction<QueuePair> qpLookup;
    private final Scheduler scheduler;
    private final MadHandler madHandler;
    private final EngineCounters counters;
    private final FaultInjector faults;
    private final PacketView view = new PacketView();
    private final Icrc icrc = new Icrc();
    private int heldLength = -1;
    /** Whether any flow has a class other than 0: only then are bursts taken class by class. */
    private final java.util.function.BooleanSupplier prioritized;
    // packets of classes above 0, deferred within one port's burst
    private final int[] deferredDatagram = new int[DEFERRED];
    private final long[] deferredOffset = new long[DEFERRED];
    private final int[] deferredLength = new int[DEFERRED];
    private final byte[] deferredClass = new byte[DEFERRED];
    private int deferred;
    private int highest;
    private final Bth classBth = new Bth();
    private UdpPort heldPort;
    private int heldSourceIpv4;
    private int heldSourcePort;

    /**
     * @param ports every port of the device; each was opened on {@code buffers}' receive buffers, which a receive
     *              fills and this pipeline empties before the next port's turn
     */
    public RxPipeline(
        final UdpPort[] ports,
        final LocalLoopback loopback,
        final RxBufferPool buffers,
        final int udpPort,
        final IntFunction<QueuePair> qpLookup,
        final Scheduler scheduler,
        final MadHandler madHandler,
        final EngineCounters counters,
        final FaultInjector faults,
        final java.util.function.BooleanSupplier prioritized)
    {
        this.prioritized = prioritized;
        this.ports = ports;
        this.loopback = loopback;
        this.spare = buffers.spare();
        this.udpPort = udpPort;
        this.qpLookup = qpLookup;
        this.scheduler = scheduler;
        this.madHandler = madHandler;
        this.counters = counters;
        this.faults = faults;
    }

    @Override
    public int doWork()
    {
        int work = 0;
        for (final UdpPort port : ports)
        {
            final int n = port.receive();
            if (n > 0)
            {
                final ReceivedDatagrams burst = port.received();
                final boolean byClass = prioritized.getAsBoolean();
                for (int i = 0; i < n; i++)
                {
                    work += deliver(burst, i, port, byClass);
                }
                if (byClass)
                {
                    takeDeferred(burst, port);
                }
            }
        }
        work += loopback.drain(localHandler, LOOPBACK_BURST);
        if (work == 0 && heldLength >= 0)
        {
            releaseHeld();
            work++;
        }
        return work;
    }

    /** The deferred packets, class by class, each class in arrival order. */
    private void takeDeferred(final ReceivedDatagrams burst, final UdpPort port)
    {
        final int count = deferred;
        for (int cls = 1; cls <= highest; cls++)
        {
            for (int k = 0; k < count; k++)
            {
                if (deferredClass[k] == cls)
                {
                    final int i = deferredDatagram[k];
                    accept(burst.buffer(i), deferredOffset[k], deferredLength[k], port, burst.sourceIpv4(i),
                        burst.sourcePort(i));
                }
            }
        }
        deferred = 0;
        highest = 0;
    }

    /** The priority class of the flow of the QP a packet names; 0 when it names none (yet to be checked). */
    private int classOf(final MemorySegment packet, final long offset, final int length)
    {
        if (length < Bth.LENGTH)
        {
            return 0;
        }
        final QueuePair qp = qpLookup.apply(classBth.wrap(packet, offset).destQp());
        final BusFlow flow = qp == null ? null : qp.flow();
        return flow == null ? 0 : flow.priorityClass();
    }

    /**
     * Hands on datagram {@code i} of a burst, cutting a GRO super-datagram back into its datagrams; returns how many.
     * <p>
     * {@code byClass}: the receive side of the bus's flow classes (seed 3). While some flow has a class other than 0,
     * a burst's packets are taken class by class - every packet of class 0 now, in arrival order; the others are
     * deferred to {@link #takeDeferred} at the burst's end, class 1 first - so a latency-sensitive flow's packet that
     * arrived behind a bulk flow's burst is placed and answered before it. Order within a QP is kept (a QP is in one
     * flow, and a full deferral buffer is emptied before it takes more). Packets too short to name a QP go with
     * class 0; the checks they then fail are the same. (A QP moved to another flow in the middle of a burst may see
     * that burst's packets reordered: its own loss, resent by go-back-N.)
     */
    private int deliver(final ReceivedDatagrams burst, final int i, final UdpPort port, final boolean byClass)
    {
        if (burst.truncated(i))
        {
            counters.increment(EngineCounters.MALFORMED_DROPPED);
            return 1;
        }
        final MemorySegment buffer = burst.buffer(i);
        final int length = burst.length(i);
        final int segment = burst.gsoSize(i) <= 0 || length <= burst.gsoSize(i) ? length : burst.gsoSize(i);
        int packets = 0;
        for (int offset = 0; offset < length; offset += segment)
        {
            final int packetLength = Math.min(segment, length - offset);
            final int cls = byClass ? classOf(buffer, offset, packetLength) : 0;
            if (cls == 0)
            {
                accept(buffer, offset, packetLength, port, burst.sourceIpv4(i), burst.sourcePort(i));
            }
            else
            {
                if (deferred == deferredDatagram.length)
                {
                    takeDeferred(burst, port); // full: what waits goes now, so no QP's packets overtake
                }
                deferredDatagram[deferred] = i;
                deferredOffset[deferred] = offset;
                deferredLength[deferred] = packetLength;
                deferredClass[deferred] = (byte)cls;
                deferred++;
                highest = Math.max(highest, cls);
            }
            packets++;
        }
        return packets;
    }

    private void accept(final MemorySegment packet, final long offset, final int length, final UdpPort port,
        final int sourceIpv4, final int sourcePort)
    {
        if (!faults.enabled())
        {
            process(packet, offset, length, port, sourceIpv4, sourcePort);
            return;
        }
        switch (faults.decide())
        {
            case FaultInjector.DROP -> counters.increment(EngineCounters.FAULT_DROPPED);
            case FaultInjector.DUPLICATE ->
            {
                counters.increment(EngineCounters.FAULT_DUPLICATED);
                process(packet, offset, length, port, sourceIpv4, sourcePort);
                process(packet, offset, length, port, sourceIpv4, sourcePort);
            }
            case FaultInjector.REORDER ->
            {
                if (heldLength < 0 && length <= spare.byteSize())
                {
                    counters.increment(EngineCounters.FAULT_REORDERED);
                    MemorySegment.copy(packet, offset, spare, 0, length);
                    heldLength = length;
                    heldPort = port;
                    heldSourceIpv4 = sourceIpv4;
                    heldSourcePort = sourcePort;
                    return; // waits in the spare buffer until a later packet has overtaken it
                }
                process(packet, offset, length, port, sourceIpv4, sourcePort);
            }
            case FaultInjector.CORRUPT ->
            {
                counters.increment(EngineCounters.FAULT_CORRUPTED);
                final long at = offset + faults.corruptIndex(length);
                packet.set(ValueLayout.JAVA_BYTE, at, (byte)(packet.get(ValueLayout.JAVA_BYTE, at) ^ faults.corruptMask()));
                process(packet, offset, length, port, sourceIpv4, sourcePort);
            }
            default -> process(packet, offset, length, port, sourceIpv4, sourcePort);
        }
        if (heldLength >= 0)
        {
            releaseHeld();
        }
    }

    /** A packet from a QP of this engine: handled exactly as one that came in on the port it was sent to. */
    private void onLocal(final MemorySegment packet, final long offset, final int length, final int portIndex,
        final int sourceIpv4, final int sourcePort)
    {
        accept(packet, offset, length, ports[portIndex], sourceIpv4, sourcePort);
    }

    private void releaseHeld()
    {
        final int length = heldLength;
        heldLength = -1;
        process(spare, 0, length, heldPort, heldSourceIpv4, heldSourcePort);
    }

    /** Validates and dispatches one datagram. Public for the hostile-packet tests, which feed it directly. */
    public void process(final MemorySegment packet, final long offset, final int length, final UdpPort port,
        final int sourceIpv4, final int sourcePort)
    {
        if (view.wrap(packet, offset, length) != PacketView.OK)
        {
            counters.increment(EngineCounters.MALFORMED_DROPPED);
            return;
        }
        if (!icrc.check(sourceIpv4, port.ipv4(), sourcePort, udpPort, packet, offset, length))
        {
            counters.increment(EngineCounters.ICRC_ERRORS);
            return;
        }
        if ((view.bth().pkey() & PKEY_MASK) != (DEFAULT_PKEY & PKEY_MASK))
        {
            counters.increment(EngineCounters.BAD_PKEY_DROPPED);
            return;
        }
        final int destQp = view.bth().destQp();
        final int flags = view.flags();
        if ((flags & Opcode.UD) != 0)
        {
            if (destQp == QP1 && madHandler != null)
            {
                madHandler.onMad(port, sourceIpv4, sourcePort, view);
            }
            else
            {
                counters.increment(EngineCounters.UNKNOWN_QP_DROPPED);
            }
            return;
        }
        final QueuePair qp = qpLookup.apply(destQp);
        if (qp == null)
        {
            counters.increment(EngineCounters.UNKNOWN_QP_DROPPED);
            return;
        }
        boolean txWork;
        synchronized (qp)
        {
            if (qp.destroyed())
            {
                counters.increment(EngineCounters.UNKNOWN_QP_DROPPED);
                return;
            }
            qp.acquireContext();
            try
            {
                final int admitted = qp.admit(port.index(), sourceIpv4);
                if (admitted == QueuePair.STRANGER)
                {
                    counters.increment(EngineCounters.UNKNOWN_QP_DROPPED);
                    return;
                }
                if (admitted != QueuePair.PRIMARY)
                {
                    ports[admitted].countMigration();   // the peer moved to the alternate path: follow it
                    qp.requester().onPathMigrated();
                }
                if ((flags & Opcode.REQUEST) != 0)
                {
                    qp.responder().onRequest(view);
                }
                else
                {
                    qp.completer().onResponse(view);
                }
                txWork = qp.responder().hasResponses();
            }
            catch (final RuntimeException ex)
            {
                // e.g. the tenant freed memory under a registered region: only this QP breaks
                txWork = false;
                QpFault.contain(qp, ex, counters);
            }
            finally
            {
                qp.releaseContext();
            }
        }
        if (txWork)
        {
            scheduler.schedule(qp);
        }
    }

    @Override
    public String roleName()
    {
        return "softnic-rx";
    }
}
