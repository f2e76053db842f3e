package io.softnic.engine.port;

import java.lang.foreign.MemorySegment;

/**
 * What one receive on a port brought in: {@link #count()} datagrams, each in its own buffer of the device's shared
 * receive buffers. Valid until the next receive on any port.
 */
public interface ReceivedDatagrams
{
    int count();

    /** The buffer holding datagram {@code i}, from offset 0. */
    MemorySegment buffer(int i);

    int length(int i);

    int sourceIpv4(int i);

    int sourcePort(int i);

    /**
     * The segment size when datagram {@code i} is a GRO super-datagram (several datagrams of one flow, all of this
     * size but the last); 0 when it is one datagram.
     */
    int gsoSize(int i);

    /** Whether datagram {@code i} was longer than its buffer and lost its tail. */
    boolean truncated(int i);
}
