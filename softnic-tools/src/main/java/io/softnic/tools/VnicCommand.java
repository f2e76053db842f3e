package io.softnic.tools;

import io.softnic.hostif.CommandRing;
import io.softnic.hostif.VnicMessages;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

import java.lang.foreign.ValueLayout;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * {@code softnic vnic create|delete|list}: the master's virtual functions on a running engine, through its command
 * channel. Exit codes: 0 done, 1 the engine refused or is not there, 2 bad input (ours or the engine's verdict).
 */
@Command(
    name = "vnic",
    mixinStandardHelpOptions = true,
    header = "Create, delete and list the vNICs (virtual functions) of a running engine.",
    subcommands = {VnicCommand.Create.class, VnicCommand.Delete.class, VnicCommand.ListVnics.class})
public final class VnicCommand implements Runnable
{
    @Spec
    CommandSpec spec;

    @ParentCommand
    SoftnicCli cli;

    @Override
    public void run()
    {
        throw new CommandLine.ParameterException(spec.commandLine(), "a subcommand is needed: create, delete or list");
    }

    /** What the three subcommands share: the engine they talk to. */
    abstract static class Sub implements Callable<Integer>
    {
        @Spec
        CommandSpec spec;

        @ParentCommand
        VnicCommand parent;

        @Option(names = "--engine", paramLabel = "DIR",
            description = "The running engine's directory (default /dev/shm/softnic-$USER/engine).")
        Path engine;

        Path dir()
        {
            return engine != null ? engine : EngineConfig.defaultDir();
        }

        int refused(final EngineClient.Response r)
        {
            parent.cli.err().println(spec.qualifiedName() + ": " + r.message());
            return r.status() == CommandRing.BAD_VALUE ? SoftnicCli.EXIT_USAGE : SoftnicCli.EXIT_FAILED;
        }

        String checkedName(final String name)
        {
            if (!VnicMessages.validName(name))
            {
                throw new CommandLine.ParameterException(spec.commandLine(), "bad vNIC name '" + name + "' (1.." +
                    VnicMessages.MAX_NAME_LENGTH + " letters, digits, '_', '.', '-', starting with a letter or digit)");
            }
            return name;
        }
    }

    @Command(name = "create", mixinStandardHelpOptions = true, header = "Create a vNIC with its quotas.")
    static final class Create extends Sub
    {
        @Parameters(index = "0", paramLabel = "NAME", description = "The vNIC's name.")
        String name;

        @Option(names = "--max-qps", paramLabel = "N", description = "QPs it may create (default 256).")
        int maxQps = 256;

        @Option(names = "--max-cqs", paramLabel = "N", description = "CQs it may create (default 256).")
        int maxCqs = 256;

        @Option(names = "--max-mrs", paramLabel = "N", description = "MRs it may register (default 1024).")
        int maxMrs = 1024;

        @Option(names = "--max-mr-bytes", paramLabel = "BYTES",
            description = "Bytes it may register in all, e.g. 1G (default).")
        String maxMrBytes = "1G";

        @Option(names = "--eqs", paramLabel = "N", description = "Event queues (completion vectors) (default 1).")
        int eqs = 1;

        @Override
        public Integer call()
        {
            checkedName(name);
            final long bytes;
            try
            {
                bytes = EngineConfig.bytes("--max-mr-bytes", maxMrBytes, 1, Long.MAX_VALUE);
                EngineConfig.number("--max-qps", Integer.toString(maxQps), 1, Integer.MAX_VALUE);
                EngineConfig.number("--max-cqs", Integer.toString(maxCqs), 1, Integer.MAX_VALUE);
                EngineConfig.number("--max-mrs", Integer.toString(maxMrs), 1, Integer.MAX_VALUE);
                EngineConfig.number("--eqs", Integer.toString(eqs), 1, Integer.MAX_VALUE);
            }
            catch (final IllegalArgumentException ex)
            {
                throw new CommandLine.ParameterException(spec.commandLine(), ex.getMessage());
            }
            final VnicMessages.Quota quota = new VnicMessages.Quota(maxQps, maxCqs, maxMrs, bytes, eqs);
            try (EngineClient client = EngineClient.open(dir()))
            {
                final EngineClient.Response r = client.call(VnicMessages.VNIC_CREATE, VnicMessages.CREATE_LENGTH,
                    at ->
                    {
                        VnicMessages.putName(client.ring().region(), at, name);
                        VnicMessages.putQuota(client.ring().region(), at, quota);
                    });
                if (!r.ok())
                {
                    return refused(r);
                }
                parent.cli.out().println("vnic " + name + " created (id " + r.payload().get(ValueLayout.JAVA_INT, 0) +
                    "): max_qps " + maxQps + ", max_cqs " + maxCqs + ", max_mrs " + maxMrs + ", max_mr_bytes " +
                    bytes + ", eqs " + eqs);
                return SoftnicCli.EXIT_OK;
            }
        }
    }

    @Command(name = "delete", mixinStandardHelpOptions = true, header = "Delete a vNIC.")
    static final class Delete extends Sub
    {
        @Parameters(index = "0", paramLabel = "NAME", description = "The vNIC's name.")
        String name;

        @Override
        public Integer call()
        {
            checkedName(name);
            try (EngineClient client = EngineClient.open(dir()))
            {
                final EngineClient.Response r = client.call(VnicMessages.VNIC_DELETE, VnicMessages.DELETE_LENGTH,
                    at -> VnicMessages.putName(client.ring().region(), at, name));
                if (!r.ok())
                {
                    return refused(r);
                }
                parent.cli.out().println("vnic " + name + " deleted");
                return SoftnicCli.EXIT_OK;
            }
        }
    }

    @Command(name = "list", mixinStandardHelpOptions = true, header = "List the vNICs with quotas and usage.")
    static final class ListVnics extends Sub
    {
        @Override
        public Integer call()
        {
            final List<VnicMessages.Info> all = new ArrayList<>();
            try (EngineClient client = EngineClient.open(dir()))
            {
                int total;
                do
                {
                    final int start = all.size();
                    final EngineClient.Response r = client.call(VnicMessages.VNIC_LIST, VnicMessages.LIST_LENGTH,
                        at -> client.ring().region().set(ValueLayout.JAVA_INT, at + VnicMessages.LIST_START_OFFSET,
                            start));
                    if (!r.ok())
                    {
                        return refused(r);
                    }
                    total = r.payload().get(ValueLayout.JAVA_INT, VnicMessages.LIST_TOTAL_OFFSET);
                    final int count = r.payload().get(ValueLayout.JAVA_INT, VnicMessages.LIST_COUNT_OFFSET);
                    if (count < 0 || count > VnicMessages.ENTRIES_PER_PAGE || (count == 0 && start < total))
                    {
                        throw new ToolFailure("the engine answered a bad vNIC list page (" + count + " entries)");
                    }
                    for (int i = 0; i < count; i++)
                    {
                        all.add(VnicMessages.getInfo(r.payload(),
                            VnicMessages.LIST_ENTRIES_OFFSET + (long)i * VnicMessages.ENTRY_LENGTH));
                    }
                }
                while (all.size() < total);
            }
            if (all.isEmpty())
            {
                parent.cli.out().println("no vNICs on the engine at " + dir());
                return SoftnicCli.EXIT_OK;
            }
            final String format = "%-32s %4s %8s %8s %8s %14s %4s %6s %6s %6s %14s %12s %12s%n";
            parent.cli.out().printf(format, "NAME", "ID", "MAX_QPS", "MAX_CQS", "MAX_MRS", "MAX_MR_BYTES", "EQS",
                "QPS", "CQS", "MRS", "MR_BYTES", "CONTROL_OPS", "DATA_OPS");
            for (final VnicMessages.Info v : all)
            {
                parent.cli.out().printf(format, v.name(), v.id(), v.quota().maxQps(), v.quota().maxCqs(),
                    v.quota().maxMrs(), v.quota().maxMrBytes(), v.quota().eqs(), v.usedQps(), v.usedCqs(),
                    v.usedMrs(), v.usedMrBytes(), v.controlOps(), v.dataOps());
            }
            return SoftnicCli.EXIT_OK;
        }
    }
}
