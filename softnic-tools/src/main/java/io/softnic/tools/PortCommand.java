package io.softnic.tools;

import io.softnic.engine.control.AdminChannel;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * {@code softnic port down|up N}: an administrator takes a port of a running engine down (as if its link were cut:
 * QPs with an armed alternate path migrate) or brings it back. The request travels through the engine's counters
 * file (see {@link AdminChannel}).
 */
@Command(
    name = "port",
    mixinStandardHelpOptions = true,
    header = "Take a port of a running engine down, or bring it back up.",
    description = {
        "",
        "down: the port stops sending and receiving; QPs on it with an armed alternate path migrate off it at once, " +
            "the others fail with RETRY_EXC_ERR when their retries run out. up: the port carries traffic again.",
        ""})
public final class PortCommand implements Callable<Integer>
{
    private static final long ANSWER_TIMEOUT_NANOS = TimeUnit.SECONDS.toNanos(3);

    enum Action
    {
        down, up
    }

    @Spec
    CommandSpec spec;

    @ParentCommand
    SoftnicCli cli;

    @Parameters(index = "0", paramLabel = "down|up", description = "What to do.")
    Action action;

    @Parameters(index = "1", paramLabel = "N", description = "Port number, from 1 (as ibverbs numbers ports).")
    int portNum;

    @Option(names = "--engine", paramLabel = "NAME|DIR",
        description = "The engine: its name (as `softnic stat` shows it) or the directory of a `softnic engine` " +
            "daemon; may be left out when exactly one is running.")
    String engine;

    @Option(names = "--engine-dir", paramLabel = "DIR",
        description = "Where engines keep their counters (default /dev/shm/softnic-$USER).")
    Path engineDir;

    @Override
    public Integer call() throws IOException
    {
        if (portNum < 1 || portNum > 0xFFFF)
        {
            throw new CommandLine.ParameterException(spec.commandLine(), "port number must be 1 or more: " + portNum);
        }
        final Path dir = engineDir != null ? engineDir : LocalEngine.countersDir();
        final Path file = target(dir);
        if (file == null)
        {
            return SoftnicCli.EXIT_FAILED;
        }
        final String name = EngineFiles.engineName(file);
        try (Arena arena = Arena.ofConfined();
             FileChannel ch = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE))
        {
            final MemorySegment header = ch.map(FileChannel.MapMode.READ_WRITE, 0, 64, arena);
            final int sequence = AdminChannel.post(header,
                action == Action.down ? AdminChannel.PORT_DOWN : AdminChannel.PORT_UP, portNum);
            final long deadline = System.nanoTime() + ANSWER_TIMEOUT_NANOS;
            long response;
            while (AdminChannel.sequence(response = AdminChannel.lastResponse(header)) != sequence)
            {
                if (System.nanoTime() - deadline >= 0)
                {
                    cli.err().println("softnic port: engine " + name + " did not answer within 3 s (is it stuck, " +
                        "or driven only by its application in INVOKER mode?)");
                    return SoftnicCli.EXIT_FAILED;
                }
                Thread.onSpinWait();
                Thread.yield();
            }
            return report(name, response);
        }
    }

    private int report(final String name, final long response)
    {
        switch (AdminChannel.status(response))
        {
            case AdminChannel.OK ->
            {
                if (action == Action.down)
                {
                    cli.out().println("port " + portNum + " of engine " + name + " is down; " +
                        AdminChannel.detail(response) + " QP(s) migrated to their alternate path");
                }
                else
                {
                    cli.out().println("port " + portNum + " of engine " + name + " is up");
                }
                return SoftnicCli.EXIT_OK;
            }
            case AdminChannel.NO_SUCH_PORT ->
            {
                cli.err().println("softnic port: engine " + name + " has no port " + portNum + " (it has " +
                    AdminChannel.detail(response) + ")");
                return SoftnicCli.EXIT_USAGE;
            }
            default ->
            {
                cli.err().println("softnic port: engine " + name + " refused the request (status " +
                    AdminChannel.status(response) + ")");
                return SoftnicCli.EXIT_FAILED;
            }
        }
    }

    /** The counters file of the engine to talk to, or null after saying why there is none. */
    private Path target(final Path dir) throws IOException
    {
        if (engine != null && Files.isDirectory(Path.of(engine)))
        {
            return only(EngineFiles.live(Path.of(engine)), Path.of(engine));
        }
        if (!Files.isDirectory(dir))
        {
            cli.err().println("softnic port: no engine is running (no counters directory " + dir + ")");
            return null;
        }
        if (engine != null)
        {
            Path file = EngineFiles.file(dir, engine);
            if (engineDir == null && !Files.isRegularFile(file))
            {
                file = EngineFiles.file(dir.resolve(EngineFiles.DAEMON_SUBDIR), engine);
            }
            if (!Files.isRegularFile(file) || !EngineFiles.header(file).alive())
            {
                cli.err().println("softnic port: no running engine named " + engine + " in " + dir);
                return null;
            }
            return file;
        }
        final List<Path> live = engineDir != null ? EngineFiles.live(dir) :
            EngineFiles.allWithDaemon(dir).stream().filter(f -> EngineFiles.header(f).alive()).toList();
        return only(live, dir);
    }

    /** The one live engine among {@code live}, or null after saying why there is not exactly one. */
    private Path only(final List<Path> live, final Path dir)
    {
        if (live.size() != 1)
        {
            cli.err().println("softnic port: " + (live.isEmpty() ? "no engine is running in " + dir :
                live.size() + " engines are running; name one with --engine: " +
                live.stream().map(EngineFiles::engineName).collect(Collectors.joining(", "))));
            return null;
        }
        return live.getFirst();
    }
}
