package io.softnic.engine.port;

/**
 * How a port moves datagrams between the engine and the kernel, best first. {@link #AUTO} takes the best this
 * kernel supports; naming one forces it (and fails at launch if the kernel cannot), which is how the test suite
 * runs the transport over each path.
 */
public enum PortIo
{
    /** The best available: GSO, else MMSG, else CHANNEL. */
    AUTO,
    /** sendmmsg where each message may carry a run of equal-sized packets cut by the kernel (UDP_SEGMENT), and
     * recvmmsg with UDP_GRO, which hands over runs of one flow as one super-datagram. */
    GSO,
    /** sendmmsg and recvmmsg: a burst per system call, one packet per message. */
    MMSG,
    /** java.nio DatagramChannel: one packet per system call; works wherever Java does. */
    CHANNEL;

    /** The path {@code this} means on this machine; a forced path the machine lacks is a clear error. */
    public PortIo resolve()
    {
        final boolean nativeIo = NativeUdpSocket.isAvailable();
        final boolean gso = nativeIo && NativeUdpSocket.gsoSupported() && NativeUdpSocket.groSupported();
        return switch (this)
        {
            case AUTO -> gso ? GSO : nativeIo ? MMSG : CHANNEL;
            case GSO ->
            {
                if (!gso)
                {
                    throw new IllegalStateException("port I/O GSO needs Linux with UDP_SEGMENT and UDP_GRO " +
                        "(native sockets " + (nativeIo ? "available" : "unavailable") + "); use MMSG or CHANNEL");
                }
                yield GSO;
            }
            case MMSG ->
            {
                if (!nativeIo)
                {
                    throw new IllegalStateException("port I/O MMSG needs Linux on x86_64 or aarch64; use CHANNEL");
                }
                yield MMSG;
            }
            case CHANNEL -> CHANNEL;
        };
    }
}
