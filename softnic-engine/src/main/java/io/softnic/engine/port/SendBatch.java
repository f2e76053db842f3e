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

/**
 * A reusable batch of up to {@link #capacity()} datagrams for {@link NativeUdpSocket#sendBatch}: the mmsghdr,
 * iovec and sockaddr_in arrays live in one arena, allocated once, so adding and sending allocate nothing.
 * <p>
 * The batch records the native address of each payload, not a reference that keeps it alive: a payload's memory
 * must stay valid until the send that carries it has returned. Not thread-safe.
 */
public final class SendBatch implements AutoCloseable
{
    private final Arena arena;
    private final int capacity;
    final MemorySegment messages;
    private final MemorySegment iovecs;
    private final MemorySegment addresses;
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
        for (int i = 0; i < capacity; i++)
        {
            final long m = i * MMSGHDR_SIZE;
            messages.set(JAVA_LONG, m + LinuxUdp.MSG_NAME, addresses.address() + i * SOCKADDR_IN_SIZE);
            messages.set(JAVA_INT, m + LinuxUdp.MSG_NAMELEN, (int)SOCKADDR_IN_SIZE);
            messages.set(JAVA_LONG, m + LinuxUdp.MSG_IOV, iovecs.address() + i * IOVEC_SIZE);
            messages.set(JAVA_LONG, m + LinuxUdp.MSG_IOVLEN, 1L);
            messages.set(JAVA_LONG, m + LinuxUdp.MSG_CONTROL, 0L);
            messages.set(JAVA_LONG, m + LinuxUdp.MSG_CONTROLLEN, 0L);
            messages.set(JAVA_INT, m + LinuxUdp.MSG_FLAGS, 0);
        }
    }

    /**
     * Adds one datagram of {@code length} bytes at {@code offset} in the native segment {@code buf}, for
     * {@code dstIpv4:dstPort} (address as an int in network order of significance, e.g. 0x7F000001).
     *
     * @return false, adding nothing, when the batch is full
     */
    public boolean add(final MemorySegment buf, final long offset, final int length, final int dstIpv4,
        final int dstPort)
    {
        if (size == capacity)
        {
            return false;
        }
        if (!buf.isNative())
        {
            throw new IllegalArgumentException("payload must be a native (off-heap) segment");
        }
        Objects.checkFromIndexSize(offset, length, buf.byteSize());
        if ((dstPort & ~0xFFFF) != 0)
        {
            throw new IllegalArgumentException("port out of range: " + dstPort);
        }
        final int i = size++;
        final long iov = i * IOVEC_SIZE;
        iovecs.set(JAVA_LONG, iov + IOV_BASE, buf.address() + offset);
        iovecs.set(JAVA_LONG, iov + IOV_LEN, length);
        LinuxUdp.writeSockaddr(addresses, i * SOCKADDR_IN_SIZE, dstIpv4, dstPort);
        return true;
    }

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

    /** Payload length of datagram {@code i} as added. */
    public int length(final int i)
    {
        Objects.checkIndex(i, size);
        return (int)iovecs.get(JAVA_LONG, i * IOVEC_SIZE + IOV_LEN);
    }

    /**
     * Drops the first {@code n} datagrams (those a partial send carried), keeping the rest in order at the front
     * of the batch, ready to be sent again.
     */
    public void removeFirst(final int n)
    {
        Objects.checkFromIndexSize(0, n, size);
        final int rest = size - n;
        if (rest > 0)
        {
            MemorySegment.copy(iovecs, n * IOVEC_SIZE, iovecs, 0, rest * IOVEC_SIZE);
            MemorySegment.copy(addresses, n * SOCKADDR_IN_SIZE, addresses, 0, rest * SOCKADDR_IN_SIZE);
        }
        size = rest;
    }

    @Override
    public void close()
    {
        arena.close();
    }
}
