package io.softnic.tools;

import io.softnic.engine.ThreadingMode;
import io.softnic.engine.port.PortIo;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * {@code softnic engine}: runs the device as a daemon until SIGINT or SIGTERM. Tools and tenants reach it through its
 * directory: the command channel ({@code control}), the counters ({@code NAME.counters}) and the lock
 * ({@code engine.lock}, which keeps a second engine off the directory).
 */
@Command(
    name = "engine",
    mixinStandardHelpOptions = true,
    header = "Run the device as a daemon (the master: vNICs are created on it with softnic vnic).",
    description = {
        "",
        "Settings come from the defaults, then --config FILE (key=value lines, keys as the long options without " +
            "dashes, port as a comma-separated list, # comments), then the flags. Stops cleanly on Ctrl-C or " +
            "SIGTERM and removes the files it created.",
        ""})
public final class EngineCommand implements Callable<Integer>
{
    @Spec
    CommandSpec spec;

    @ParentCommand
    SoftnicCli cli;

    @Option(names = "--config", paramLabel = "FILE", description = "A key=value settings file; flags override it.")
    Path config;

    @Option(names = "--dir", paramLabel = "DIR",
        description = "The engine's shared-memory directory, owner-only (default /dev/shm/softnic-$USER/engine).")
    Path dir;

    @Option(names = "--name", paramLabel = "NAME", description = "The device's name (default engine).")
    String name;

    @Option(names = "--port", paramLabel = "ADDR",
        description = "An IPv4 address for a port (repeat for more ports; default 127.0.0.1).")
    List<String> ports;

    @Option(names = "--threading", paramLabel = "MODE", description = "SHARED (default), DEDICATED or INVOKER.")
    ThreadingMode threading;

    @Option(names = "--idle", paramLabel = "STRATEGY", description = "spin, yield, backoff (default) or park.")
    String idle;

    @Option(names = "--port-io", paramLabel = "PATH", description = "AUTO (default), GSO, MMSG or CHANNEL.")
    PortIo portIo;

    @Option(names = "--max-vnics", paramLabel = "N", description = "vNICs the engine accepts (default 16).")
    String maxVnics;

    @Option(names = "--max-qps", paramLabel = "N", description = "QPs of all vNICs together (default 4096).")
    String maxQps;

    @Option(names = "--max-cqs", paramLabel = "N", description = "CQs of all vNICs together (default 4096).")
    String maxCqs;

    @Option(names = "--max-mrs", paramLabel = "N", description = "MRs of all vNICs together (default 4096).")
    String maxMrs;

    @Option(names = "--max-memory", paramLabel = "BYTES",
        description = "MR bytes of all vNICs together, e.g. 16G (default).")
    String maxMemory;

    @Option(names = "--comp-vectors", paramLabel = "N",
        description = "Completion vectors (EQs per tenant); default the CPUs.")
    String compVectors;

    @Option(names = "--tenant-timeout", paramLabel = "MS",
        description = "Milliseconds a tenant's heartbeat may stand still before its vNIC is reclaimed (default 2000).")
    String tenantTimeout;

    @Option(names = "--allow-attach-create", description = "Let a tenant create the vNIC it attaches to by name " +
        "(quotas it asks for, else vnic create's defaults); refused unless given.")
    Boolean allowAttachCreate;

    @Override
    public Integer call() throws InterruptedException
    {
        final EngineConfig cfg = config();
        final EngineDaemon daemon = EngineDaemon.start(cfg);
        final Thread hook = new Thread(daemon::close, "softnic-engine-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        cli.out().println(daemon.readyLine());
        cli.out().flush();
        daemon.awaitStop();
        return SoftnicCli.EXIT_OK;
    }

    /** The settings: defaults, the config file, the flags; a bad one is a usage error (exit 2). */
    EngineConfig config()
    {
        final EngineConfig cfg = new EngineConfig();
        try
        {
            if (config != null)
            {
                cfg.load(config);
            }
            set(cfg, "dir", dir == null ? null : dir.toString());
            set(cfg, "name", name);
            set(cfg, "port", ports == null ? null : String.join(",", ports));
            set(cfg, "threading", threading == null ? null : threading.name());
            set(cfg, "idle", idle);
            set(cfg, "port-io", portIo == null ? null : portIo.name());
            set(cfg, "max-vnics", maxVnics);
            set(cfg, "max-qps", maxQps);
            set(cfg, "max-cqs", maxCqs);
            set(cfg, "max-mrs", maxMrs);
            set(cfg, "max-memory", maxMemory);
            set(cfg, "comp-vectors", compVectors);
            set(cfg, "tenant-timeout", tenantTimeout);
            set(cfg, "allow-attach-create", allowAttachCreate == null ? null : allowAttachCreate.toString());
        }
        catch (final IllegalArgumentException ex)
        {
            throw new CommandLine.ParameterException(spec.commandLine(), ex.getMessage());
        }
        return cfg;
    }

    private static void set(final EngineConfig cfg, final String key, final String value)
    {
        if (value != null)
        {
            cfg.set(key, value.strip());
        }
    }
}
