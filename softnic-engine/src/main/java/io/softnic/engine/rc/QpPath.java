package io.softnic.engine.rc;

/**
 * One path of an RC connection: the local port its packets leave from (and the source UDP port there) and the
 * peer's address and UDP port. A QP has a primary path and, when armed for migration, an alternate one.
 */
public final class QpPath
{
    int portIndex = -1;
    int destIpv4;
    int destUdpPort = 4791;
    int sourceUdpPort;

    void set(final int portIndex, final int destIpv4, final int destUdpPort, final int sourceUdpPort)
    {
        this.portIndex = portIndex;
        this.destIpv4 = destIpv4;
        this.destUdpPort = destUdpPort;
        this.sourceUdpPort = sourceUdpPort;
    }

    void copyFrom(final QpPath o)
    {
        set(o.portIndex, o.destIpv4, o.destUdpPort, o.sourceUdpPort);
    }

    void clear()
    {
        portIndex = -1;
    }

    public boolean isValid()
    {
        return portIndex >= 0;
    }

    /** Whether a packet from {@code sourceIpv4} arriving on local port {@code portIndex} travelled this path. */
    public boolean carries(final int portIndex, final int sourceIpv4)
    {
        return this.portIndex == portIndex && destIpv4 == sourceIpv4;
    }

    public int portIndex()
    {
        return portIndex;
    }

    public int destIpv4()
    {
        return destIpv4;
    }

    public int destUdpPort()
    {
        return destUdpPort;
    }

    public int sourceUdpPort()
    {
        return sourceUdpPort;
    }
}
