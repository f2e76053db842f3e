package io.softnic.engine.port;

import io.softnic.engine.counters.EngineCounters;
import io.softnic.wire.RoceUdp;
import jdk.net.ExtendedSocketOptions;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.BindException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;

/**
 * A port of the device: a UDP endpoint on its own IPv4 address (its GID). Packets arrive on the RoCEv2 port (4791);
 * they leave from a small set of sockets bound to source ports in the RoCE entropy range, one picked per QP, so
 * flows of different QPs differ in their UDP source port as RoCEv2 asks. Sockets are non-blocking and DF is set, so
 * the kernel writes IP identification 0 and flags DF, which the ICRC covers.
 */
public final class UdpPort implements AutoCloseable
{
    private static final int TX_SOCKETS = 8;

    private final int index;
    private final InetAddress address;
    private final int ipv4;
    private final DatagramChannel rx;
    private final DatagramChannel[] tx = new DatagramChannel[TX_SOCKETS];
    private final int[] txPorts = new int[TX_SOCKETS];
    private final int rxPackets;
    private final int rxBytes;
    private final int txPackets;
    private final int txBytes;
    private final int errors;
    private final EngineCounters counters;
    private int lastSourceIpv4;
    private int lastSourcePort;
    private InetSocketAddress cachedSender;

    public UdpPort(final int index, final InetAddress address, final int udpPort, final EngineCounters counters)
    {
        if (!(address instanceof Inet4Address))
        {
            throw new IllegalArgumentException("a port needs an IPv4 address: " + address);
        }
        this.index = index;
        this.address = address;
        final byte[] b = address.getAddress();
        this.ipv4 = ((b[0] & 0xFF) << 24) | ((b[1] & 0xFF) << 16) | ((b[2] & 0xFF) << 8) | (b[3] & 0xFF);
        this.counters = counters;
        try
        {
            rx = open();
            rx.setOption(StandardSocketOptions.SO_RCVBUF, 8 << 20);
            try
            {
                rx.bind(new InetSocketAddress(address, udpPort));
            }
            catch (final BindException ex)
            {
                rx.close();
                throw new UncheckedIOException("port " + address.getHostAddress() + ":" + udpPort +
                    " is taken (another engine on this address?) or the address is not local", ex);
            }
            for (int i = 0; i < TX_SOCKETS; i++)
            {
                tx[i] = bindEntropySocket(i);
                txPorts[i] = ((InetSocketAddress)tx[i].getLocalAddress()).getPort();
            }
        }
        catch (final IOException ex)
        {
            close();
            throw new UncheckedIOException("cannot open port " + address.getHostAddress(), ex);
        }
        final String p = "port" + (index + 1) + "_";
        rxPackets = counters.allocate(p + "rx_packets");
        rxBytes = counters.allocate(p + "rx_bytes");
        txPackets = counters.allocate(p + "tx_packets");
        txBytes = counters.allocate(p + "tx_bytes");
        errors = counters.allocate(p + "errors");
    }

    private static DatagramChannel open() throws IOException
    {
        final DatagramChannel ch = DatagramChannel.open(java.net.StandardProtocolFamily.INET);
        ch.configureBlocking(false);
        ch.setOption(StandardSocketOptions.SO_SNDBUF, 4 << 20);
        ch.setOption(ExtendedSocketOptions.IP_DONTFRAGMENT, true);
        return ch;
    }

    private DatagramChannel bindEntropySocket(final int slot) throws IOException
    {
        final DatagramChannel ch = open();
        int port = RoceUdp.sourcePort(slot * 0x9E37 + 1);
        for (int attempt = 0; attempt < 256; attempt++)
        {
            try
            {
                ch.bind(new InetSocketAddress(address, port));
                return ch;
            }
            catch (final BindException taken)
            {
                port = 0xC000 | ((port + 1) & 0x3FFF);
            }
        }
        ch.close();
        throw new IOException("no free UDP source port in the RoCE entropy range on " + address.getHostAddress());
    }

    public int index()
    {
        return index;
    }

    public int ipv4()
    {
        return ipv4;
    }

    public InetAddress address()
    {
        return address;
    }

    /** The source UDP port a QP's packets leave from. */
    public int sourcePortFor(final int qpn)
    {
        return txPorts[slotFor(qpn)];
    }

    private static int slotFor(final int qpn)
    {
        return (qpn * 0x9E3779B1 >>> 16) & (TX_SOCKETS - 1);
    }

    /** Receives one datagram into {@code buffer} if one is waiting; returns its length or -1 if none. */
    public int receive(final ByteBuffer buffer)
    {
        try
        {
            final InetSocketAddress from = (InetSocketAddress)rx.receive(buffer);
            if (from == null)
            {
                return -1;
            }
            if (from != cachedSender)
            {
                cachedSender = from;
                final byte[] b = from.getAddress().getAddress();
                lastSourceIpv4 = b.length == 4 ?
                    ((b[0] & 0xFF) << 24) | ((b[1] & 0xFF) << 16) | ((b[2] & 0xFF) << 8) | (b[3] & 0xFF) : 0;
            }
            lastSourcePort = from.getPort();
            final int length = buffer.position();
            counters.increment(rxPackets);
            counters.add(rxBytes, length);
            return length;
        }
        catch (final IOException ex)
        {
            counters.increment(errors);
            return -1;
        }
    }

    public int lastSourceIpv4()
    {
        return lastSourceIpv4;
    }

    public int lastSourcePort()
    {
        return lastSourcePort;
    }

    /** Sends one datagram from the QP's entropy socket; false if the kernel refused it (counted). */
    public boolean send(final ByteBuffer datagram, final int qpn, final InetSocketAddress destination)
    {
        final int length = datagram.remaining();
        try
        {
            final int sent = tx[slotFor(qpn)].send(datagram, destination);
            if (sent == 0)
            {
                counters.increment(errors);
                return false;
            }
            counters.increment(txPackets);
            counters.add(txBytes, length);
            return true;
        }
        catch (final IOException ex)
        {
            counters.increment(errors);
            return false;
        }
    }

    @Override
    public void close()
    {
        closeQuietly(rx);
        for (final DatagramChannel ch : tx)
        {
            closeQuietly(ch);
        }
    }

    private static void closeQuietly(final DatagramChannel ch)
    {
        if (ch != null)
        {
            try
            {
                ch.close();
            }
            catch (final IOException ignore)
            {
                // closing: nothing more to do
            }
        }
    }
}
