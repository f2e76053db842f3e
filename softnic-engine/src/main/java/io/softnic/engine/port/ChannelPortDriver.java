package io.softnic.engine.port;

import jdk.net.ExtendedSocketOptions;
import org.agrona.collections.Long2ObjectHashMap;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.MemorySegment;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;

/**
 * The portable path: java.nio DatagramChannels, one datagram per system call each way. Sockets are non-blocking and
 * DF is set, so the kernel writes IP identification 0 and flags DF, which the ICRC covers.
 */
final class ChannelPortDriver implements PortDriver, ReceivedDatagrams
{
    private final InetAddress address;
    private final PortCounters counters;
    private final DatagramChannel rx;
    private final DatagramChannel[] tx = new DatagramChannel[UdpPort.TX_SOCKETS];
    private final int[] txPorts = new int[UdpPort.TX_SOCKETS];
    private final MemorySegment[] buffers;
    private final ByteBuffer[] rxViews;
    private final int[] lengths;
    private final int[] sourceIpv4s;
    private final int[] sourcePorts;
    private final boolean[] truncated;
    private final Long2ObjectHashMap<InetSocketAddress> destinations = new Long2ObjectHashMap<>();
    private MemorySegment txFrame;
    private ByteBuffer txView;
    private InetSocketAddress cachedSender;
    private int cachedSenderIpv4;
    private int count;

    ChannelPortDriver(final InetAddress address, final int udpPort, final MemorySegment[] buffers,
        final PortCounters counters) throws IOException
    {
        this.address = address;
        this.counters = counters;
        this.buffers = buffers;
        final int n = buffers.length;
        rxViews = new ByteBuffer[n];
        for (int i = 0; i < n; i++)
        {
            rxViews[i] = buffers[i].asByteBuffer();
        }
        lengths = new int[n];
        sourceIpv4s = new int[n];
        sourcePorts = new int[n];
        truncated = new boolean[n];
        rx = open(address);
        try
        {
            rx.setOption(StandardSocketOptions.SO_RCVBUF, 8 << 20);
            rx.bind(new InetSocketAddress(address, udpPort));
            for (int i = 0; i < UdpPort.TX_SOCKETS; i++)
            {
                tx[i] = EntropyPorts.bind(i, address.getHostAddress(), this::bindSender);
                txPorts[i] = ((InetSocketAddress)tx[i].getLocalAddress()).getPort();
            }
        }
        catch (final IOException | RuntimeException ex)
        {
            close();
            throw ex;
        }
    }

    static DatagramChannel open(final InetAddress address) throws IOException
    {
        final DatagramChannel ch = DatagramChannel.open(StandardProtocolFamily.INET);
        ch.configureBlocking(false);
        ch.setOption(StandardSocketOptions.SO_SNDBUF, 4 << 20);
        ch.setOption(ExtendedSocketOptions.IP_DONTFRAGMENT, true);
        return ch;
    }

    /** Opens a DatagramChannel bound to {@code address:port}; closes it again if the port is taken. */
    static DatagramChannel bound(final InetAddress address, final int port) throws IOException
    {
        final DatagramChannel ch = open(address);
        try
        {
            ch.bind(new InetSocketAddress(address, port));
            return ch;
        }
        catch (final IOException ex)
        {
            ch.close();
            throw ex;
        }
    }

    private DatagramChannel bindSender(final int port) throws IOException
    {
        return bound(address, port);
    }

    @Override
    public int senderPort(final int slot)
    {
        return txPorts[slot];
    }

    @Override
    public int receive()
    {
        int n = 0;
        try
        {
            while (n < buffers.length)
            {
                final ByteBuffer view = rxViews[n].clear();
                final InetSocketAddress from = (InetSocketAddress)rx.receive(view);
                if (from == null)
                {
                    break;
                }
                if (from != cachedSender)   // the channel hands back the same object while the sender repeats
                {
                    cachedSender = from;
                    final byte[] b = from.getAddress().getAddress();
                    cachedSenderIpv4 = b.length == 4 ?
                        ((b[0] & 0xFF) << 24) | ((b[1] & 0xFF) << 16) | ((b[2] & 0xFF) << 8) | (b[3] & 0xFF) : 0;
                }
                sourceIpv4s[n] = cachedSenderIpv4;
                sourcePorts[n] = from.getPort();
                counters.receiveCall();
                lengths[n] = view.position();
                truncated[n] = !view.hasRemaining();    // a full buffer may have lost a tail; no RoCE packet fills one
                n++;
            }
        }
        catch (final IOException ex)
        {
            counters.errors(1);
        }
        count = n;
        return n;
    }

    @Override
    public ReceivedDatagrams received()
    {
        return this;
    }

    @Override
    public boolean queue(final int slot, final MemorySegment frame, final long offset, final int length,
        final int dstIpv4, final int dstPort)
    {
        if (frame != txFrame)
        {
            txFrame = frame;
            txView = frame.asByteBuffer();
        }
        txView.limit((int)(offset + length)).position((int)offset);
        try
        {
            if (tx[slot].send(txView, destination(dstIpv4, dstPort)) == length)
            {
                counters.sent(1, length);
                counters.sendCall();
                return true;
            }
        }
        catch (final IOException ex)
        {
            // counted below: the transport's retransmission recovers the packet
        }
        counters.sendFailed(1);
        return false;
    }

    private InetSocketAddress destination(final int ipv4, final int port)
    {
        final long key = ((long)ipv4 << 16) | port;
        InetSocketAddress d = destinations.get(key);
        if (d == null)
        {
            try
            {
                d = new InetSocketAddress(InetAddress.getByAddress(new byte[]{
                    (byte)(ipv4 >>> 24), (byte)(ipv4 >>> 16), (byte)(ipv4 >>> 8), (byte)ipv4}), port);
            }
            catch (final java.net.UnknownHostException ex)
            {
                throw new UncheckedIOException(ex);    // four bytes always make an address
            }
            destinations.put(key, d);
        }
        return d;
    }

    @Override
    public int flush()
    {
        return 0;
    }

    @Override
    public int count()
    {
        return count;
    }

    @Override
    public MemorySegment buffer(final int i)
    {
        return buffers[i];
    }

    @Override
    public int length(final int i)
    {
        return lengths[i];
    }

    @Override
    public int sourceIpv4(final int i)
    {
        return sourceIpv4s[i];
    }

    @Override
    public int sourcePort(final int i)
    {
        return sourcePorts[i];
    }

    @Override
    public int gsoSize(final int i)
    {
        return 0;
    }

    @Override
    public boolean truncated(final int i)
    {
        return truncated[i];
    }

    @Override
    public void close()
    {
        UdpPort.closeQuietly(rx);
        for (final DatagramChannel ch : tx)
        {
            UdpPort.closeQuietly(ch);
        }
    }
}
