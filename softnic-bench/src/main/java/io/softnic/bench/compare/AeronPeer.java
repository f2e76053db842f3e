package io.softnic.bench.compare;

import io.aeron.Aeron;
import io.aeron.ExclusivePublication;
import io.aeron.Publication;
import io.aeron.Subscription;
import io.aeron.driver.MediaDriver;
import io.aeron.logbuffer.FragmentHandler;
import io.aeron.logbuffer.FrameDescriptor;
import io.aeron.logbuffer.Header;
import io.softnic.bench.compare.Measurement.RoundTrip;
import io.softnic.bench.compare.Measurement.Throughput;
import org.agrona.CloseHelper;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.AgentInvoker;
import org.agrona.concurrent.IdleStrategy;
import org.agrona.concurrent.UnsafeBuffer;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Aeron 1.51, embedded: a publisher and a subscriber streaming messages, and a ping-pong over two streams. Over UDP
 * each side has its own media driver, as each side of softnic has its own engine; IPC needs both on one driver.
 * The drivers run SHARED (one thread each, with softnic's back-off) or INVOKER (the application's threads run their
 * duty cycles), and the clients' conductors always run on the application's threads, so that no thread is added
 * that softnic does not have.
 */
final class AeronPeer implements PeerBench
{
    enum Transport
    {
        UDP,
        IPC
    }

    /** Aeron caps a message at a term/8: 4 MiB terms allow 512 KiB, room for 64 KiB messages. */
    private static final int TERM_LENGTH = 4 << 20;
    /** softnic's path MTU: both put packets of the same size on the wire. */
    private static final int MTU = 4096;
    /** What softnic's native sockets ask for. */
    private static final int SOCKET_BUFFER = 4 << 20;
    /** Flow-control window: half a term, within the socket buffer, so 64 KiB messages stream. */
    private static final int RECEIVER_WINDOW = 2 << 20;
    private static final int STREAM = 1001;
    private static final int PONG_STREAM = 1002;
    private static final int FRAGMENT_LIMIT = 256;
    /** A publisher that never waits still runs its client's duty cycle this often (keep-alives). */
    private static final int SERVICE_EVERY = 256;
    private static final long CONNECT_NANOS = TimeUnit.SECONDS.toNanos(10);
    private static final AtomicInteger DIRECTORIES = new AtomicInteger();

    private final Transport transport;

    AeronPeer(final Transport transport)
    {
        this.transport = transport;
    }

    @Override
    public Peer peer()
    {
        return transport == Transport.UDP ? Peer.AERON_UDP : Peer.AERON_IPC;
    }

    @Override
    public List<String> notes(final Settings settings)
    {
        final String drivers = transport == Transport.UDP ? "a media driver per side" : "one media driver";
        return List.of(peer().label() + ": Aeron " + Aeron.class.getPackage().getImplementationVersion() + ", " +
            drivers + " in " + settings.threading() + " threading, exclusive publication, term " +
            (TERM_LENGTH >> 20) + " MiB" + (transport == Transport.UDP ? ", MTU " + MTU + ", receiver window " +
            (RECEIVER_WINDOW >> 20) + " MiB, socket buffers " + (SOCKET_BUFFER >> 20) + " MiB" : ""));
    }

    @Override
    public Measurement measure(final Workload workload, final Settings settings) throws Exception
    {
        return workload.latency() ? pingPong(workload.size(), settings) : stream(workload.size(), settings);
    }

    private String channel()
    {
        return transport == Transport.IPC ? "aeron:ipc" : "aeron:udp?endpoint=127.0.0.1:" + freeUdpPort();
    }

    private Throughput stream(final int size, final Settings settings) throws Exception
    {
        final List<AutoCloseable> resources = new ArrayList<>();
        try
        {
            final Node rxNode = Node.launch(settings.threading(), resources);
            final Node txNode = transport == Transport.UDP ? Node.launch(settings.threading(), resources) :
                rxNode.secondClient(resources);
            final String channel = channel();
            final Subscription sub = rxNode.aeron.addSubscription(channel, STREAM);
            final ExclusivePublication pub = txNode.aeron.addExclusivePublication(channel, STREAM);
            awaitConnected(txNode, rxNode, pub, sub);
            final RateMeter meter = new RateMeter();
            try (Workers workers = new Workers(peer().option(), settings))
            {
                final MessageCounter counter = new MessageCounter();
                workers.start("subscriber", () -> subscribe(workers, rxNode, sub, counter, meter));
                workers.start("publisher", () -> publish(workers, txNode, pub, size));
                return meter.measure(workers, settings);
            }
        }
        finally
        {
            closeAll(resources);
        }
    }

    private static void subscribe(final Workers workers, final Node node, final Subscription sub,
        final MessageCounter counter, final RateMeter meter)
    {
        final IdleStrategy idle = Idle.app();
        while (workers.running())
        {
            final int fragments = sub.poll(counter, FRAGMENT_LIMIT);
            if (fragments > 0)
            {
                meter.publish(counter.messages, counter.bytes);
            }
            idle.idle(fragments + node.service());
        }
    }

    private static void publish(final Workers workers, final Node node, final ExclusivePublication pub,
        final int size)
    {
        final UnsafeBuffer message = new UnsafeBuffer(ByteBuffer.allocateDirect(size));
        final IdleStrategy idle = Idle.app();
        long sent = 0;
        while (workers.running())
        {
            final long result = pub.offer(message, 0, size);
            if (result > 0)
            {
                if (++sent % SERVICE_EVERY == 0)
                {
                    node.service();
                }
                idle.reset();
            }
            else
            {
                checkOffer(result);
                idle.idle(node.service());
            }
        }
    }

    private RoundTrip pingPong(final int size, final Settings settings) throws Exception
    {
        final List<AutoCloseable> resources = new ArrayList<>();
        try
        {
            final Node pingNode = Node.launch(settings.threading(), resources);
            final Node pongNode = transport == Transport.UDP ? Node.launch(settings.threading(), resources) :
                pingNode.secondClient(resources);
            final String pingChannel = channel();
            final String pongChannel = channel();
            final Subscription pingSub = pongNode.aeron.addSubscription(pingChannel, STREAM);
            final ExclusivePublication pingPub = pingNode.aeron.addExclusivePublication(pingChannel, STREAM);
            final Subscription pongSub = pingNode.aeron.addSubscription(pongChannel, PONG_STREAM);
            final ExclusivePublication pongPub = pongNode.aeron.addExclusivePublication(pongChannel, PONG_STREAM);
            awaitConnected(pingNode, pongNode, pingPub, pingSub);
            awaitConnected(pongNode, pingNode, pongPub, pongSub);
            try (Workers workers = new Workers(peer().option(), settings))
            {
                final Echo echo = new Echo(workers, pongNode, pongPub);
                workers.start("ponger", () ->
                {
                    final IdleStrategy idle = Idle.app();
                    while (workers.running())
                    {
                        idle.idle(pingSub.poll(echo, FRAGMENT_LIMIT) + pongNode.service());
                    }
                });
                final Pinger pinger = new Pinger(workers, pingNode, pingPub, pongSub, size);
                return RoundTrips.measure(settings, workers, pinger);
            }
        }
        finally
        {
            closeAll(resources);
        }
    }

    private static void awaitConnected(final Node a, final Node b, final Publication pub, final Subscription sub)
    {
        final long deadline = System.nanoTime() + CONNECT_NANOS;
        final IdleStrategy idle = Idle.app();
        while (!pub.isConnected() || !sub.isConnected())
        {
            if (System.nanoTime() - deadline > 0)
            {
                throw new BenchFailure("publication " + pub.channel() + " did not connect in 10 s");
            }
            idle.idle(a.service() + b.service());
        }
    }

    private static void checkOffer(final long result)
    {
        if (result == Publication.CLOSED || result == Publication.MAX_POSITION_EXCEEDED)
        {
            throw new BenchFailure("offer failed: " + Publication.errorString(result));
        }
    }

    private static void closeAll(final List<AutoCloseable> resources)
    {
        // clients before their drivers: the reverse of the order they were made in
        for (int i = resources.size() - 1; i >= 0; i--)
        {
            CloseHelper.quietClose(resources.get(i));
        }
    }

    static int freeUdpPort()
    {
        try (DatagramSocket s = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0)))
        {
            return s.getLocalPort();
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException("no free UDP port on loopback", ex);
        }
    }

    /**
     * A media driver and a client of it, or a second client of another node's driver (IPC). Whoever owns the node
     * runs {@link #service()}: the client's conductor always, the driver's agents too in INVOKER threading.
     */
    private static final class Node
    {
        final Aeron aeron;
        private final AgentInvoker conductor;
        private final AgentInvoker driver;

        private Node(final Aeron aeron, final AgentInvoker driver)
        {
            this.aeron = aeron;
            this.conductor = aeron.conductorAgentInvoker();
            this.driver = driver;
        }

        static Node launch(final Threading threading, final List<AutoCloseable> resources)
        {
            final MediaDriver.Context ctx = new MediaDriver.Context()
                .aeronDirectoryName(directory())
                .dirDeleteOnStart(true)
                .dirDeleteOnShutdown(true)
                .warnIfDirectoryExists(false)
                .printConfigurationOnStart(false)
                .threadingMode(threading == Threading.INVOKER ? io.aeron.driver.ThreadingMode.INVOKER :
                    io.aeron.driver.ThreadingMode.SHARED)
                .sharedIdleStrategy(Idle.device())
                .publicationTermBufferLength(TERM_LENGTH)
                .ipcTermBufferLength(TERM_LENGTH)
                .mtuLength(MTU)
                .initialWindowLength(RECEIVER_WINDOW)
                .socketSndbufLength(SOCKET_BUFFER)
                .socketRcvbufLength(SOCKET_BUFFER);
            final MediaDriver driver = MediaDriver.launch(ctx);
            resources.add(driver);
            final AgentInvoker invoker = driver.sharedAgentInvoker();
            return new Node(connect(driver.aeronDirectoryName(), invoker, resources), invoker);
        }

        /** Another client of this node's driver; it never runs the driver's agents (they are not thread-safe). */
        Node secondClient(final List<AutoCloseable> resources)
        {
            return new Node(connect(aeron.context().aeronDirectoryName(), driver, resources), null);
        }

        private static Aeron connect(final String dir, final AgentInvoker driver, final List<AutoCloseable> res)
        {
            // with an invoker, the client's synchronous calls (made on the setting-up thread) run the driver
            final Aeron aeron = Aeron.connect(new Aeron.Context()
                .aeronDirectoryName(dir)
                .useConductorAgentInvoker(true)
                .driverAgentInvoker(driver)
                .awaitingIdleStrategy(Idle.app()));
            res.add(aeron);
            return aeron;
        }

        int service()
        {
            final int work = conductor.invoke();
            return driver == null ? work : work + driver.invoke();
        }

        private static String directory()
        {
            final Path shm = Path.of("/dev/shm");
            final Path base = Files.isDirectory(shm) ? shm : Path.of(System.getProperty("java.io.tmpdir"));
            return base.resolve("softnic-compare-aeron-" + ProcessHandle.current().pid() + "-" +
                DIRECTORIES.incrementAndGet()).toString();
        }
    }

    /** Counts bytes per fragment and a message at each end fragment: no reassembly copy. */
    private static final class MessageCounter implements FragmentHandler
    {
        long messages;
        long bytes;

        @Override
        public void onFragment(final DirectBuffer buffer, final int offset, final int length, final Header header)
        {
            bytes += length;
            if ((header.flags() & FrameDescriptor.END_FRAG_FLAG) != 0)
            {
                messages++;
            }
        }
    }

    /** The ponger: sends each ping straight back. */
    private static final class Echo implements FragmentHandler
    {
        private final Workers workers;
        private final Node node;
        private final ExclusivePublication pub;
        private final IdleStrategy idle = Idle.app();

        Echo(final Workers workers, final Node node, final ExclusivePublication pub)
        {
            this.workers = workers;
            this.node = node;
            this.pub = pub;
        }

        @Override
        public void onFragment(final DirectBuffer buffer, final int offset, final int length, final Header header)
        {
            idle.reset();
            long result;
            while ((result = pub.offer(buffer, offset, length)) < 0 && workers.running())
            {
                checkOffer(result);
                idle.idle(node.service());
            }
        }
    }

    /** The pinger: one message out, then wait for its echo. */
    private static final class Pinger implements RoundTrips.Exchange, FragmentHandler
    {
        private final Workers workers;
        private final Node node;
        private final ExclusivePublication pub;
        private final Subscription sub;
        private final UnsafeBuffer message;
        private final int size;
        private final IdleStrategy idle = Idle.app();
        private boolean answered;

        Pinger(final Workers workers, final Node node, final ExclusivePublication pub, final Subscription sub,
            final int size)
        {
            this.workers = workers;
            this.node = node;
            this.pub = pub;
            this.sub = sub;
            this.size = size;
            this.message = new UnsafeBuffer(ByteBuffer.allocateDirect(size));
        }

        @Override
        public void roundTrip()
        {
            idle.reset();
            long result;
            while ((result = pub.offer(message, 0, size)) < 0)
            {
                checkOffer(result);
                waitOnce(node.service());
            }
            answered = false;
            idle.reset();
            while (!answered)
            {
                waitOnce(sub.poll(this, 1) + node.service());
            }
        }

        private void waitOnce(final int work)
        {
            if (work == 0)
            {
                workers.checkAlive();
            }
            idle.idle(work);
        }

        @Override
        public void onFragment(final DirectBuffer buffer, final int offset, final int length, final Header header)
        {
            answered = true;
        }
    }
}
