package io.softnic.engine.cm;

import java.util.ArrayDeque;

/**
 * A service port listened on (rdma_listen): the REQs for it that the consumer has not taken yet, at most a backlog of
 * them. Guarded by the connection manager's lock.
 */
final class CmListener
{
    final int id;
    final int port;
    final int backlog;
    final ArrayDeque<CmConnection> pending = new ArrayDeque<>();

    CmListener(final int id, final int port, final int backlog)
    {
        this.id = id;
        this.port = port;
        this.backlog = backlog;
    }

    boolean full()
    {
        return pending.size() >= backlog;
    }

    @Override
    public String toString()
    {
        return "listener " + id + " on port " + port;
    }
}
