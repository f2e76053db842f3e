package io.softnic.bench.compare;

import io.softnic.bench.compare.Measurement.RoundTrip;
import io.softnic.bench.compare.Measurement.Throughput;

import java.io.EOFException;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.List;

/**
 * Kernel TCP on loopback through blocking NIO channels, TCP_NODELAY on: a stream with one write call per message
 * (what an application sending messages does; the kernel may still coalesce them), and a ping-pong. The application
 * threads block in the kernel rather than spin: that is how TCP is used.
 */
final class NioTcpPeer implements PeerBench
{
    /** The receiver reads whatever has arrived, up to this much per call. */
    private static final int READ_BUFFER = 256 << 10;

    @Override
    public Peer peer()
    {
        return Peer.NIO_TCP;
    }

    @Override
    public List<String> notes(final Settings settings)
    {
        return List.of("NIO TCP: blocking SocketChannels, TCP_NODELAY, one write call per message, reads of up to " +
            (READ_BUFFER >> 10) + " KiB");
    }

    @Override
    public Measurement measure(final Workload workload, final Settings settings) throws Exception
    {
        try (ServerSocketChannel server = ServerSocketChannel.open()
                .bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
             SocketChannel active = SocketChannel.open(server.getLocalAddress());
             SocketChannel passive = server.accept())
        {
            active.setOption(StandardSocketOptions.TCP_NODELAY, true);
            passive.setOption(StandardSocketOptions.TCP_NODELAY, true);
            return workload.latency() ? pingPong(active, passive, workload.size(), settings) :
                stream(active, passive, workload.size(), settings);
        }
    }

    private Throughput stream(final SocketChannel sender, final SocketChannel receiver, final int size,
        final Settings settings)
    {
        final RateMeter meter = new RateMeter();
        try (Workers workers = new Workers(peer().option(), settings))
        {
            // a blocked read or write ends when its channel closes
            workers.onStop(sender);
            workers.onStop(receiver);
            workers.start("receiver", () ->
            {
                final ByteBuffer buffer = ByteBuffer.allocateDirect(READ_BUFFER);
                long bytes = 0;
                while (workers.running())
                {
                    buffer.clear();
                    final int n = receiver.read(buffer);
                    if (n < 0)
                    {
                        throw new EOFException("the sender closed the connection");
                    }
                    bytes += n;
                    meter.publish(bytes / size, bytes);
                }
            });
            workers.start("sender", () ->
            {
                final ByteBuffer message = ByteBuffer.allocateDirect(size);
                while (workers.running())
                {
                    message.clear();
                    writeFully(sender, message);
                }
            });
            return meter.measure(workers, settings);
        }
    }

    private RoundTrip pingPong(final SocketChannel pinger, final SocketChannel ponger, final int size,
        final Settings settings) throws Exception
    {
        try (Workers workers = new Workers(peer().option(), settings))
        {
            workers.onStop(pinger);
            workers.onStop(ponger);
            workers.start("ponger", () ->
            {
                final ByteBuffer message = ByteBuffer.allocateDirect(size);
                while (workers.running())
                {
                    message.clear();
                    readFully(ponger, message);
                    message.flip();
                    writeFully(ponger, message);
                }
            });
            final ByteBuffer message = ByteBuffer.allocateDirect(size);
            try
            {
                return RoundTrips.measure(settings, workers, () ->
                {
                    message.clear();
                    writeFully(pinger, message);
                    message.clear();
                    readFully(pinger, message);
                });
            }
            catch (final IOException ex)
            {
                workers.checkAlive();   // the ponger's failure closed the channel: report that, not the close
                throw ex;
            }
        }
    }

    private static void writeFully(final SocketChannel channel, final ByteBuffer b) throws IOException
    {
        while (b.hasRemaining())
        {
            channel.write(b);
        }
    }

    private static void readFully(final SocketChannel channel, final ByteBuffer b) throws IOException
    {
        while (b.hasRemaining())
        {
            if (channel.read(b) < 0)
            {
                throw new EOFException("the peer closed the connection");
            }
        }
    }
}
