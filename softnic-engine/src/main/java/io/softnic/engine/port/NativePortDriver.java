package io.softnic.engine.port;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.MemorySegment;

/**
 * The batched path through java.lang.foreign: recvmmsg takes a burst per system call and sendmmsg sends one per
 * sending socket. With GSO on, consecutive equal-sized packets of one flow that lie back to back in the TX burst
 * become one message the kernel cuts (UDP_SEGMENT), and the receiving socket has UDP_GRO on, so such runs usually
 * arrive as one super-datagram too.
 */
final class NativePortDriver implements PortDriver
{
    /** Messages per sending socket between flushes; a full batch is flushed early. */
    private static final int MESSAGES_PER_SOCKET = 64;
    /** Consecutive refusals (send buffer full) before the rest of a batch is dropped for the transport to resend. */
    private static final int SEND_ATTEMPTS = 16;

    private final boolean gso;
    private final PortCounters counters;
    private final NativeUdpSocket rx;
    private final NativeUdpSocket[] tx = new NativeUdpSocket[UdpPort.TX_SOCKETS];
    private final SendBatch[] batches = new SendBatch[UdpPort.TX_SOCKETS];
    private final ReceiveBatch receive;
    private boolean pending;
    private int dropped;

    NativePortDriver(final int ipv4, final String address, final int udpPort, final MemorySegment[] buffers,
        final boolean gso, final PortCounters counters) throws IOException
    {
        this.gso = gso;
        this.counters = counters;
        rx = NativeUdpSocket.open(ipv4, udpPort, true, 8 << 20);
        try
        {
            if (gso)
            {
                rx.enableGro();
            }
            receive = new ReceiveBatch(buffers);
            for (int i = 0; i < UdpPort.TX_SOCKETS; i++)
            {
                tx[i] = EntropyPorts.bind(i, address, port -> NativeUdpSocket.open(ipv4, port, true));
                batches[i] = new SendBatch(MESSAGES_PER_SOCKET);
            }
        }
        catch (final IOException | RuntimeException ex)
        {
            close();
            throw ex;
        }
    }

    @Override
    public int senderPort(final int slot)
    {
        return tx[slot].localPort();
    }

    @Override
    public int receive()
    {
        try
        {
            final int n = rx.receiveBatch(receive);
            if (n > 0)
            {
                counters.receiveCall();
            }
            return n;
        }
        catch (final UncheckedIOException ex)
        {
            counters.errors(1);
            return 0;
        }
    }

    @Override
    public ReceivedDatagrams received()
    {
        return receive;
    }

    @Override
    public boolean queue(final int slot, final MemorySegment frame, final long offset, final int length,
        final int dstIpv4, final int dstPort)
    {
        final SendBatch batch = batches[slot];
        if (!add(batch, frame, offset, length, dstIpv4, dstPort))
        {
            send(slot);
            if (!add(batch, frame, offset, length, dstIpv4, dstPort))
            {
                counters.sendFailed(1);     // the caller counts this one
                return false;
            }
        }
        pending = true;
        return true;
    }

    private boolean add(final SendBatch batch, final MemorySegment frame, final long offset, final int length,
        final int dstIpv4, final int dstPort)
    {
        return gso ? batch.addSegment(frame, offset, length, dstIpv4, dstPort) :
            batch.add(frame, offset, length, dstIpv4, dstPort);
    }

    @Override
    public int flush()
    {
        if (pending)
        {
            pending = false;
            for (int slot = 0; slot < batches.length; slot++)
            {
                send(slot);
            }
        }
        final int n = dropped;
        dropped = 0;
        return n;
    }

    /** Sends what socket {@code slot} has queued, leaving its batch empty; counts what the kernel refused. */
    private void send(final int slot)
    {
        final SendBatch batch = batches[slot];
        final NativeUdpSocket socket = tx[slot];
        int refusals = 0;
        while (batch.size() > 0)
        {
            int sent;
            try
            {
                sent = socket.sendBatch(batch);
            }
            catch (final UncheckedIOException refused)
            {
                // the kernel refused the first message (unreachable, too big): drop it, send the rest
                drop(batch.segments(0));
                batch.removeFirst(1);
                continue;
            }
            if (sent > 0)
            {
                int packets = 0;
                long bytes = 0;
                for (int i = 0; i < sent; i++)
                {
                    packets += batch.segments(i);
                    bytes += batch.length(i);
                }
                counters.sent(packets, bytes);
                counters.sendCall();
                batch.removeFirst(sent);
                refusals = 0;
            }
            else if (++refusals == SEND_ATTEMPTS)
            {
                drop(datagrams(batch));
                batch.clear();
            }
            else
            {
                Thread.onSpinWait();
            }
        }
    }

    private void drop(final int datagrams)
    {
        counters.sendFailed(datagrams);
        dropped += datagrams;
    }

    private static int datagrams(final SendBatch batch)
    {
        int n = 0;
        for (int i = 0; i < batch.size(); i++)
        {
            n += batch.segments(i);
        }
        return n;
    }

    @Override
    public void close()
    {
        if (rx != null)
        {
            rx.close();
        }
        for (int i = 0; i < tx.length; i++)
        {
            if (tx[i] != null)
            {
                tx[i].close();
            }
            if (batches[i] != null)
            {
                batches[i].close();
            }
        }
        if (receive != null)
        {
            receive.close();
        }
    }
}
