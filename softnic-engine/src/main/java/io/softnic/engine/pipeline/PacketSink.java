package io.softnic.engine.pipeline;

import io.softnic.engine.rc.QueuePair;

import java.nio.ByteBuffer;

/** Where finished frames go: a port in the engine, a capture in state-machine tests. */
public interface PacketSink
{
    /** Puts a finished RoCEv2 UDP payload (position 0 to limit) on the wire along the QP's path. */
    void send(QueuePair qp, ByteBuffer datagram);

    /** The source address and UDP port the QP's packets leave from (the ICRC covers them). */
    int sourceIpv4(QueuePair qp);

    int sourceUdpPort(QueuePair qp);
}
