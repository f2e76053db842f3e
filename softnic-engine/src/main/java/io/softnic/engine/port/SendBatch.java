package io.softnic.engine.port;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Objects;

import static io.softnic.engine.port.LinuxUdp.IOVEC_SIZE;
import static io.softnic.engine.port.LinuxUdp.IOV_BASE;
import static io.softnic.engine.port.LinuxUdp.IOV_LEN;
import static io.softnic.engine.port.LinuxUdp.MMSGHDR_SIZE;
import static io.softnic.engine.port.LinuxUdp.SOCKADDR_IN_SIZE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

/**
 * A reusable batch of up to {@link #capacity()} messages for {@link NativeUdpSocket#sendBatch}: the mmsghdr,
 * iovec, sockaddr_in and control arrays live in one arena, allocated once, so adding and sending allocate nothing.
 * <p>
 * A message is one datagram, or — through {@link #addSegment} — a run of equal-sized datagrams that lie back to
 * back in memory for one destination, sent as one message carrying UDP_SEGMENT so the kernel cuts it (generic
 * segmentation offload). The segments of one RoCE message, and successive small messages of one QP, have that
 * shape.
 * <p>
 * The batch records the native address of each payload, not a reference that keeps it alive: a payload's memory
 * must stay valid until the send that carries it has returned. Not thread-safe.
 */
public final class SendBatch implements AutoCloseable
{
    /** Segments the kernel takes in one UDP_SEGMENT send (UDP_MAX_SEGMENTS on older kernels; newer take 128). */
    public static final int MAX_SEGMENTS = 64;

    private static final long CONTROL_SPACE = LinuxUdp.cmsgSpace(2);

    private final Arena arena;
    private final int capacity;
    final MemorySegment messages;
    private final MemorySegment iovecs;
    private final MemorySegment addresses;
    private final MemorySegment controls;
    private final int[] segmentSizes;
    private final int[] segmentCounts;
    private final int[] destinationIpv4s;
    private final int[] destinationPorts;
    private final long[] ends;
    private int size;

    public SendBatch(final int capacity)
    {
        if (capacity < 1 || capacity > 1024)
        {
            throw new IllegalArgumentException("capacity must be 1..1024 (UIO_MAXIOV): " + capacity);
        }
        NativeUdpSocket.requireAvailable();
        this.capacity = capacity;
        this.arena = Arena.ofShared();
        this.messages = arena.allocate(LinuxUdp.MMSGHDR, capacity);
        this.iovecs = arena.allocate(LinuxUdp.IOVEC, capacity);
        this.addresses = arena.allocate(LinuxUdp.SOCKADDR_IN, capacity);
        this.controls = arena.allocate(CONTROL_SPACE * capacity, 8);
        segmentSizes = new int[capacity];
        segmentCounts = new int[capacity];
        destinationIpv4s = new int[capacity];
        destinationPorts = new int[capacity];
        ends = new long[capacity];
        for (int i = 0; i < capacity; i++)
        {
            final long m = i * MMSGHDR_SIZE;
            messages.set(JAVA_LONG, m + LinuxUdp.MSG_NAME, addresses.address() + i * SOCKADDR_IN_SIZE);
            messages.set(JAVA_INT, m + LinuxUdp.MSG_NAMELEN, (int)SOCKADDR_IN_SIZE);
            messages.set(JAVA_LONG, m + LinuxUdp.MSG_IOV, iovecs.address() + i * IOVEC_SIZE);
            messages.set(JAVA_LONG, m + LinuxUdp.MSG_IOVLEN, 1L);
            messages.set(JAVA_LONG, m + LinuxUdp.MSG_CONTROL, controls.address() + i * CONTROL_SPACE);
            messages.set(JAVA_LONG, m + LinuxUdp.MSG_CONTROLLEN, 0L);
            messages.set(JAVA_INT, m + LinuxUdp.MSG_FLAGS, 0);
            final long c = i * CONTROL_SPACE;
            controls.set(JAVA_LONG, c + LinuxUdp.CMSG_LEN_FIELD, LinuxUdp.cmsgLen(2));
            controls.set(JAVA_INT, c + LinuxUdp.CMSG_LEVEL, LinuxUdp.SOL_UDP);
            controls.set(JAVA_INT, c + LinuxUdp.CMSG_TYPE, LinuxUdp.UDP_SEGMENT);
        }
    }

    /**
     * Adds one datagram of {@code length} bytes at {@code offset} in the native segment {@code buf}, for
     * {@code dstIpv4:dstPort} (address as an int in network order of significance, e.g. 0x7F000001), as a message
     * of its own.
     *
     * @return false, adding nothing, when the batch is full
     */
    public boolean add(final MemorySegment buf, final long offset, final int length, final int dstIpv4,
        final int dstPort)
    {
        check(buf, offset, length, dstPort);
        if (size == capacity)
        {
            return false;
        }
        start(buf.address() + offset, length, dstIpv4, dstPort);
        return true;
    }

    /**
     * Adds one datagram, appending it to the last message as one more GSO segment when it can ride there: same
     * destination, its bytes right after the last message's, no longer than the run's segment size, the run's last
     * segment full-sized, and the run under {@link #MAX_SEGMENTS} and {@link NativeUdpSocket#MAX_PAYLOAD}.
     * Otherwise it starts a message.
     *
     * @return false, adding nothing, when it needs a new message and the batch is full
     */
    public boolean addSegment(final MemorySegment buf, final long offset, final int length, final int dstIpv4,
        final int dstPort)
    {
        check(buf, offset, length, dstPort);
        final long address = buf.address() + offset;
        if (size > 0)
        {
            final int last = size - 1;
            final int segmentSize = segmentSizes[last];
            final int count = segmentCounts[last];
            final long total = iovecs.get(JAVA_LONG, last * IOVEC_SIZE + IOV_LEN);
            if (ends[last] == address && destinationIpv4s[last] == dstIpv4 && destinationPorts[last] == dstPort &&
                length <= segmentSize && total == (long)count * segmentSize && count < MAX_SEGMENTS &&
                total + length <= NativeUdpSocket.MAX_PAYLOAD)
            {
                iovecs.set(JAVA_LONG, last * IOVEC_SIZE + IOV_LEN, total + length);
                ends[last] = address + length;
                segmentCounts[last] = count + 1;
                if (count == 1)
                {
                    controls.set(JAVA_SHORT, last * CONTROL_SPACE + LinuxUdp.CMSG_DATA, (short)segmentSize);
                    messages.set(JAVA_LONG, last * MMSGHDR_SIZE + LinuxUdp.MSG_CONTROLLEN, CONTROL_SPACE);
                }
                return true;
            }
        }
        if (size == capacity)
        {
            return false;
        }
        start(address, length, dstIpv4, dstPort);
        return true;
    }

    private static void check(final MemorySegment buf, final long offset, final int length, final int dstPort)
    {
        if (!buf.isNative())
        {
            throw new IllegalArgumentException("payload must be a native (off-heap) segment");
        }
        Objects.checkFromIndexSize(offset, length, buf.byteSize());
        if ((dstPort & ~0xFFFF) != 0)
        {
            throw new IllegalArgumentException("port out of range: " + dstPort);
        }
    }

    private void start(final long address, final int length, final int dstIpv4, final int dstPort)
    {
        final int i = size++;
        final long iov = i * IOVEC_SIZE;
        iovecs.set(JAVA_LONG, iov + IOV_BASE, address);
        iovecs.set(JAVA_LONG, iov + IOV_LEN, length);
        messages.set(JAVA_LONG, i * MMSGHDR_SIZE + LinuxUdp.MSG_CONTROLLEN, 0L);
        LinuxUdp.writeSockaddr(addresses, i * SOCKADDR_IN_SIZE, dstIpv4, dstPort);
        segmentSizes[i] = Math.max(length, 1);
        segmentCounts[i] = 1;
        destinationIpv4s[i] = dstIpv4;
        destinationPorts[i] = dstPort;
        ends[i] = address + length;
    }

    /** Messages in the batch. */
    public int size()
    {
        return size;
    }

    public int capacity()
    {
        return capacity;
    }

    public boolean isFull()
    {
        return size == capacity;
    }

    public void clear()
    {
        size = 0;
    }

    /** Payload length of message {@code i} as added (all its segments). */
    public int length(final int i)
    {
        Objects.checkIndex(i, size);
        return (int)iovecs.get(JAVA_LONG, i * IOVEC_SIZE + IOV_LEN);
    }

    /** Datagrams message {@code i} becomes on the wire. */
    public int segments(final int i)
    {
        Objects.checkIndex(i, size);
        return segmentCounts[i];
    }

    /**
     * Drops the first {@code n} messages (those a partial send carried, or one the kernel refused), keeping the
     * rest in order at the front of the batch, ready to be sent again.
     */
    public void removeFirst(final int n)
    {
        Objects.checkFromIndexSize(0, n, size);
        final int rest = size - n;
        for (int i = 0; i < rest; i++)
        {
            final int from = n + i;
            MemorySegment.copy(iovecs, from * IOVEC_SIZE, iovecs, i * IOVEC_SIZE, IOVEC_SIZE);
            MemorySegment.copy(addresses, from * SOCKADDR_IN_SIZE, addresses, i * SOCKADDR_IN_SIZE,
                SOCKADDR_IN_SIZE);
            MemorySegment.copy(controls, from * CONTROL_SPACE, controls, i * CONTROL_SPACE, CONTROL_SPACE);
            messages.set(JAVA_LONG, i * MMSGHDR_SIZE + LinuxUdp.MSG_CONTROLLEN,
                messages.get(JAVA_LONG, from * MMSGHDR_SIZE + LinuxUdp.MSG_CONTROLLEN));
            segmentSizes[i] = segmentSizes[from];
            segmentCounts[i] = segmentCounts[from];
            destinationIpv4s[i] = destinationIpv4s[from];
            destinationPorts[i] = destinationPorts[from];
            ends[i] = ends[from];
        }
        size = rest;
    }

    @Override
    public void close()
    {
        arena.close();
    }
}
