package io.softnic.engine.pipeline;

import io.softnic.engine.counters.EngineCounters;
import io.softnic.engine.fault.FaultInjector;
import io.softnic.engine.port.UdpPort;
import io.softnic.engine.rc.QueuePair;
import io.softnic.engine.sched.Scheduler;
import io.softnic.wire.Icrc;
import io.softnic.wire.Opcode;
import io.softnic.wire.PacketView;
import org.agrona.concurrent.Agent;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.function.IntFunction;

/**
 * The one receive pipeline of the device, for all ports: takes datagrams into the shared buffer pool, validates each
 * (lengths, opcode, ICRC, P_Key, destination QP, source address) before anything reads it, and hands requests to the
 * QP's responder and responses to its completer. What fails a check is counted and dropped.
 */
public final class RxPipeline implements Agent
{
    private static final int QP1 = 1;
    private static final int PKEY_MASK = 0x7FFF;
    private static final int DEFAULT_PKEY = 0xFFFF;

    private final UdpPort[] ports;
    private final RxBufferPool pool;
    private final int batch;
    private final int udpPort;
    private final IntFunction<QueuePair> qpLookup;
    private final Scheduler scheduler;
    private final MadHandler madHandler;
    private final EngineCounters counters;
    private final FaultInjector faults;
    private final PacketView view = new PacketView();
    private final Icrc icrc = new Icrc();
    private int heldSlot = -1;
    private int heldLength;
    private UdpPort heldPort;
    private int heldSourceIpv4;
    private int heldSourcePort;

    public RxPipeline(
        final UdpPort[] ports,
        final RxBufferPool pool,
        final int batch,
        final int udpPort,
        final IntFunction<QueuePair> qpLookup,
        final Scheduler scheduler,
        final MadHandler madHandler,
        final EngineCounters counters,
        final FaultInjector faults)
    {
        this.ports = ports;
        this.pool = pool;
        this.batch = batch;
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
            for (int i = 0; i < batch; i++)
            {
                final int slot = pool.acquire();
                if (slot < 0)
                {
                    counters.increment(EngineCounters.RX_BUFFERS_EXHAUSTED);
                    return work;
                }
                final int length = port.receive(pool.buffer(slot));
                if (length < 0)
                {
                    pool.release(slot);
                    break;
                }
                work++;
                if (faults.enabled())
                {
                    injectAndProcess(slot, length, port);
                }
                else
                {
                    try
                    {
                        process(pool.segment(slot), length, port, port.lastSourceIpv4(), port.lastSourcePort());
                    }
                    finally
                    {
                        pool.release(slot);
                    }
                }
            }
        }
        if (work == 0 && heldSlot >= 0)
        {
            releaseHeld();
            work++;
        }
        return work;
    }

    private void injectAndProcess(final int slot, final int length, final UdpPort port)
    {
        final MemorySegment packet = pool.segment(slot);
        switch (faults.decide())
        {
            case FaultInjector.DROP -> counters.increment(EngineCounters.FAULT_DROPPED);
            case FaultInjector.DUPLICATE ->
            {
                counters.increment(EngineCounters.FAULT_DUPLICATED);
                process(packet, length, port, port.lastSourceIpv4(), port.lastSourcePort());
                process(packet, length, port, port.lastSourceIpv4(), port.lastSourcePort());
            }
            case FaultInjector.REORDER ->
            {
                if (heldSlot < 0)
                {
                    counters.increment(EngineCounters.FAULT_REORDERED);
                    heldSlot = slot;
                    heldLength = length;
                    heldPort = port;
                    heldSourceIpv4 = port.lastSourceIpv4();
                    heldSourcePort = port.lastSourcePort();
                    return; // keeps its buffer until a later packet has overtaken it
                }
                process(packet, length, port, port.lastSourceIpv4(), port.lastSourcePort());
            }
            case FaultInjector.CORRUPT ->
            {
                counters.increment(EngineCounters.FAULT_CORRUPTED);
                final int at = faults.corruptIndex(length);
                packet.set(ValueLayout.JAVA_BYTE, at, (byte)(packet.get(ValueLayout.JAVA_BYTE, at) ^ faults.corruptMask()));
                process(packet, length, port, port.lastSourceIpv4(), port.lastSourcePort());
            }
            default -> process(packet, length, port, port.lastSourceIpv4(), port.lastSourcePort());
        }
        pool.release(slot);
        if (heldSlot >= 0 && heldSlot != slot)
        {
            releaseHeld();
        }
    }

    private void releaseHeld()
    {
        final int slot = heldSlot;
        heldSlot = -1;
        process(pool.segment(slot), heldLength, heldPort, heldSourceIpv4, heldSourcePort);
        pool.release(slot);
    }

    /** Validates and dispatches one datagram. Public for the hostile-packet tests, which feed it directly. */
    public void process(
        final MemorySegment packet, final int length, final UdpPort port, final int sourceIpv4, final int sourcePort)
    {
        if (view.wrap(packet, 0, length) != PacketView.OK)
        {
            counters.increment(EngineCounters.MALFORMED_DROPPED);
            return;
        }
        if (!icrc.check(sourceIpv4, port.ipv4(), sourcePort, udpPort, packet, 0, length))
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
        if (qp == null || qp.destIpv4() != sourceIpv4 || qp.portIndex() != port.index())
        {
            counters.increment(EngineCounters.UNKNOWN_QP_DROPPED);
            return;
        }
        boolean txWork;
        synchronized (qp)
        {
            try
            {
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
