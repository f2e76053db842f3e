package io.softnic.engine.port;

import io.softnic.engine.counters.EngineCounters;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.MemorySegment;
import java.net.BindException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;

/**
 * A port of the device: a UDP endpoint on its own IPv4 address (its GID). Packets arrive on the RoCEv2 port (4791)
 * into the device's shared receive buffers; they leave from a small set of sockets bound to source ports in the
 * RoCE entropy range, one picked per QP, so flows of different QPs differ in their UDP source port as RoCEv2 asks.
 * How datagrams cross into the kernel is the port's {@link PortIo} path. CM MADs leave from a socket of their own,
 * because the connection manager sends from its own thread.
 */
public final class UdpPort implements AutoCloseable
{
    /** Sending sockets per port (a power of two). */
    static final int TX_SOCKETS = 8;
    /** Refused datagrams in a row after which a port is declared down. */
    public static final int FAILURES_TO_DOWN = 64;

    private final int index;
    private final InetAddress address;
    private final int ipv4;
    private final PortIo io;
    private final PortCounters counters;
    private final PortDriver driver;
    private final DatagramChannel mad;
    private final int madPort;
    private volatile boolean up = true;

    /**
     * Opens the port's sockets.
     *
     * @param rxBuffers the device's receive buffers, shared by every port (the RX pipeline serves ports in turn)
     */
    public UdpPort(final int index, final InetAddress address, final int udpPort, final PortIo io,
        final MemorySegment[] rxBuffers, final EngineCounters counters)
    {
        if (!(address instanceof Inet4Address))
        {
            throw new IllegalArgumentException("a port needs an IPv4 address: " + address);
        }
        this.index = index;
        this.address = address;
        final byte[] b = address.getAddress();
        this.ipv4 = ((b[0] & 0xFF) << 24) | ((b[1] & 0xFF) << 16) | ((b[2] & 0xFF) << 8) | (b[3] & 0xFF);
        this.io = io.resolve();
        this.counters = new PortCounters(counters, index);
        final String where = address.getHostAddress();
        PortDriver d = null;
        try
        {
            d = this.io == PortIo.CHANNEL ?
                new ChannelPortDriver(address, udpPort, rxBuffers, this.counters) :
                new NativePortDriver(ipv4, where, udpPort, rxBuffers, this.io == PortIo.GSO, this.counters);
            mad = EntropyPorts.bind(TX_SOCKETS, where, port -> ChannelPortDriver.bound(address, port));
            madPort = ((InetSocketAddress)mad.getLocalAddress()).getPort();
        }
        catch (final BindException ex)
        {
            closeQuietly(d);
            throw new UncheckedIOException("port " + where + ":" + udpPort +
                " is taken (another engine on this address?) or the address is not local", ex);
        }
        catch (final IOException ex)
        {
            closeQuietly(d);
            throw new UncheckedIOException("cannot open port " + where, ex);
        }
        this.driver = d;
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

    /** The path this port's datagrams take into the kernel. */
    public PortIo io()
    {
        return io;
    }

    /**
     * Whether the port carries traffic. An administrator (or the engine, on socket errors) takes it down: it then
     * neither sends nor accepts packets, like a cut link, and QPs with an armed alternate path migrate off it.
     */
    public boolean isUp()
    {
        return up;
    }

    public void up(final boolean up)
    {
        this.up = up;
    }

    /**
     * Whether the port's sends have failed so often in a row ({@value #FAILURES_TO_DOWN} datagrams, none taken) that
     * the link is taken for dead. The engine then takes the port down ({@link #autoDown()}).
     */
    public boolean failing()
    {
        return up && counters.failedInARow() >= FAILURES_TO_DOWN;
    }

    /** The engine takes the port down after {@link #failing()}. */
    public void autoDown()
    {
        up = false;
        counters.autoDown();
    }

    /** A QP left this port for its alternate path. */
    public void countMigration()
    {
        counters.migration();
    }

    /** The source UDP port a QP's packets leave from. */
    public int sourcePortFor(final int qpn)
    {
        return driver.senderPort(slotFor(qpn));
    }

    private static int slotFor(final int qpn)
    {
        return (qpn * 0x9E3779B1 >>> 16) & (TX_SOCKETS - 1);
    }

    /** Takes in what is waiting, up to one burst; returns how many datagrams {@link #received()} now holds. */
    public int receive()
    {
        final int n = driver.receive();
        if (n > 0 && !up)
        {
            counters.downDrops(n);
            return 0;
        }
        if (n > 0)
        {
            final ReceivedDatagrams d = driver.received();
            int packets = 0;
            long bytes = 0;
            for (int i = 0; i < n; i++)
            {
                final int length = d.length(i);
                final int gso = d.gsoSize(i);
                packets += gso > 0 && length > gso ? (length + gso - 1) / gso : 1;
                bytes += length;
            }
            counters.received(packets, bytes);
        }
        return n;
    }

    public ReceivedDatagrams received()
    {
        return driver.received();
    }

    /**
     * Queues a finished datagram to leave from the QP's socket; its bytes must stay put until {@link #flush()}.
     *
     * @return false if it was dropped (counted; the transport's retransmission recovers it)
     */
    public boolean queue(final int qpn, final MemorySegment frame, final long offset, final int length,
        final int dstIpv4, final int dstPort)
    {
        if (!up)
        {
            counters.downDrops(1);
            return false;
        }
        return driver.queue(slotFor(qpn), frame, offset, length, dstIpv4, dstPort);
    }

    /** Hands what is queued to the kernel; returns how many datagrams it refused (dropped, counted). */
    public int flush()
    {
        return driver.flush();
    }

    /** The source UDP port CM MADs leave from. */
    public int madSourcePort()
    {
        return madPort;
    }

    /** Sends one MAD datagram at once, from the MAD socket; false if the kernel refused it (counted). */
    public boolean sendMad(final ByteBuffer datagram, final InetSocketAddress destination)
    {
        final int length = datagram.remaining();
        try
        {
            if (mad.send(datagram, destination) == length)
            {
                counters.sent(1, length);
                counters.sendCall();
                return true;
            }
        }
        catch (final IOException ex)
        {
            // counted below; the CM retries lost MADs
        }
        counters.errors(1);
        return false;
    }

    @Override
    public void close()
    {
        closeQuietly(mad);
        closeQuietly(driver);
    }

    static void closeQuietly(final AutoCloseable c)
    {
        if (c != null)
        {
            try
            {
                c.close();
            }
            catch (final Exception ignore)
            {
                // closing: nothing more to do
            }
        }
    }
}
