package io.softnic.engine.port;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.management.ManagementFactory;
import java.net.BindException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

@Timeout(value = 30, unit = TimeUnit.SECONDS)
class NativeUdpSocketTest
{
    private static final int LOOPBACK = 0x7F000001;

    private Arena arena;
    private final List<AutoCloseable> closeables = new ArrayList<>();

    @BeforeEach
    void setUp()
    {
        assumeTrue(NativeUdpSocket.isAvailable(), "NativeUdpSocket needs Linux on x86_64/aarch64; this is " +
            System.getProperty("os.name") + "/" + System.getProperty("os.arch"));
        arena = Arena.ofShared();
    }

    @AfterEach
    void tearDown() throws Exception
    {
        for (final AutoCloseable c : closeables.reversed())
        {
            c.close();
        }
        if (arena != null)
        {
            arena.close();
        }
    }

    private <T extends AutoCloseable> T track(final T c)
    {
        closeables.add(c);
        return c;
    }

    private NativeUdpSocket open() throws IOException
    {
        return track(NativeUdpSocket.open(LOOPBACK, 0, true));
    }

    private ReceiveBatch receiveBatch(final int slots, final int slotSize)
    {
        final MemorySegment[] buffers = new MemorySegment[slots];
        for (int i = 0; i < slots; i++)
        {
            buffers[i] = arena.allocate(slotSize);
        }
        return track(new ReceiveBatch(buffers));
    }

    private static byte[] pattern(final int seed, final int length)
    {
        final byte[] b = new byte[length];
        for (int j = 0; j < length; j++)
        {
            b[j] = (byte)(seed * 31 + j * 7 + (j >>> 8));
        }
        return b;
    }

    /** Polls until {@code expected} datagrams have arrived (or 5 s pass), collecting their bytes and details. */
    private static List<byte[]> receive(final NativeUdpSocket socket, final ReceiveBatch batch, final int expected,
        final List<int[]> details) throws InterruptedException
    {
        final List<byte[]> got = new ArrayList<>();
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (got.size() < expected && System.nanoTime() < deadline)
        {
            final int n = socket.receiveBatch(batch);
            if (n == 0)
            {
                Thread.sleep(1);
            }
            for (int i = 0; i < n; i++)
            {
                got.add(batch.data(i).toArray(JAVA_BYTE));
                details.add(new int[] {batch.sourceIpv4(i), batch.sourcePort(i), batch.gsoSize(i), batch.length(i)});
                assertFalse(batch.truncated(i));
            }
        }
        return got;
    }

    @Test
    void sendBatchOf32ArrivesInOrderWithExactBytes() throws Exception
    {
        final NativeUdpSocket tx = open();
        final NativeUdpSocket rx = open();
        assertNotEquals(0, tx.localPort());
        assertNotEquals(tx.localPort(), rx.localPort());

        final SendBatch batch = track(new SendBatch(32));
        final MemorySegment payload = arena.allocate(64 * 1024);
        final byte[][] sent = new byte[32][];
        long offset = 0;
        for (int i = 0; i < 32; i++)
        {
            sent[i] = pattern(i, 1 + i * 37);
            MemorySegment.copy(sent[i], 0, payload, JAVA_BYTE, offset, sent[i].length);
            assertTrue(batch.add(payload, offset, sent[i].length, LOOPBACK, rx.localPort()));
            offset += sent[i].length + 3;
        }
        assertFalse(batch.add(payload, 0, 1, LOOPBACK, rx.localPort()), "a full batch takes no more");
        assertEquals(32, tx.sendBatch(batch));

        final List<int[]> details = new ArrayList<>();
        final List<byte[]> got = receive(rx, receiveBatch(32, 2048), 32, details);
        assertEquals(32, got.size());
        for (int i = 0; i < 32; i++)
        {
            assertArrayEquals(sent[i], got.get(i), "datagram " + i);
            assertEquals(LOOPBACK, details.get(i)[0]);
            assertEquals(tx.localPort(), details.get(i)[1]);
            assertEquals(0, details.get(i)[2]);
            assertEquals(sent[i].length, details.get(i)[3]);
        }
    }

    @Test
    void bindConflictIsAClearError() throws Exception
    {
        final NativeUdpSocket first = open();
        final BindException ex = assertThrows(BindException.class,
            () -> track(NativeUdpSocket.open(LOOPBACK, first.localPort(), true)));
        assertTrue(ex.getMessage().contains("bind(127.0.0.1:" + first.localPort() + ")"), ex.getMessage());
        assertTrue(ex.getMessage().contains("address in use"), ex.getMessage());
        assertTrue(ex.getMessage().contains("errno 98"), ex.getMessage());
    }

    @Test
    void nonBlockingReceiveOnEmptySocketReturnsZero() throws Exception
    {
        final NativeUdpSocket rx = open();
        final ReceiveBatch batch = receiveBatch(8, 2048);
        assertEquals(0, rx.receiveBatch(batch));
        assertEquals(0, batch.count());
        // MSG_DONTWAIT: a blocking socket does not block either
        final NativeUdpSocket blocking = track(NativeUdpSocket.open(LOOPBACK, 0, false));
        assertEquals(0, blocking.receiveBatch(batch));
    }

    @Test
    void closedSocketRefusesUse() throws Exception
    {
        final NativeUdpSocket s = NativeUdpSocket.open(LOOPBACK, 0, true);
        s.close();
        s.close();
        assertTrue(s.isClosed());
        assertThrows(IllegalStateException.class, s::localPort);
    }

    @Test
    void gsoSendArrivesAsSeparateDatagramsWithoutGro() throws Exception
    {
        assumeTrue(NativeUdpSocket.gsoSupported(), "UDP GSO (UDP_SEGMENT) is not supported by this kernel");
        final NativeUdpSocket tx = open();
        final NativeUdpSocket rx = open();
        final byte[] all = pattern(5, 10 * 1000 + 500);
        final MemorySegment payload = arena.allocate(all.length + 16);
        MemorySegment.copy(all, 0, payload, JAVA_BYTE, 16, all.length);

        assertEquals(11, tx.sendSegmented(payload, 16, all.length, 1000, LOOPBACK, rx.localPort()));

        final List<int[]> details = new ArrayList<>();
        final List<byte[]> got = receive(rx, receiveBatch(16, 2048), 11, details);
        assertEquals(11, got.size());
        for (int i = 0; i < 11; i++)
        {
            final int len = i < 10 ? 1000 : 500;
            final byte[] expected = new byte[len];
            System.arraycopy(all, i * 1000, expected, 0, len);
            assertArrayEquals(expected, got.get(i), "segment " + i);
            assertEquals(tx.localPort(), details.get(i)[1]);
            assertEquals(0, details.get(i)[2]);
        }
    }

    @Test
    void groCoalescesAGsoSendAndReportsTheSegmentSize() throws Exception
    {
        assumeTrue(NativeUdpSocket.gsoSupported(), "UDP GSO (UDP_SEGMENT) is not supported by this kernel");
        assumeTrue(NativeUdpSocket.groSupported(), "UDP GRO is not supported by this kernel");
        final NativeUdpSocket tx = open();
        final NativeUdpSocket rx = open();
        rx.enableGro();
        assertTrue(rx.groEnabled());
        final byte[] all = pattern(9, 10 * 1000 + 500);
        final MemorySegment payload = arena.allocate(all.length);
        MemorySegment.copy(all, 0, payload, JAVA_BYTE, 0, all.length);

        assertEquals(11, tx.sendSegmented(payload, 0, all.length, 1000, LOOPBACK, rx.localPort()));

        final ReceiveBatch batch = receiveBatch(16, 64 * 1024);
        final ByteArrayOutputStream concatenated = new ByteArrayOutputStream();
        int receives = 0;
        int segments = 0;
        boolean sawGso = false;
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (concatenated.size() < all.length && System.nanoTime() < deadline)
        {
            final int n = rx.receiveBatch(batch);
            if (n == 0)
            {
                Thread.sleep(1);
            }
            for (int i = 0; i < n; i++)
            {
                receives++;
                segments += batch.segments(i);
                if (batch.length(i) > 1000)
                {
                    assertEquals(1000, batch.gsoSize(i), "super-datagram " + i + " of " + batch.length(i) + " B");
                    sawGso = true;
                }
                concatenated.writeBytes(batch.data(i).toArray(JAVA_BYTE));
            }
        }
        assertArrayEquals(all, concatenated.toByteArray());
        assertTrue(sawGso, "a GRO super-datagram with a gso_size control message");
        assertTrue(receives < 11, "GRO coalesced: " + receives + " receives");
        assertEquals(11, segments);
    }

    @Test
    void interoperatesWithDatagramChannelBothWays() throws Exception
    {
        final NativeUdpSocket nativeSocket = open();
        final DatagramChannel channel = track(DatagramChannel.open(StandardProtocolFamily.INET));
        channel.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        final int channelPort = ((InetSocketAddress)channel.getLocalAddress()).getPort();

        // DatagramChannel -> native
        final byte[] toNative = pattern(1, 777);
        channel.send(ByteBuffer.wrap(toNative), new InetSocketAddress(InetAddress.getLoopbackAddress(),
            nativeSocket.localPort()));
        final List<int[]> details = new ArrayList<>();
        final List<byte[]> got = receive(nativeSocket, receiveBatch(4, 2048), 1, details);
        assertEquals(1, got.size());
        assertArrayEquals(toNative, got.getFirst());
        assertEquals(LOOPBACK, details.getFirst()[0]);
        assertEquals(channelPort, details.getFirst()[1]);

        // native -> DatagramChannel
        final SendBatch batch = track(new SendBatch(4));
        final MemorySegment payload = arena.allocate(4096);
        final byte[][] sent = {pattern(2, 100), pattern(3, 1400), pattern(4, 1)};
        long offset = 0;
        for (final byte[] s : sent)
        {
            MemorySegment.copy(s, 0, payload, JAVA_BYTE, offset, s.length);
            batch.add(payload, offset, s.length, LOOPBACK, channelPort);
            offset += s.length;
        }
        assertEquals(3, nativeSocket.sendBatch(batch));
        final ByteBuffer in = ByteBuffer.allocate(2048);
        for (final byte[] s : sent)
        {
            in.clear();
            final InetSocketAddress from = (InetSocketAddress)channel.receive(in);
            in.flip();
            final byte[] b = new byte[in.remaining()];
            in.get(b);
            assertArrayEquals(s, b);
            assertEquals(nativeSocket.localPort(), from.getPort());
            assertEquals(InetAddress.getLoopbackAddress(), from.getAddress());
        }
    }

    @Test
    void addSegmentGroupsOnlyBackToBackEqualPacketsOfOneDestination()
    {
        final SendBatch batch = track(new SendBatch(8));
        final MemorySegment buf = arena.allocate(256 * 1024);
        long at = 0;
        for (int i = 0; i < 5; i++, at += 1000)
        {
            assertTrue(batch.addSegment(buf, at, 1000, LOOPBACK, 4791));
        }
        assertTrue(batch.addSegment(buf, at, 300, LOOPBACK, 4791));     // a shorter last segment ends the run
        at += 300;
        assertEquals(1, batch.size());
        assertEquals(6, batch.segments(0));
        assertEquals(5300, batch.length(0));
        assertTrue(batch.addSegment(buf, at, 300, LOOPBACK, 4791));     // after a short one: a new message
        at += 300;
        assertEquals(2, batch.size());
        assertTrue(batch.addSegment(buf, at, 300, LOOPBACK + 1, 4791)); // another destination
        assertTrue(batch.addSegment(buf, at + 400, 300, LOOPBACK + 1, 4791)); // not back to back
        assertTrue(batch.addSegment(buf, at + 700, 400, LOOPBACK + 1, 4791)); // longer than the run's size
        assertEquals(5, batch.size());
        assertEquals(1, batch.segments(4));

        batch.clear();
        for (int i = 0; i < SendBatch.MAX_SEGMENTS + 1; i++)
        {
            assertTrue(batch.addSegment(buf, i * 100L, 100, LOOPBACK, 4791));
        }
        assertEquals(2, batch.size(), "a run stops at the kernel's segment limit");
        assertEquals(SendBatch.MAX_SEGMENTS, batch.segments(0));

        batch.clear();
        for (int i = 0; i < 20; i++)
        {
            assertTrue(batch.addSegment(buf, i * 4000L, 4000, LOOPBACK, 4791));
        }
        assertEquals(2, batch.size(), "a run stops below 64 KiB");
        assertEquals(16, batch.segments(0));
        batch.removeFirst(1);
        assertEquals(4, batch.segments(0), "what is left keeps its segments");
        assertEquals(16000, batch.length(0));
    }

    @Test
    void segmentedBatchArrivesAsTheDatagramsThatWereAdded() throws Exception
    {
        assumeTrue(NativeUdpSocket.gsoSupported(), "UDP GSO (UDP_SEGMENT) is not supported by this kernel");
        final NativeUdpSocket tx = open();
        final NativeUdpSocket rx = open();
        final SendBatch batch = track(new SendBatch(4));
        final int[] lengths = {1200, 1200, 1200, 700, 64, 64, 1500};
        int total = 0;
        for (final int length : lengths)
        {
            total += length;
        }
        final byte[] all = pattern(9, total);
        final MemorySegment payload = arena.allocate(total);
        MemorySegment.copy(all, 0, payload, JAVA_BYTE, 0, total);
        long at = 0;
        for (final int length : lengths)
        {
            assertTrue(batch.addSegment(payload, at, length, LOOPBACK, rx.localPort()));
            at += length;
        }
        assertEquals(3, batch.size(), "1200x3+700 | 64x2 | 1500");
        assertEquals(3, tx.sendBatch(batch));

        final List<byte[]> got = receive(rx, receiveBatch(16, 2048), lengths.length, new ArrayList<>());
        assertEquals(lengths.length, got.size());
        int offset = 0;
        for (int i = 0; i < lengths.length; i++)
        {
            final byte[] expected = new byte[lengths[i]];
            System.arraycopy(all, offset, expected, 0, lengths[i]);
            assertArrayEquals(expected, got.get(i), "datagram " + i);
            offset += lengths[i];
        }
    }

    @Test
    void partialSendCanBeResumed() throws Exception
    {
        final SendBatch batch = track(new SendBatch(4));
        final MemorySegment payload = arena.allocate(64);
        for (int i = 0; i < 4; i++)
        {
            batch.add(payload, i, 10 + i, LOOPBACK, 1000 + i);
        }
        batch.removeFirst(3);
        assertEquals(1, batch.size());
        assertEquals(13, batch.length(0));
        assertThrows(IllegalArgumentException.class, () -> batch.add(MemorySegment.ofArray(new byte[4]), 0, 4,
            LOOPBACK, 1));
        assertThrows(IndexOutOfBoundsException.class, () -> batch.add(payload, 60, 5, LOOPBACK, 1));
    }

    @Test
    void sendingInBatchesAllocatesAlmostNothing() throws Exception
    {
        assumeTrue(ManagementFactory.getThreadMXBean() instanceof com.sun.management.ThreadMXBean bean &&
            bean.isThreadAllocatedMemorySupported() && bean.isThreadAllocatedMemoryEnabled(),
            "per-thread allocation accounting is not supported by this JVM");
        final com.sun.management.ThreadMXBean bean =
            (com.sun.management.ThreadMXBean)ManagementFactory.getThreadMXBean();
        final NativeUdpSocket tx = open();
        final NativeUdpSocket rx = open();   // read a little: the kernel drops what overflows its buffer
        final int port = rx.localPort();
        final SendBatch batch = track(new SendBatch(32));
        final MemorySegment payload = arena.allocate(32 * 64);
        final ReceiveBatch receive = receiveBatch(8, 2048);

        sendInBatches(tx, batch, payload, port, 200_000, rx, receive);     // warm up, let the JIT compile the path
        final long before = bean.getCurrentThreadAllocatedBytes();
        final long sent = sendInBatches(tx, batch, payload, port, 200_000, rx, receive);
        final long allocated = bean.getCurrentThreadAllocatedBytes() - before;

        assertTrue(sent >= 200_000, "sent " + sent);
        assertTrue(allocated < 200L * 1024, "allocated " + allocated + " bytes for " + sent + " datagrams");
    }

    private static long sendInBatches(final NativeUdpSocket tx, final SendBatch batch, final MemorySegment payload,
        final int port, final int datagrams, final NativeUdpSocket rx, final ReceiveBatch receive)
    {
        long sent = 0;
        while (sent < datagrams)
        {
            batch.clear();
            for (int i = 0; i < 32; i++)
            {
                batch.add(payload, i * 64L, 64, LOOPBACK, port);
            }
            final int n = tx.sendBatch(batch);
            sent += n;
            rx.receiveBatch(receive);
            if (n == 0)
            {
                Thread.onSpinWait();
            }
        }
        return sent;
    }
}
