package io.softnic.engine.pipeline;

import io.softnic.engine.rc.QueuePair;
import io.softnic.wire.Aeth;
import io.softnic.wire.AtomicAckEth;
import io.softnic.wire.AtomicEth;
import io.softnic.wire.Bth;
import io.softnic.wire.Icrc;
import io.softnic.wire.ImmDt;
import io.softnic.wire.Opcode;
import io.softnic.wire.Reth;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * The TX pipeline's burst under construction: each packet is built in place at the burst's write position —
 * headers with flyweights, payload gathered straight in by the bus interface, then padding and ICRC — and queued on
 * its port; packets lie back to back, so a run of one flow's equal-sized packets can leave as one segmented send.
 * {@link #flush()} puts the burst on the wire and starts the next. One per TX pipeline.
 */
public final class TxFrame
{
    /** Room for the largest path MTU plus every header and the ICRC. */
    public static final int CAPACITY = 4096 + 128;
    /** Bytes of packets one burst holds before it is flushed early. */
    public static final int BURST_BYTES = 512 * 1024;

    private final MemorySegment frame;
    private final Bth bth = new Bth();
    private final Reth reth = new Reth();
    private final Aeth aeth = new Aeth();
    private final AtomicEth atomicEth = new AtomicEth();
    private final AtomicAckEth atomicAckEth = new AtomicAckEth();
    private final ImmDt immDt = new ImmDt();
    private final Icrc icrc = new Icrc();
    private final PacketSink sink;
    private int opcode;
    /** Where the packet under construction starts; packets before it are queued, waiting for the flush. */
    private long base;
    /** Bytes of every packet ever queued: the bus counts what a turn moved by the difference. */
    private long bytesQueued;

    public TxFrame(final PacketSink sink)
    {
        this.frame = Arena.ofAuto().allocate(BURST_BYTES, 64);
        this.sink = sink;
    }

    /** The burst's memory; the packet under construction starts at {@link #begin}'s position. */
    public MemorySegment segment()
    {
        return frame;
    }

    /** Starts a packet of the QP's connection: BTH with its P_Key, destination QP and PSN. */
    public Bth begin(final int opcode, final QueuePair qp, final int psn)
    {
        if (base + CAPACITY > BURST_BYTES)
        {
            flush();
        }
        this.opcode = opcode;
        return bth.wrap(frame, base).reset().opcode(opcode).pkey(qp.pkey()).destQp(qp.destQpn()).psn(psn);
    }

    public Reth reth()
    {
        return reth.wrap(frame, base + Opcode.rethOffset(opcode));
    }

    public Aeth aeth()
    {
        return aeth.wrap(frame, base + Opcode.aethOffset(opcode));
    }

    public AtomicEth atomicEth()
    {
        return atomicEth.wrap(frame, base + Opcode.atomicEthOffset(opcode));
    }

    public AtomicAckEth atomicAckEth()
    {
        return atomicAckEth.wrap(frame, base + Opcode.atomicAckEthOffset(opcode));
    }

    public ImmDt immDt()
    {
        return immDt.wrap(frame, base + Opcode.immDtOffset(opcode));
    }

    /** Where the payload of the packet under construction goes in {@link #segment()}. */
    public long payloadOffset()
    {
        return base + Opcode.headerLength(opcode);
    }

    /** Puts the burst on the wire; returns whether there was anything to send. */
    public boolean flush()
    {
        if (base == 0)
        {
            return false;
        }
        base = 0;
        sink.flush();
        return true;
    }

    /** Pads the payload to a 4-byte multiple, appends the ICRC and queues the packet in the burst. */
    public void send(final QueuePair qp, final int payloadLength)
    {
        final int pad = (-payloadLength) & 3;
        final long padAt = payloadOffset() + payloadLength;
        for (int i = 0; i < pad; i++)
        {
            frame.set(java.lang.foreign.ValueLayout.JAVA_BYTE, padAt + i, (byte)0);
        }
        bth.padCount(pad);
        final long end = padAt + pad + Icrc.LENGTH;
        final int length = (int)(end - base);
        icrc.write(sink.sourceIpv4(qp), qp.destIpv4(), sink.sourceUdpPort(qp), qp.destUdpPort(), frame, base, length);
        sink.send(qp, frame, base, length);
        bytesQueued += length;
        base = end;
    }

    /** Bytes of every packet queued since the frame was made (flushes do not reset it). */
    public long bytesQueued()
    {
        return bytesQueued;
    }
}
