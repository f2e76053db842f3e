package io.softnic.engine.rc;

/**
 * One path of an RC connection: the local port its packets leave from (and the source UDP port there) and the
 * peer's address and UDP port. A QP has a primary path and, when armed for migration, an alternate one. A view of
 * four words of the QP's connection context, so it reads what the cache line holds.
 */
public final class QpPath
{
    static final int DEFAULT_UDP_PORT = 4791;

    private final ConnectionContext ctx;
    private final int path;

    QpPath(final ConnectionContext ctx, final int path)
    {
        this.ctx = ctx;
        this.path = path;
    }

    void set(final int portIndex, final int destIpv4, final int destUdpPort, final int sourceUdpPort)
    {
        ctx.pathWord(path, ConnectionContext.PATH_PORT, portIndex);
        ctx.pathWord(path, ConnectionContext.PATH_DEST_IPV4, destIpv4);
        ctx.pathWord(path, ConnectionContext.PATH_DEST_UDP, destUdpPort);
        ctx.pathWord(path, ConnectionContext.PATH_SOURCE_UDP, sourceUdpPort);
    }

    void copyFrom(final QpPath o)
    {
        set(o.portIndex(), o.destIpv4(), o.destUdpPort(), o.sourceUdpPort());
    }

    /** No path: port -1, the RoCEv2 UDP port. */
    void clear()
    {
        set(-1, 0, DEFAULT_UDP_PORT, 0);
    }

    public boolean isValid()
    {
        return portIndex() >= 0;
    }

    /** Whether a packet from {@code sourceIpv4} arriving on local port {@code portIndex} travelled this path. */
    public boolean carries(final int portIndex, final int sourceIpv4)
    {
        return portIndex() == portIndex && destIpv4() == sourceIpv4;
    }

    public int portIndex()
    {
        return ctx.pathWord(path, ConnectionContext.PATH_PORT);
    }

    public int destIpv4()
    {
        return ctx.pathWord(path, ConnectionContext.PATH_DEST_IPV4);
    }

    public int destUdpPort()
    {
        return ctx.pathWord(path, ConnectionContext.PATH_DEST_UDP);
    }

    public int sourceUdpPort()
    {
        return ctx.pathWord(path, ConnectionContext.PATH_SOURCE_UDP);
    }
}
