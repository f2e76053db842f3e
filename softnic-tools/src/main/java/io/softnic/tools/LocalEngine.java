package io.softnic.tools;

import io.softnic.engine.EngineContext;
import io.softnic.engine.port.PortIo;
import io.softnic.engine.SoftnicEngine;
import io.softnic.engine.ThreadingMode;
import io.softnic.verbs.IbvContext;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;

/**
 * An engine launched by a command, with its verbs context open and its counters in a file under
 * {@link #countersDir()} so that {@code softnic stat} can read them while it runs.
 */
public final class LocalEngine implements AutoCloseable
{
    private final String name;
    private final List<String> ports;
    private final SoftnicEngine engine;
    private final IbvContext ibv;
    private final AtomicBoolean closed = new AtomicBoolean();
    private final Thread shutdownHook;

    private LocalEngine(final String name, final List<String> ports, final SoftnicEngine engine, final IbvContext ibv)
    {
        this.name = name;
        this.ports = ports;
        this.engine = engine;
        this.ibv = ibv;
        // Ctrl-C: close the engine anyway, so its counters file does not outlive it
        this.shutdownHook = new Thread(this::shutdown, "softnic-close-" + name);
        Runtime.getRuntime().addShutdownHook(shutdownHook);
    }

    public static LocalEngine launch(final String name, final ThreadingMode mode, final List<String> ports)
    {
        return launch(name, mode, null, ports);
    }

    /** With the engine threads' idle strategy by name (spin, yield, backoff, park); null keeps the engine's default. */
    public static LocalEngine launch(final String name, final ThreadingMode mode, final String idle,
        final List<String> ports)
    {
        return launch(name, mode, idle, PortIo.AUTO, ports);
    }

    /** ... and the path its ports' datagrams take into the kernel. */
    public static LocalEngine launch(final String name, final ThreadingMode mode, final String idle,
        final PortIo portIo, final List<String> ports)
    {
        return launch(name, mode, idle, portIo, ports, ctx -> { });
    }

    /** ... with whatever else {@code tune} sets in the engine's context (limits, for instance). */
    public static LocalEngine launch(final String name, final ThreadingMode mode, final String idle,
        final PortIo portIo, final List<String> ports, final Consumer<EngineContext> tune)
    {
        final EngineContext ctx = new EngineContext().name(name).threadingMode(mode).portIo(portIo);
        tune.accept(ctx);
        if (idle != null)
        {
            ctx.idle(idle);
        }
        ports.forEach(ctx::port);
        final Path counters = countersFile(name);
        if (counters != null)
        {
            ctx.countersFile(counters);
        }
        SoftnicEngine engine = null;
        try
        {
            engine = SoftnicEngine.launch(ctx);
            return new LocalEngine(name, List.copyOf(ports), engine, engine.open());
        }
        catch (final RuntimeException | LinkageError ex)
        {
            if (engine != null)
            {
                try
                {
                    engine.close();
                }
                catch (final RuntimeException ignore)
                {
                    // reporting the launch failure matters more
                }
            }
            throw new ToolFailure("cannot start engine " + name + " on " + String.join(", ", ports) + ": " +
                ToolFailure.describe(ex), ex);
        }
    }

    /** Where running engines keep their counters: /dev/shm/softnic-$USER (or the temp directory without /dev/shm). */
    public static Path countersDir()
    {
        final String user = System.getProperty("user.name", "user");
        final Path shm = Path.of("/dev/shm");
        final Path base = Files.isDirectory(shm) ? shm : Path.of(System.getProperty("java.io.tmpdir"));
        return base.resolve("softnic-" + user);
    }

    static Path countersFile(final String name)
    {
        final Path dir = countersDir();
        try
        {
            Files.createDirectories(dir);
            return Files.isWritable(dir) ? dir.resolve(name + ".counters") : null;
        }
        catch (final IOException ex)
        {
            return null;
        }
    }

    public String name()
    {
        return name;
    }

    /** The first port's address: where a peer reaches this engine. */
    public String address()
    {
        return ports.getFirst();
    }

    public List<String> ports()
    {
        return ports;
    }

    public IbvContext ibv()
    {
        return ibv;
    }

    /** The engine's connection manager (for callers that connect many QPs pipelined). */
    public io.softnic.engine.cm.ConnectionManager connectionManager()
    {
        return engine.controlPlane().connectionManager();
    }

    public SoftnicEngine engine()
    {
        return engine;
    }

    public Map<String, Long> counters()
    {
        return engine.counters().snapshot();
    }

    /** Packets received on all ports: grows while a peer is talking to this engine. */
    public long rxPackets()
    {
        long n = 0;
        for (final Map.Entry<String, Long> e : counters().entrySet())
        {
            if (e.getKey().endsWith("_rx_packets"))
            {
                n += e.getValue();
            }
        }
        return n;
    }

    @Override
    public void close()
    {
        if (!closed.compareAndSet(false, true))
        {
            return;
        }
        try
        {
            Runtime.getRuntime().removeShutdownHook(shutdownHook);
        }
        catch (final IllegalStateException ignore)
        {
            // the JVM is shutting down already
        }
        try
        {
            ibv.close();
        }
        finally
        {
            engine.close();
        }
    }

    private void shutdown()
    {
        if (closed.compareAndSet(false, true))
        {
            try
            {
                ibv.close();
                engine.close();
            }
            catch (final RuntimeException ignore)
            {
                // exiting: nothing left to report to
            }
        }
    }
}
