package io.softnic.tools.perf;

import io.softnic.engine.cm.ConnectionManager;
import io.softnic.tools.ToolFailure;
import io.softnic.verbs.IbvContext;

import java.io.OutputStream;
import java.io.PrintStream;

/**
 * Client and server of one perf run in this process (--loopback, and the demo): the server serves on a thread of its
 * own, quietly; the client prints. Whichever side fails first is the failure reported, and it stops the other.
 */
public final class PerfSession
{
    private static final long JOIN_MILLIS = 10_000;

    private PerfSession()
    {
    }

    public static PerfClient loopback(final IbvContext serverIbv, final String serverAddress,
        final IbvContext clientIbv, final PerfConfig config, final PrintStream out, final boolean printBanner)
    {
        return loopback(serverIbv, null, serverAddress, clientIbv, null, config, out, printBanner);
    }

    /**
     * With the connection managers of the two engines (both in this process; null: connect through RdmaCm one QP at
     * a time): QPs connect and disconnect pipelined.
     */
    public static PerfClient loopback(final IbvContext serverIbv, final ConnectionManager serverCm,
        final String serverAddress, final IbvContext clientIbv, final ConnectionManager clientCm,
        final PerfConfig config, final PrintStream out, final boolean printBanner)
    {
        return loopback(serverIbv, serverCm, serverAddress, clientIbv, clientCm, config, out, printBanner,
            RoundObserver.NONE);
    }

    /** ... with an observer of the client's measured rounds. */
    public static PerfClient loopback(final IbvContext serverIbv, final ConnectionManager serverCm,
        final String serverAddress, final IbvContext clientIbv, final ConnectionManager clientCm,
        final PerfConfig config, final PrintStream out, final boolean printBanner, final RoundObserver observer)
    {
        final SessionAbort abort = new SessionAbort();
        final PerfServer server = new PerfServer(serverIbv, config.test(), config.cmPort(), config.mtu(),
            config.reportGbits(), new PrintStream(OutputStream.nullOutputStream()), false, abort)
            .cqOptions(config.cq()).connectionManager(serverCm);
        server.listen();
        final Thread serverThread = Thread.ofPlatform().name("softnic-perf-server").daemon().start(() ->
        {
            try (server)
            {
                server.serve();
            }
            catch (final Throwable t)
            {
                abort.fail("server", t);
            }
        });
        final PerfClient client = new PerfClient(clientIbv, config, serverAddress, out, printBanner, abort)
            .connectionManager(clientCm).observer(observer);
        try
        {
            client.run();
        }
        catch (final RuntimeException ex)
        {
            abort.fail("client", ex);
            join(serverThread);
            if (ex instanceof PeerFailure)
            {
                final Throwable first = abort.cause();
                throw new ToolFailure("server side failed: " + ToolFailure.describe(first), first);
            }
            throw ex;
        }
        join(serverThread);
        if (serverThread.isAlive())
        {
            throw new ToolFailure("the server side of the session did not finish");
        }
        if (abort.failed())
        {
            throw new ToolFailure("server side failed: " + ToolFailure.describe(abort.cause()), abort.cause());
        }
        return client;
    }

    private static void join(final Thread t)
    {
        try
        {
            t.join(JOIN_MILLIS);
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
        }
    }
}
