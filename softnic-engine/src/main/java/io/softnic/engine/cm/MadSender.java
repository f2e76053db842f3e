package io.softnic.engine.cm;

import io.softnic.engine.counters.EngineCounters;
import io.softnic.engine.port.UdpPort;
import io.softnic.wire.Bth;
import io.softnic.wire.Deth;
import io.softnic.wire.Icrc;
import io.softnic.wire.Opcode;
import io.softnic.wire.Psn;
import io.softnic.wire.cm.Mad;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.util.HashMap;
import java.util.Map;

/**
 * Frames a CM MAD as RoCEv2 does and sends it: UD SEND_ONLY to QP1 (BTH with the default P_Key, DETH with the GSI
 * Q_Key and source QP 1), the 256-byte MAD, then the ICRC over the addresses and ports the datagram really carries.
 * It leaves from the port's MAD socket. One frame, reused; callers serialize (the CM's lock).
 */
final class MadSender
{
    static final int FRAME_LENGTH = Bth.LENGTH + Deth.LENGTH + Mad.MAD_LENGTH + Icrc.LENGTH;
    private static final int DETH_OFFSET = Bth.LENGTH;
    private static final int MAD_OFFSET = Bth.LENGTH + Deth.LENGTH;

    private final MemorySegment frame = Arena.ofAuto().allocate(FRAME_LENGTH, 64);
    private final ByteBuffer datagram = frame.asByteBuffer();
    private final Bth bth = new Bth();
    private final Deth deth = new Deth();
    private final Icrc icrc = new Icrc();
    private final Map<Integer, InetSocketAddress> destinations = new HashMap<>();
    private final int udpPort;
    private final EngineCounters counters;
    private int psn;

    MadSender(final int udpPort, final EngineCounters counters)
    {
        this.udpPort = udpPort;
        this.counters = counters;
    }

    /** Sends the 256-byte MAD at {@code mad[offset]} to the CM of {@code dstIpv4}; false if the kernel refused it. */
    boolean send(final UdpPort port, final int dstIpv4, final MemorySegment mad, final long offset)
    {
        bth.wrap(frame, 0).reset()
            .opcode(Opcode.UD_SEND_ONLY)
            .pkey(Bth.DEFAULT_PKEY)
            .destQp(Mad.QPN_GSI)
            .psn(psn);
        psn = (psn + 1) & Psn.MASK;
        deth.wrap(frame, DETH_OFFSET).qkey(Mad.Q_KEY_GSI).srcQp(Mad.QPN_GSI);
        MemorySegment.copy(mad, offset, frame, MAD_OFFSET, Mad.MAD_LENGTH);
        icrc.write(port.ipv4(), dstIpv4, port.madSourcePort(), udpPort, frame, 0, FRAME_LENGTH);
        final boolean sent = port.sendMad(datagram.clear().limit(FRAME_LENGTH), destination(dstIpv4));
        if (sent)
        {
            counters.increment(EngineCounters.CM_MADS_SENT);
        }
        else
        {
            counters.increment(EngineCounters.TX_SEND_ERRORS);
        }
        return sent;
    }

    private InetSocketAddress destination(final int ipv4)
    {
        InetSocketAddress address = destinations.get(ipv4);
        if (address == null)
        {
            try
            {
                address = new InetSocketAddress(InetAddress.getByAddress(new byte[]{
                    (byte)(ipv4 >>> 24), (byte)(ipv4 >>> 16), (byte)(ipv4 >>> 8), (byte)ipv4}), udpPort);
            }
            catch (final UnknownHostException ex)
            {
                throw new IllegalStateException(ex); // cannot happen for a 4-byte address
            }
            if (destinations.size() >= 4096)
            {
                destinations.clear(); // a bounded cache: CM peers are few, hostile sources are not kept forever
            }
            destinations.put(ipv4, address);
        }
        return address;
    }
}
