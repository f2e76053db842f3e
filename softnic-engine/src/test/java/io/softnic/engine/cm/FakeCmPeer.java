package io.softnic.engine.cm;

import io.softnic.wire.Bth;
import io.softnic.wire.Deth;
import io.softnic.wire.Icrc;
import io.softnic.wire.Opcode;
import io.softnic.wire.cm.Mad;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A CM peer played by the test over a plain UDP socket on its own loopback address and the RoCEv2 port: it sees the
 * engine's MADs exactly as they are on the wire (BTH, DETH, MAD, ICRC checked against the real UDP source port) and
 * sends back whatever the test builds, well-formed or not.
 */
final class FakeCmPeer implements AutoCloseable
{
    static final int ROCE_PORT = 4791;

    final int ipv4;
    private final DatagramChannel channel;
    private final Icrc icrc = new Icrc();
    private final MemorySegment frame = Arena.ofAuto().allocate(4096, 64);
    private final ByteBuffer buffer = frame.asByteBuffer();
    private final Bth bth = new Bth();
    private final Deth deth = new Deth();
    private int psn;

    /** A received MAD: its 256 bytes (a copy) and who sent it from which UDP port. */
    record Received(MemorySegment mad, int srcIpv4, int srcPort)
    {
        int attributeId()
        {
            return new Mad().wrap(mad, 0).attributeId();
        }
    }

    FakeCmPeer(final String address)
    {
        try
        {
            final InetAddress a = InetAddress.getByName(address);
            final byte[] b = a.getAddress();
            ipv4 = ((b[0] & 0xFF) << 24) | ((b[1] & 0xFF) << 16) | ((b[2] & 0xFF) << 8) | (b[3] & 0xFF);
            channel = DatagramChannel.open(StandardProtocolFamily.INET);
            channel.setOption(jdk.net.ExtendedSocketOptions.IP_DONTFRAGMENT, true);
            channel.setOption(StandardSocketOptions.SO_REUSEADDR, true);
            channel.bind(new InetSocketAddress(a, ROCE_PORT));
            channel.configureBlocking(false);
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException(ex);
        }
    }

    /** Sends a MAD (its first {@code length} bytes) as a UD SEND to QP1 with the given Q_Key. */
    void send(final MemorySegment mad, final int length, final int qkey, final int dstIpv4)
    {
        final int madOffset = Bth.LENGTH + Deth.LENGTH;
        bth.wrap(frame, 0).reset().opcode(Opcode.UD_SEND_ONLY).pkey(Bth.DEFAULT_PKEY).destQp(1).psn(psn++);
        deth.wrap(frame, Bth.LENGTH).qkey(qkey).srcQp(1);
        MemorySegment.copy(mad, 0, frame, madOffset, length);
        final int total = madOffset + length + Icrc.LENGTH;
        icrc.write(ipv4, dstIpv4, ROCE_PORT, ROCE_PORT, frame, 0, total);
        try
        {
            final byte[] d = {(byte)(dstIpv4 >>> 24), (byte)(dstIpv4 >>> 16), (byte)(dstIpv4 >>> 8), (byte)dstIpv4};
            channel.send(buffer.clear().limit(total), new InetSocketAddress(InetAddress.getByAddress(d), ROCE_PORT));
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException(ex);
        }
    }

    /** Sends an RC SEND_ONLY with AckReq carrying {@code payload} (a multiple of 4 bytes) to a QP. */
    void sendRc(final int dstIpv4, final int destQp, final int psn, final byte[] payload)
    {
        bth.wrap(frame, 0).reset().opcode(Opcode.RC_SEND_ONLY).pkey(Bth.DEFAULT_PKEY).destQp(destQp).ackReq(true)
            .psn(psn);
        MemorySegment.copy(MemorySegment.ofArray(payload), 0, frame, Bth.LENGTH, payload.length);
        final int total = Bth.LENGTH + payload.length + Icrc.LENGTH;
        icrc.write(ipv4, dstIpv4, ROCE_PORT, ROCE_PORT, frame, 0, total);
        try
        {
            final byte[] d = {(byte)(dstIpv4 >>> 24), (byte)(dstIpv4 >>> 16), (byte)(dstIpv4 >>> 8), (byte)dstIpv4};
            channel.send(buffer.clear().limit(total), new InetSocketAddress(InetAddress.getByAddress(d), ROCE_PORT));
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException(ex);
        }
    }

    void send(final MemorySegment mad, final int dstIpv4)
    {
        send(mad, Mad.MAD_LENGTH, Mad.Q_KEY_GSI, dstIpv4);
    }

    /** The next MAD that arrives within the timeout (checked as a well-formed CM MAD), or null. */
    Received receive(final long timeoutMillis)
    {
        final long deadline = System.nanoTime() + timeoutMillis * 1_000_000L;
        try
        {
            while (System.nanoTime() < deadline)
            {
                buffer.clear();
                final InetSocketAddress from = (InetSocketAddress)channel.receive(buffer);
                if (from == null)
                {
                    Thread.sleep(1);
                    continue;
                }
                final int length = buffer.position();
                if (length >= Bth.LENGTH && bth.wrap(frame, 0).opcode() != Opcode.UD_SEND_ONLY)
                {
                    continue; // RC traffic (an ACK for data the test sent): not for the CM
                }
                final byte[] s = from.getAddress().getAddress();
                final int src = ((s[0] & 0xFF) << 24) | ((s[1] & 0xFF) << 16) | ((s[2] & 0xFF) << 8) | (s[3] & 0xFF);
                assertEquals(Bth.LENGTH + Deth.LENGTH + Mad.MAD_LENGTH + Icrc.LENGTH, length, "MAD datagram length");
                assertTrue(icrc.check(src, ipv4, from.getPort(), ROCE_PORT, frame, 0, length),
                    "ICRC over the real source port " + from.getPort());
                bth.wrap(frame, 0);
                assertEquals(Opcode.UD_SEND_ONLY, bth.opcode());
                assertEquals(1, bth.destQp());
                assertEquals(Bth.DEFAULT_PKEY, bth.pkey());
                deth.wrap(frame, Bth.LENGTH);
                assertEquals(Mad.Q_KEY_GSI, deth.qkey());
                assertEquals(1, deth.srcQp());
                final MemorySegment mad = Arena.ofAuto().allocate(Mad.MAD_LENGTH);
                MemorySegment.copy(frame, Bth.LENGTH + Deth.LENGTH, mad, 0, Mad.MAD_LENGTH);
                final Mad m = new Mad().wrap(mad, 0);
                assertTrue(m.isCm(), "CM MAD header");
                assertEquals(Mad.METHOD_SEND, m.method());
                return new Received(mad, src, from.getPort());
            }
            return null;
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException(ex);
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
            return null;
        }
    }

    /** The next MAD of the given attribute within the timeout, skipping others; fails if none came. */
    Received expect(final int attributeId, final long timeoutMillis)
    {
        final long deadline = System.currentTimeMillis() + timeoutMillis;
        while (System.currentTimeMillis() < deadline)
        {
            final Received r = receive(Math.max(1, deadline - System.currentTimeMillis()));
            if (r != null && r.attributeId() == attributeId)
            {
                return r;
            }
        }
        throw new AssertionError("no " + Mad.attributeName(attributeId) + " within " + timeoutMillis + " ms");
    }

    @Override
    public void close()
    {
        try
        {
            channel.close();
        }
        catch (final IOException ignore)
        {
            // test teardown
        }
    }
}
