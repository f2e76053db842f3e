package io.softnic.engine.pipeline;

import io.softnic.engine.rc.QueuePair;

import java.lang.foreign.MemorySegment;

/** Where finished frames go: the QP's port in the engine. */
public interface PacketSink
{
    /**
     * Queues a finished RoCEv2 UDP payload, {@code frame[offset..offset+length)}, to go on the wire along the QP's
     * path. The bytes stay put until the next {@link #flush()}, so a burst can leave in few system calls.
     */
    void send(QueuePair qp, MemorySegment frame, long offset, int length);

    /** Puts everything queued since the last flush on the wire. */
    void flush();

    /** The source address and UDP port the QP's packets leave from (the ICRC covers them). */
    int sourceIpv4(QueuePair qp);

    int sourceUdpPort(QueuePair qp);
}
