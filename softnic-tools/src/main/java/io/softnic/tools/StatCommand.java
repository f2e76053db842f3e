package io.softnic.tools;

import io.softnic.engine.counters.CounterFile;
import io.softnic.engine.counters.EngineCounters;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/** {@code softnic stat}: the counters of running engines, read from their counters files, as {@code ethtool -S}. */
@Command(
    name = "stat",
    mixinStandardHelpOptions = true,
    header = "The counters of running engines, ethtool -S style.",
    description = {
        "",
        "Prints the non-zero counters of every running softnic engine. Engines started by softnic commands keep " +
            "their counters in /dev/shm/softnic-$USER/NAME.counters; give files to read others. An engine " +
            "daemon's counters are followed by each of its vNICs' under a heading of their own (--engine DIR: " +
            "only the daemon running there).",
        ""})
public final class StatCommand implements Callable<Integer>
{
    @Spec
    CommandSpec spec;

    @ParentCommand
    SoftnicCli cli;

    @Option(names = "--engine-dir", paramLabel = "DIR",
        description = "Where engines keep their counters (default /dev/shm/softnic-$USER).")
    Path engineDir;

    @Option(names = "--engine", paramLabel = "DIR",
        description = "Only the engine daemon running in DIR (softnic engine --dir DIR), with its vNICs.")
    Path daemonDir;

    @Parameters(arity = "0..*", paramLabel = "COUNTERS_FILE", description = "Counters files to read instead.")
    List<Path> files;

    @Override
    public Integer call() throws IOException
    {
        if (files != null && !files.isEmpty())
        {
            if (engineDir != null)
            {
                throw new CommandLine.ParameterException(spec.commandLine(),
                    "give either --engine-dir or counters files, not both");
            }
            for (final Path f : files)
            {
                if (!Files.isRegularFile(f))
                {
                    throw new CommandLine.ParameterException(spec.commandLine(), "no such counters file: " + f);
                }
            }
            int shown = 0;
            for (final Path f : files)
            {
                shown += show(f, true) ? 1 : 0;
            }
            return shown == files.size() ? SoftnicCli.EXIT_OK : SoftnicCli.EXIT_FAILED;
        }
        if (daemonDir != null)
        {
            if (engineDir != null)
            {
                throw new CommandLine.ParameterException(spec.commandLine(),
                    "give either --engine or --engine-dir, not both");
            }
            final Path file = Files.isDirectory(daemonDir) ? VnicCounters.daemonFile(daemonDir) : null;
            if (file == null || !show(file, false))
            {
                cli.err().println("softnic stat: no engine is running at " + daemonDir);
                return SoftnicCli.EXIT_FAILED;
            }
            return SoftnicCli.EXIT_OK;
        }
        final Path dir = engineDir != null ? engineDir : LocalEngine.countersDir();
        if (!Files.isDirectory(dir))
        {
            cli.err().println("softnic stat: no engine is running (no counters directory " + dir + ")");
            return SoftnicCli.EXIT_FAILED;
        }
        final List<Path> found = engineDir != null ? EngineFiles.all(dir) : EngineFiles.allWithDaemon(dir);
        int shown = 0;
        for (final Path f : found)
        {
            shown += show(f, false) ? 1 : 0;
        }
        if (shown == 0)
        {
            cli.err().println("softnic stat: no engine is running (no live counters file in " + dir + ")");
            return SoftnicCli.EXIT_FAILED;
        }
        return SoftnicCli.EXIT_OK;
    }

    private boolean show(final Path file, final boolean explicit)
    {
        final String name = EngineFiles.engineName(file);
        final EngineFiles.Header header = EngineFiles.header(file);
        if (!header.valid())
        {
            cli.err().println("softnic stat: " + file + " is not a softnic counters file");
            return false;
        }
        final boolean alive = header.alive();
        if (!alive && !explicit)
        {
            return false;
        }
        final Map<String, Long> counters;
        try
        {
            counters = CounterFile.read(file);
        }
        catch (final IOException ex)
        {
            cli.err().println("softnic stat: cannot read " + file + ": " + ex.getMessage());
            return false;
        }
        final String state = alive ? "pid " + header.pid() : "pid " + header.pid() + ", not running";
        final VnicCounters.Split split = VnicCounters.split(counters);
        EngineCounters.print("NIC statistics of engine " + name + " (" + state + "):", split.engine(), cli.out());
        VnicCounters.printVnics(split.vnics(), cli.out());
        return true;
    }
}
