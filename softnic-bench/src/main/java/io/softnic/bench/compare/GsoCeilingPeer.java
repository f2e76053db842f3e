package io.softnic.bench.compare;

import io.softnic.bench.compare.Measurement.Throughput;
import io.softnic.engine.port.NativeUdpSocket;
import io.softnic.engine.port.ReceiveBatch;
import io.softnic.engine.port.SendBatch;
import org.agrona.concurrent.IdleStrategy;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.List;

/**
 * The most UDP the kernel moves on loopback, what a data path built on UDP can approach: a blaster sending
 * equal-sized datagrams with UDP_SEGMENT (one system call per up to 64 segments), a receiver with UDP_GRO taking
 * super-datagrams with recvmmsg. No protocol, no acknowledgements: what arrives is counted, what the receive buffer
 * drops is not. Without GSO in the kernel it sends with sendmmsg instead, and says so.
 */
final class GsoCeilingPeer implements PeerBench
{
    private static final int LOOPBACK = 0x7F000001;
    /** The 64 KiB row sends 8 KiB segments: 7 of them fit in one GSO send (65,507 bytes at most). */
    private static final int LARGE_SEGMENT = 8192;
    private static final int RECEIVE_SLOTS = 32;
    /** A GRO super-datagram is at most 64 KiB. */
    private static final int RECEIVE_BUFFER = 65_536;

    @Override
    public Peer peer()
    {
        return Peer.GSO_CEILING;
    }

    @Override
    public boolean measures(final Workload workload)
    {
        return !workload.latency();
    }

    static boolean gso()
    {
        return NativeUdpSocket.isAvailable() && NativeUdpSocket.gsoSupported();
    }

    @Override
    public List<String> notes(final Settings settings)
    {
        final String send = gso() ? "UDP_SEGMENT sends" :
            "sendmmsg batches of 64 datagrams (FALLBACK: this kernel has no UDP GSO)";
        final String receive = NativeUdpSocket.isAvailable() && NativeUdpSocket.groSupported() ?
            "UDP_GRO + recvmmsg" : "recvmmsg without GRO (this kernel has no UDP_GRO)";
        return List.of("GSO ceiling: plain blaster, " + send + ", " + receive + "; 64 B and " +
            (LARGE_SEGMENT >> 10) + " KiB datagrams, the 64KiB row's msgs/s in 64 KiB-equivalents");
    }

    @Override
    public Measurement measure(final Workload workload, final Settings settings) throws Exception
    {
        if (!NativeUdpSocket.isAvailable())
        {
            throw new BenchFailure("native UDP sockets need Linux on x86_64 or aarch64");
        }
        final int segment = Math.min(workload.size(), LARGE_SEGMENT);
        final boolean gso = gso();
        final int perSend = gso ? Math.min(SendBatch.MAX_SEGMENTS, NativeUdpSocket.MAX_PAYLOAD / segment) :
            SendBatch.MAX_SEGMENTS;
        final int total = perSend * segment;
        try (Arena arena = Arena.ofShared();
             NativeUdpSocket rx = NativeUdpSocket.open(LOOPBACK, 0, true);
             NativeUdpSocket tx = NativeUdpSocket.open(LOOPBACK, 0, false))
        {
            if (NativeUdpSocket.groSupported())
            {
                rx.enableGro();
            }
            final MemorySegment[] buffers = new MemorySegment[RECEIVE_SLOTS];
            for (int i = 0; i < buffers.length; i++)
            {
                buffers[i] = arena.allocate(RECEIVE_BUFFER, 64);
            }
            final MemorySegment payload = arena.allocate(total, 64);
            payload.fill((byte)0x5A);
            final int port = rx.localPort();
            final RateMeter meter = new RateMeter();
            try (ReceiveBatch receive = new ReceiveBatch(buffers);
                 SendBatch batch = new SendBatch(perSend))
            {
                for (int i = 0; i < perSend; i++)
                {
                    batch.add(payload, (long)i * segment, segment, LOOPBACK, port);
                }
                // the sockets close only after both workers have stopped: never under a thread in a system call
                try (Workers workers = new Workers(peer().option(), settings))
                {
                    workers.start("receiver", () -> receive(workers, rx, receive, workload.size(), meter));
                    workers.start("sender", () ->
                    {
                        while (workers.running())
                        {
                            if (gso)
                            {
                                tx.sendSegmented(payload, 0, total, segment, LOOPBACK, port);
                            }
                            else
                            {
                                tx.sendBatch(batch);
                            }
                        }
                    });
                    return meter.measure(workers, settings);
                }
            }
        }
    }

    private static void receive(final Workers workers, final NativeUdpSocket rx, final ReceiveBatch batch,
        final int messageSize, final RateMeter meter)
    {
        final IdleStrategy idle = Idle.app();
        long datagrams = 0;
        long bytes = 0;
        while (workers.running())
        {
            final int n = rx.receiveBatch(batch);
            for (int i = 0; i < n; i++)
            {
                bytes += batch.length(i);
                datagrams += batch.segments(i);
            }
            if (n > 0)
            {
                // a message is a datagram, or for the large row 64 KiB of them (one softnic 64 KiB write)
                meter.publish(messageSize <= LARGE_SEGMENT ? datagrams : bytes / messageSize, bytes);
            }
            idle.idle(n);
        }
    }
}
