package io.softnic.engine.port;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Locale;
import java.util.Objects;

import static io.softnic.engine.port.LinuxUdp.EAGAIN;
import static io.softnic.engine.port.LinuxUdp.EINTR;
import static io.softnic.engine.port.LinuxUdp.SOCKADDR_IN_SIZE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

/**
 * A Linux IPv4 UDP socket driven entirely through {@code java.lang.foreign} downcalls to libc, for batched I/O the
 * JDK's channels do not offer: {@code sendmmsg}, UDP GSO ({@code UDP_SEGMENT}), {@code recvmmsg} and UDP GRO.
 * <p>
 * DF is set (IP_PMTUDISC_DO), so the kernel writes IP identification 0 on unconnected sends. IPv4 addresses are
 * ints with the first octet most significant (127.0.0.1 is 0x7F000001).
 * <p>
 * Threading: one thread may send while another receives; sends must not run concurrently with each other (they
 * share the GSO message and errno slot), nor receives with each other. The data-path calls allocate nothing.
 * They report would-block (EAGAIN) as 0 and other failures as {@link UncheckedIOException}s naming the call and
 * errno. Needs {@code --enable-native-access} for the unnamed module (or this one) to run without a warning.
 */
public final class NativeUdpSocket implements AutoCloseable
{
    private static final boolean AVAILABLE = probeAvailable();
    /** The largest UDP payload an IPv4 datagram carries. */
    public static final int MAX_PAYLOAD = 65_507;
    private static final int DEFAULT_BUFFER_BYTES = 4 << 20;
    private static final int LOOPBACK = 0x7F000001;
    /** Failed receives between two that learn their errno (a power of two). */
    private static final int ERRNO_CHECK_INTERVAL = 1024;

    private final int fd;
    private final int boundIpv4;
    private final MemorySegment txState;
    private final MemorySegment rxState;
    private final MemorySegment gsoMessage;
    private final MemorySegment gsoIovec;
    private final MemorySegment gsoAddress;
    private final MemorySegment gsoControl;
    private int failedReceives;
    private volatile boolean closed;
    private volatile boolean groEnabled;
    private int localPort = -1;

    private NativeUdpSocket(final int fd, final int boundIpv4)
    {
        this.fd = fd;
        this.boundIpv4 = boundIpv4;
        // small and shared between a sending and a receiving thread: let the GC free it, so close() cannot race
        final Arena arena = Arena.ofAuto();
        txState = arena.allocate(LinuxUdp.CALL_STATE);
        rxState = arena.allocate(LinuxUdp.CALL_STATE);
        gsoMessage = arena.allocate(LinuxUdp.MSGHDR);
        gsoIovec = arena.allocate(LinuxUdp.IOVEC);
        gsoAddress = arena.allocate(LinuxUdp.SOCKADDR_IN);
        gsoControl = arena.allocate(LinuxUdp.cmsgSpace(2), 8);
        gsoMessage.set(JAVA_LONG, LinuxUdp.MSG_NAME, gsoAddress.address());
        gsoMessage.set(JAVA_INT, LinuxUdp.MSG_NAMELEN, (int)SOCKADDR_IN_SIZE);
        gsoMessage.set(JAVA_LONG, LinuxUdp.MSG_IOV, gsoIovec.address());
        gsoMessage.set(JAVA_LONG, LinuxUdp.MSG_IOVLEN, 1L);
        gsoMessage.set(JAVA_LONG, LinuxUdp.MSG_CONTROL, gsoControl.address());
        gsoMessage.set(JAVA_LONG, LinuxUdp.MSG_CONTROLLEN, LinuxUdp.cmsgSpace(2));
        gsoMessage.set(JAVA_INT, LinuxUdp.MSG_FLAGS, 0);
        gsoControl.set(JAVA_LONG, LinuxUdp.CMSG_LEN_FIELD, LinuxUdp.cmsgLen(2));
        gsoControl.set(JAVA_INT, LinuxUdp.CMSG_LEVEL, LinuxUdp.SOL_UDP);
        gsoControl.set(JAVA_INT, LinuxUdp.CMSG_TYPE, LinuxUdp.UDP_SEGMENT);
    }

    private static boolean probeAvailable()
    {
        final String os = System.getProperty("os.name", "").toLowerCase(Locale.ROOT);
        final String arch = System.getProperty("os.arch", "").toLowerCase(Locale.ROOT);
        if (!os.startsWith("linux") || !(arch.equals("amd64") || arch.equals("x86_64") || arch.equals("aarch64")))
        {
            return false;
        }
        try
        {
            return LinuxUdp.MMSGHDR_SIZE == 64 && ValueLayout.ADDRESS.byteSize() == 8;
        }
        catch (final Throwable t)   // no libc symbol, native access denied, ...: unavailable rather than broken
        {
            return false;
        }
    }

    /** Whether this platform (64-bit Linux on x86_64 or aarch64 with the libc calls) can run native sockets. */
    public static boolean isAvailable()
    {
        return AVAILABLE;
    }

    static void requireAvailable()
    {
        if (!AVAILABLE)
        {
            throw new UnsupportedOperationException("native UDP sockets need Linux on x86_64 or aarch64; this is " +
                System.getProperty("os.name") + " on " + System.getProperty("os.arch"));
        }
    }

    /** {@link #open(int, int, boolean, int)} asking for 4 MiB socket buffers. */
    public static NativeUdpSocket open(final int bindIpv4, final int bindPort, final boolean nonBlocking)
        throws IOException
    {
        return open(bindIpv4, bindPort, nonBlocking, DEFAULT_BUFFER_BYTES);
    }

    /**
     * Opens a UDP socket bound to {@code bindIpv4:bindPort} (port 0: an ephemeral one), with DF set and send and
     * receive buffers of {@code bufferBytes} if the kernel allows (best effort: it caps them at its maximum).
     *
     * @throws java.net.BindException when the address is in use or not local
     */
    public static NativeUdpSocket open(final int bindIpv4, final int bindPort, final boolean nonBlocking,
        final int bufferBytes) throws IOException
    {
        requireAvailable();
        if ((bindPort & ~0xFFFF) != 0)
        {
            throw new IllegalArgumentException("port out of range: " + bindPort);
        }
        try (Arena arena = Arena.ofConfined())
        {
            final MemorySegment state = arena.allocate(LinuxUdp.CALL_STATE);
            final int type = LinuxUdp.SOCK_DGRAM | LinuxUdp.SOCK_CLOEXEC | (nonBlocking ? LinuxUdp.SOCK_NONBLOCK : 0);
            final int fd = (int)LinuxUdp.SOCKET.invokeExact(state, LinuxUdp.AF_INET, type, 0);
            if (fd < 0)
            {
                throw LinuxUdp.error("socket(AF_INET, SOCK_DGRAM)", LinuxUdp.errno(state));
            }
            final NativeUdpSocket socket = new NativeUdpSocket(fd, bindIpv4);
            try
            {
                socket.setIntOption(arena, LinuxUdp.IPPROTO_IP, LinuxUdp.IP_MTU_DISCOVER, LinuxUdp.IP_PMTUDISC_DO,
                    "setsockopt(IP_MTU_DISCOVER, IP_PMTUDISC_DO)");
                if (bufferBytes > 0)
                {
                    socket.trySetIntOption(arena, LinuxUdp.SOL_SOCKET, LinuxUdp.SO_RCVBUF, bufferBytes);
                    socket.trySetIntOption(arena, LinuxUdp.SOL_SOCKET, LinuxUdp.SO_SNDBUF, bufferBytes);
                }
                final MemorySegment address = arena.allocate(LinuxUdp.SOCKADDR_IN);
                LinuxUdp.writeSockaddr(address, 0, bindIpv4, bindPort);
                final int rc = (int)LinuxUdp.BIND.invokeExact(state, fd, address, (int)SOCKADDR_IN_SIZE);
                if (rc != 0)
                {
                    throw LinuxUdp.error("bind(" + LinuxUdp.ipv4String(bindIpv4) + ":" + bindPort + ")",
                        LinuxUdp.errno(state));
                }
                socket.localPort = socket.queryLocalPort();
                return socket;
            }
            catch (final Throwable t)
            {
                socket.close();
                throw t;
            }
        }
        catch (final IOException | RuntimeException | Error e)
        {
            throw e;
        }
        catch (final Throwable t)
        {
            throw LinuxUdp.rethrow(t);
        }
    }

    private void setIntOption(final Arena arena, final int level, final int name, final int value, final String what)
        throws IOException
    {
        final MemorySegment state = arena.allocate(LinuxUdp.CALL_STATE);
        if (!trySetIntOption(arena, level, name, value, state))
        {
            throw LinuxUdp.error(what, LinuxUdp.errno(state));
        }
    }

    private void trySetIntOption(final Arena arena, final int level, final int name, final int value)
    {
        trySetIntOption(arena, level, name, value, arena.allocate(LinuxUdp.CALL_STATE));
    }

    private boolean trySetIntOption(final Arena arena, final int level, final int name, final int value,
        final MemorySegment state)
    {
        final MemorySegment v = arena.allocateFrom(JAVA_INT, value);
        try
        {
            return (int)LinuxUdp.SETSOCKOPT.invokeExact(state, fd, level, name, v, (int)JAVA_INT.byteSize()) == 0;
        }
        catch (final Throwable t)
        {
            throw LinuxUdp.rethrow(t);
        }
    }

    /** The file descriptor, for polling. */
    public int fd()
    {
        return fd;
    }

    /** The IPv4 address the socket was bound to (0 for any). */
    public int localIpv4()
    {
        return boundIpv4;
    }

    /**
     * The bound port (the ephemeral one the kernel picked when bound to port 0), read with getsockname once the
     * socket is bound; free to call on the data path.
     */
    public int localPort()
    {
        ensureOpen();
        return localPort;
    }

    private int queryLocalPort()
    {
        try (Arena arena = Arena.ofConfined())
        {
            final MemorySegment state = arena.allocate(LinuxUdp.CALL_STATE);
            final MemorySegment address = arena.allocate(LinuxUdp.SOCKADDR_IN);
            final MemorySegment length = arena.allocateFrom(JAVA_INT, (int)SOCKADDR_IN_SIZE);
            final int rc = (int)LinuxUdp.GETSOCKNAME.invokeExact(state, fd, address, length);
            if (rc != 0)
            {
                throw new UncheckedIOException(LinuxUdp.error("getsockname", LinuxUdp.errno(state)));
            }
            return address.get(LinuxUdp.U16_BE, LinuxUdp.SIN_PORT) & 0xFFFF;
        }
        catch (final Throwable t)
        {
            throw LinuxUdp.rethrow(t);
        }
    }

    /**
     * Sends the batch's datagrams, in order, with one sendmmsg. Returns how many went (from the front of the
     * batch): all of them on a blocking socket unless one failed after others went; possibly fewer, or 0 when the
     * send buffer is full, on a non-blocking one. The batch is left as it was; see {@link SendBatch#removeFirst}.
     */
    public int sendBatch(final SendBatch batch)
    {
        ensureOpen();
        final int n = batch.size();
        if (n == 0)
        {
            return 0;
        }
        try
        {
            final int sent = (int)LinuxUdp.SENDMMSG_NO_ERRNO.invokeExact(fd, batch.messages, n, 0);
            if (sent >= 0)
            {
                return sent;
            }
        }
        catch (final Throwable t)
        {
            throw LinuxUdp.rethrow(t);
        }
        while (true)    // it failed: repeat it with errno captured to learn why
        {
            final int sent;
            try
            {
                sent = (int)LinuxUdp.SENDMMSG.invokeExact(txState, fd, batch.messages, n, 0);
            }
            catch (final Throwable t)
            {
                throw LinuxUdp.rethrow(t);
            }
            if (sent >= 0)
            {
                return sent;
            }
            final int errno = LinuxUdp.errno(txState);
            if (errno == EAGAIN)
            {
                return 0;
            }
            if (errno != EINTR)
            {
                throw new UncheckedIOException(LinuxUdp.error("sendmmsg(" + n + " datagrams)", errno));
            }
        }
    }

    /**
     * Sends {@code totalLength} bytes at {@code offset} in the native segment {@code buf} as datagrams of
     * {@code segmentSize} bytes (the last may be shorter) to {@code dstIpv4:dstPort} with one sendmsg carrying
     * UDP_SEGMENT (generic segmentation offload). The kernel takes at most 64 segments (128 on newer kernels) and
     * {@link #MAX_PAYLOAD} bytes per call. Returns the number of datagrams sent, or 0 when the send would block.
     * See {@link #gsoSupported()}.
     */
    public int sendSegmented(final MemorySegment buf, final long offset, final int totalLength, final int segmentSize,
        final int dstIpv4, final int dstPort)
    {
        ensureOpen();
        if (!buf.isNative())
        {
            throw new IllegalArgumentException("payload must be a native (off-heap) segment");
        }
        Objects.checkFromIndexSize(offset, totalLength, buf.byteSize());
        if (totalLength < 1 || segmentSize < 1 || segmentSize > 0xFFFF)
        {
            throw new IllegalArgumentException("need totalLength > 0 and segmentSize in 1..65535: " + totalLength +
                ", " + segmentSize);
        }
        if ((dstPort & ~0xFFFF) != 0)
        {
            throw new IllegalArgumentException("port out of range: " + dstPort);
        }
        gsoIovec.set(JAVA_LONG, LinuxUdp.IOV_BASE, buf.address() + offset);
        gsoIovec.set(JAVA_LONG, LinuxUdp.IOV_LEN, totalLength);
        LinuxUdp.writeSockaddr(gsoAddress, 0, dstIpv4, dstPort);
        gsoControl.set(JAVA_SHORT, LinuxUdp.CMSG_DATA, (short)segmentSize);
        try
        {
            if ((long)LinuxUdp.SENDMSG_NO_ERRNO.invokeExact(fd, gsoMessage, 0) >= 0)
            {
                return (totalLength + segmentSize - 1) / segmentSize;
            }
        }
        catch (final Throwable t)
        {
            throw LinuxUdp.rethrow(t);
        }
        while (true)    // it failed: repeat it with errno captured to learn why
        {
            final long sent;
            try
            {
                sent = (long)LinuxUdp.SENDMSG.invokeExact(txState, fd, gsoMessage, 0);
            }
            catch (final Throwable t)
            {
                throw LinuxUdp.rethrow(t);
            }
            if (sent >= 0)
            {
                return (totalLength + segmentSize - 1) / segmentSize;
            }
            final int errno = LinuxUdp.errno(txState);
            if (errno == EAGAIN)
            {
                return 0;
            }
            if (errno != EINTR)
            {
                throw new UncheckedIOException(LinuxUdp.error("sendmsg(UDP_SEGMENT " + segmentSize + ", " +
                    totalLength + " bytes)", errno));
            }
        }
    }

    /**
     * Receives what is queued, up to the batch's capacity, with one recvmmsg(MSG_DONTWAIT), and returns how many
     * slots it filled (0 when nothing is queued); the batch then describes them.
     */
    public int receiveBatch(final ReceiveBatch batch)
    {
        ensureOpen();
        batch.reset();
        try
        {
            final int n = (int)LinuxUdp.RECVMMSG_NO_ERRNO.invokeExact(fd, batch.messages, batch.capacity(),
                LinuxUdp.MSG_DONTWAIT, MemorySegment.NULL);
            if (n >= 0)
            {
                batch.received(n);
                return n;
            }
        }
        catch (final Throwable t)
        {
            throw LinuxUdp.rethrow(t);
        }
        // A failure here is nearly always EAGAIN (nothing queued), which needs no errno to handle. Learning errno costs
        // an allocation per call, so only every ERRNO_CHECK_INTERVAL-th failure is repeated with errno captured:
        // a real error (a closed or broken socket) persists, and is reported within that many polls.
        if ((++failedReceives & (ERRNO_CHECK_INTERVAL - 1)) != 0)
        {
            return 0;
        }
        batch.reset();
        while (true)    // it failed: repeat it with errno captured to learn why
        {
            final int n;
            try
            {
                n = (int)LinuxUdp.RECVMMSG.invokeExact(rxState, fd, batch.messages, batch.capacity(),
                    LinuxUdp.MSG_DONTWAIT, MemorySegment.NULL);
            }
            catch (final Throwable t)
            {
                throw LinuxUdp.rethrow(t);
            }
            if (n >= 0)
            {
                batch.received(n);
                return n;
            }
            final int errno = LinuxUdp.errno(rxState);
            if (errno == EAGAIN)
            {
                return 0;
            }
            if (errno != EINTR)
            {
                throw new UncheckedIOException(LinuxUdp.error("recvmmsg", errno));
            }
        }
    }

    /**
     * Turns on UDP GRO (SOL_UDP/UDP_GRO = 1): the kernel may then hand over several datagrams of one flow as one
     * super-datagram whose {@link ReceiveBatch#gsoSize} says how to split it.
     */
    public void enableGro() throws IOException
    {
        ensureOpen();
        try (Arena arena = Arena.ofConfined())
        {
            setIntOption(arena, LinuxUdp.SOL_UDP, LinuxUdp.UDP_GRO, 1, "setsockopt(SOL_UDP, UDP_GRO, 1)");
        }
        groEnabled = true;
    }

    public boolean groEnabled()
    {
        return groEnabled;
    }

    /** Whether this kernel segments UDP_SEGMENT sends (probed once, on a loopback socket). */
    public static boolean gsoSupported()
    {
        return Probes.GSO;
    }

    /** Whether this kernel accepts UDP_GRO on a socket (probed once). */
    public static boolean groSupported()
    {
        return Probes.GRO;
    }

    private void ensureOpen()
    {
        if (closed)
        {
            throw new IllegalStateException("socket closed");
        }
    }

    public boolean isClosed()
    {
        return closed;
    }

    @Override
    public void close()
    {
        if (closed)
        {
            return;
        }
        closed = true;
        try (Arena arena = Arena.ofConfined())
        {
            final int rc = (int)LinuxUdp.CLOSE.invokeExact(arena.allocate(LinuxUdp.CALL_STATE), fd);
            assert rc == 0 || rc == -1;
        }
        catch (final Throwable t)
        {
            throw LinuxUdp.rethrow(t);
        }
    }

    @Override
    public String toString()
    {
        return "NativeUdpSocket[fd=" + fd + (closed ? ", closed]" : ", " + LinuxUdp.ipv4String(boundIpv4) + "]");
    }

    /** Probes run at most once each, on first use. */
    private static final class Probes
    {
        static final boolean GSO = probeGso();
        static final boolean GRO = probeGro();

        private static boolean probeGso()
        {
            if (!AVAILABLE)
            {
                return false;
            }
            // the kernel answers EINVAL (no UDP_SEGMENT), ENOPROTOOPT or EIO (no checksum offload): all mean no
            try (NativeUdpSocket s = open(LOOPBACK, 0, true, 0); Arena arena = Arena.ofConfined())
            {
                final MemorySegment payload = arena.allocate(64);
                return s.sendSegmented(payload, 0, 64, 32, LOOPBACK, s.localPort()) == 2;
            }
            catch (final IOException | UncheckedIOException | UnsupportedOperationException e)
            {
                return false;
            }
        }

        private static boolean probeGro()
        {
            if (!AVAILABLE)
            {
                return false;
            }
            try (NativeUdpSocket s = open(LOOPBACK, 0, true, 0))
            {
                s.enableGro();
                return true;
            }
            catch (final IOException | UncheckedIOException | UnsupportedOperationException e)
            {
                return false;
            }
        }
    }
}
