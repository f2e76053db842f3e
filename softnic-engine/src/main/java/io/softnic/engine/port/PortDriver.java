package io.softnic.engine.port;

import java.lang.foreign.MemorySegment;

/**
 * The sockets behind a port and the system calls that move its datagrams: one receiving socket on the RoCEv2 port
 * and {@link UdpPort#TX_SOCKETS} sending sockets on entropy source ports. Receives are called by the RX pipeline
 * only, queue and flush by the TX pipeline only.
 */
interface PortDriver extends AutoCloseable
{
    /** The source UDP port of sending socket {@code slot}. */
    int senderPort(int slot);

    /** Takes in what is waiting, up to one burst; returns the number of datagrams now in {@link #received()}. */
    int receive();

    ReceivedDatagrams received();

    /**
     * Queues a finished datagram at {@code frame[offset..offset+length)} to leave from socket {@code slot}; the
     * bytes must stay put until the next {@link #flush()}. A path without batching sends it at once.
     *
     * @return false if it could not be queued or sent (counted as an error; the transport recovers it)
     */
    boolean queue(int slot, MemorySegment frame, long offset, int length, int dstIpv4, int dstPort);

    /** Hands everything queued to the kernel; returns how many datagrams were dropped because it refused them. */
    int flush();

    @Override
    void close();
}
