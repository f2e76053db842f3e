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
 * The TX pipeline's frame under construction: headers written in place with flyweights, payload gathered straight
 * into it by the bus interface, then padding and ICRC, then out through the sink. One per TX pipeline, reused for
 * every packet.
 */
public final class TxFrame
{
    /** Room for the largest path MTU plus every header and the ICRC. */
    public static final int CAPACITY = 4096 + 128;

    private final MemorySegment frame;
    private final java.nio.ByteBuffer datagram;
    private final Bth bth = new Bth();
    private final Reth reth = new Reth();
    private final Aeth aeth = new Aeth();
    private final AtomicEth atomicEth = new AtomicEth();
    private final AtomicAckEth atomicAckEth = new AtomicAckEth();
    private final ImmDt immDt = new ImmDt();
    private final Icrc icrc = new Icrc();
    private final PacketSink sink;
    private int opcode;

    public TxFrame(final PacketSink sink)
    {
        this.frame = Arena.ofAuto().allocate(CAPACITY, 64);
        this.datagram = frame.asByteBuffer();
        this.sink = sink;
    }

    public MemorySegment segment()
    {
        return frame;
    }

    /** Starts a packet of the QP's connection: BTH with its P_Key, destination QP and PSN. */
    public Bth begin(final int opcode, final QueuePair qp, final int psn)
    {
        this.opcode = opcode;
        return bth.wrap(frame, 0).reset().opcode(opcode).pkey(qp.pkey()).destQp(qp.destQpn()).psn(psn);
    }

    public Reth reth()
    {
        return reth.wrap(frame, Opcode.rethOffset(opcode));
    }

    public Aeth aeth()
    {
        return aeth.wrap(frame, Opcode.aethOffset(opcode));
    }

    public AtomicEth atomicEth()
    {
        return atomicEth.wrap(frame, Opcode.atomicEthOffset(opcode));
    }

    public AtomicAckEth atomicAckEth()
    {
        return atomicAckEth.wrap(frame, Opcode.atomicAckEthOffset(opcode));
    }

    public ImmDt immDt()
    {
        return immDt.wrap(frame, Opcode.immDtOffset(opcode));
    }

    public long payloadOffset()
    {
        return Opcode.headerLength(opcode);
    }

    /** Pads the payload to a 4-byte multiple, appends the ICRC and sends. */
    public void send(final QueuePair qp, final int payloadLength)
    {
        final int pad = (-payloadLength) & 3;
        final long padAt = payloadOffset() + payloadLength;
        for (int i = 0; i < pad; i++)
        {
            frame.set(java.lang.foreign.ValueLayout.JAVA_BYTE, padAt + i, (byte)0);
        }
        bth.padCount(pad);
        final int length = (int)(padAt + pad + Icrc.LENGTH);
        icrc.write(sink.sourceIpv4(qp), qp.destIpv4(), sink.sourceUdpPort(qp), qp.destUdpPort(), frame, 0, length);
        sink.send(qp, datagram.clear().limit(length));
    }
}
