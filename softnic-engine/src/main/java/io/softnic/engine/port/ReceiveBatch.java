package io.softnic.engine.port;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Objects;

import static io.softnic.engine.port.LinuxUdp.CMSG_DATA;
import static io.softnic.engine.port.LinuxUdp.IOVEC_SIZE;
import static io.softnic.engine.port.LinuxUdp.MMSGHDR_SIZE;
import static io.softnic.engine.port.LinuxUdp.SOCKADDR_IN_SIZE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * A reusable set of receive slots for {@link NativeUdpSocket#receiveBatch}, one per caller-provided native buffer.
 * After a receive, slots {@code 0 .. count()-1} hold a datagram each: its {@link #length}, {@link #sourceIpv4},
 * {@link #sourcePort} and, when the socket has {@linkplain NativeUdpSocket#enableGro() GRO} on and the kernel
 * coalesced several datagrams into the slot, the {@link #gsoSize} by which to split it again.
 * <p>
 * The buffers must stay valid for as long as the batch is used. Not thread-safe.
 */
public final class ReceiveBatch implements ReceivedDatagrams, AutoCloseable
{
    /** Room per slot for control messages: UDP_GRO's int and a few more. */
    static final int CONTROL_SPACE = 64;

    private final Arena arena;
    private final MemorySegment[] buffers;
    final MemorySegment messages;
    private final MemorySegment addresses;
    private final MemorySegment controls;
    private final int[] lengths;
    private final int[] sourceIpv4s;
    private final int[] sourcePorts;
    private final int[] gsoSizes;
    private final int[] flags;
    private int count;

    /** One slot per buffer; each buffer must be a native segment, and a datagram longer than it is truncated. */
    public ReceiveBatch(final MemorySegment... buffers)
    {
        if (buffers.length < 1 || buffers.length > 1024)
        {
            throw new IllegalArgumentException("need 1..1024 buffers: " + buffers.length);
        }
        NativeUdpSocket.requireAvailable();
        this.buffers = buffers.clone();
        final int n = buffers.length;
        this.arena = Arena.ofShared();
        this.messages = arena.allocate(LinuxUdp.MMSGHDR, n);
        final MemorySegment iovecs = arena.allocate(LinuxUdp.IOVEC, n);
        this.addresses = arena.allocate(LinuxUdp.SOCKADDR_IN, n);
        this.controls = arena.allocate((long)CONTROL_SPACE * n, 8);
        for (int i = 0; i < n; i++)
        {
            final MemorySegment b = Objects.requireNonNull(this.buffers[i], "buffer");
            if (!b.isNative())
            {
                throw new IllegalArgumentException("buffer " + i + " is not a native (off-heap) segment");
            }
            final long iov = i * IOVEC_SIZE;
            iovecs.set(JAVA_LONG, iov + LinuxUdp.IOV_BASE, b.address());
            iovecs.set(JAVA_LONG, iov + LinuxUdp.IOV_LEN, Math.min(b.byteSize(), Integer.MAX_VALUE));
            final long m = i * MMSGHDR_SIZE;
            messages.set(JAVA_LONG, m + LinuxUdp.MSG_NAME, addresses.address() + i * SOCKADDR_IN_SIZE);
            messages.set(JAVA_LONG, m + LinuxUdp.MSG_IOV, iovecs.address() + iov);
            messages.set(JAVA_LONG, m + LinuxUdp.MSG_IOVLEN, 1L);
            messages.set(JAVA_LONG, m + LinuxUdp.MSG_CONTROL, controls.address() + (long)i * CONTROL_SPACE);
        }
        lengths = new int[n];
        sourceIpv4s = new int[n];
        sourcePorts = new int[n];
        gsoSizes = new int[n];
        flags = new int[n];
        reset();
    }

    /** Restores the in/out fields the kernel overwrites (name and control lengths, flags) before a receive. */
    void reset()
    {
        for (int i = 0; i < buffers.length; i++)
        {
            final long m = i * MMSGHDR_SIZE;
            messages.set(JAVA_INT, m + LinuxUdp.MSG_NAMELEN, (int)SOCKADDR_IN_SIZE);
            messages.set(JAVA_LONG, m + LinuxUdp.MSG_CONTROLLEN, CONTROL_SPACE);
            messages.set(JAVA_INT, m + LinuxUdp.MSG_FLAGS, 0);
        }
        count = 0;
    }

    /** Reads the results of a receive of {@code n} datagrams out of the kernel's structures. */
    void received(final int n)
    {
        count = n;
        for (int i = 0; i < n; i++)
        {
            final long m = i * MMSGHDR_SIZE;
            lengths[i] = messages.get(JAVA_INT, m + LinuxUdp.MMSG_LEN);
            flags[i] = messages.get(JAVA_INT, m + LinuxUdp.MSG_FLAGS);
            final long a = i * SOCKADDR_IN_SIZE;
            sourceIpv4s[i] = addresses.get(LinuxUdp.U32_BE, a + LinuxUdp.SIN_ADDR);
            sourcePorts[i] = addresses.get(LinuxUdp.U16_BE, a + LinuxUdp.SIN_PORT) & 0xFFFF;
            gsoSizes[i] = gsoSize(controls, (long)i * CONTROL_SPACE,
                Math.min(messages.get(JAVA_LONG, m + LinuxUdp.MSG_CONTROLLEN), CONTROL_SPACE));
        }
    }

    private static int gsoSize(final MemorySegment control, final long base, final long length)
    {
        long off = 0;
        while (off + CMSG_DATA <= length)
        {
            final long cmsgLen = control.get(JAVA_LONG, base + off + LinuxUdp.CMSG_LEN_FIELD);
            if (cmsgLen < CMSG_DATA || off + cmsgLen > length)
            {
                return 0;
            }
            if (control.get(JAVA_INT, base + off + LinuxUdp.CMSG_LEVEL) == LinuxUdp.SOL_UDP &&
                control.get(JAVA_INT, base + off + LinuxUdp.CMSG_TYPE) == LinuxUdp.UDP_GRO &&
                cmsgLen >= CMSG_DATA + 4)
            {
                return control.get(JAVA_INT, base + off + CMSG_DATA);
            }
            off += LinuxUdp.cmsgAlign(cmsgLen);
        }
        return 0;
    }

    public int capacity()
    {
        return buffers.length;
    }

    /** How many slots the last receive filled. */
    public int count()
    {
        return count;
    }

    public MemorySegment buffer(final int slot)
    {
        return buffers[slot];
    }

    /** The bytes received in a slot, a slice of its buffer. */
    public MemorySegment data(final int slot)
    {
        return buffers[Objects.checkIndex(slot, count)].asSlice(0, length(slot));
    }

    /** Bytes received in the slot (at most the buffer's size; see {@link #truncated}). */
    public int length(final int slot)
    {
        return lengths[Objects.checkIndex(slot, count)];
    }

    public int sourceIpv4(final int slot)
    {
        return sourceIpv4s[Objects.checkIndex(slot, count)];
    }

    public int sourcePort(final int slot)
    {
        return sourcePorts[Objects.checkIndex(slot, count)];
    }

    /**
     * The segment size of a GRO super-datagram (from the SOL_UDP/UDP_GRO control message): the slot holds
     * {@link #segments} datagrams of this size, the last possibly shorter; 0 when the slot holds one datagram.
     */
    public int gsoSize(final int slot)
    {
        return gsoSizes[Objects.checkIndex(slot, count)];
    }

    /** How many datagrams the slot holds: 1, or more for a GRO super-datagram. */
    public int segments(final int slot)
    {
        final int gso = gsoSize(slot);
        final int len = lengths[slot];
        return gso <= 0 || len <= gso ? 1 : (len + gso - 1) / gso;
    }

    /** Whether the datagram was longer than the slot's buffer and lost its tail (MSG_TRUNC). */
    public boolean truncated(final int slot)
    {
        return (flags[Objects.checkIndex(slot, count)] & LinuxUdp.MSG_TRUNC) != 0;
    }

    @Override
    public void close()
    {
        arena.close();
    }
}
