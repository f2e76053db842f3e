package io.softnic.tools;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

import java.io.PrintStream;
import java.io.PrintWriter;

/**
 * The {@code softnic} command. Subcommands print through {@link #out()} and {@link #err()}, so tests run the CLI in
 * process with {@link #execute} and read its exit code; only {@link #main} calls System.exit. Bad input is one line
 * on stderr and exit code 2; a failed run is exit code 1.
 */
@Command(
    name = "softnic",
    mixinStandardHelpOptions = true,
    versionProvider = SoftnicCli.Version.class,
    description = "softnic: an RDMA NIC made of software, speaking RoCEv2 over UDP.",
    subcommands = {DemoCommand.class, PerfCommand.class, StatCommand.class, PortCommand.class, EngineCommand.class,
        VnicCommand.class,
        CommandLine.HelpCommand.class},
    footer = {"", "Start with: softnic demo"})
public final class SoftnicCli implements Runnable
{
    public static final int EXIT_OK = 0;
    public static final int EXIT_FAILED = 1;
    public static final int EXIT_USAGE = 2;
    public static final String VERSION = "0.1.0-SNAPSHOT";

    @Spec
    CommandSpec spec;

    private final PrintStream out;
    private final PrintStream err;

    public SoftnicCli(final PrintStream out, final PrintStream err)
    {
        this.out = out;
        this.err = err;
    }

    public PrintStream out()
    {
        return out;
    }

    public PrintStream err()
    {
        return err;
    }

    @Override
    public void run()
    {
        throw new CommandLine.ParameterException(spec.commandLine(),
            "a command is needed: demo, perf or stat");
    }

    public static void main(final String[] args)
    {
        System.exit(execute(System.out, System.err, args));
    }

    /** Runs the CLI in this process and returns its exit code. */
    public static int execute(final PrintStream out, final PrintStream err, final String... args)
    {
        final int code = commandLine(out, err).execute(args);
        out.flush();
        err.flush();
        return code;
    }

    static CommandLine commandLine(final PrintStream out, final PrintStream err)
    {
        final CommandLine cmd = new CommandLine(new SoftnicCli(out, err));
        cmd.setOut(new PrintWriter(out, true));
        cmd.setErr(new PrintWriter(err, true));
        cmd.setCaseInsensitiveEnumValuesAllowed(true);
        cmd.setParameterExceptionHandler((ex, args) ->
        {
            final String name = ex.getCommandLine().getCommandSpec().qualifiedName();
            err.println(name + ": " + oneLine(ex.getMessage()) + " (see '" + name + " --help')");
            return EXIT_USAGE;
        });
        cmd.setExecutionExceptionHandler((ex, commandLine, parseResult) ->
        {
            err.println(commandLine.getCommandSpec().qualifiedName() + ": " + oneLine(ToolFailure.describe(ex)));
            if (System.getenv("SOFTNIC_DEBUG") != null)
            {
                ex.printStackTrace(err);
            }
            return EXIT_FAILED;
        });
        return cmd;
    }

    static String oneLine(final String s)
    {
        return s == null ? "" : s.replaceAll("\\s*[\\r\\n]+\\s*", "; ").strip();
    }

    /** softnic's version, also for --version. */
    public static final class Version implements CommandLine.IVersionProvider
    {
        @Override
        public String[] getVersion()
        {
            return new String[] {
                "softnic " + VERSION,
                "RoCEv2 over UDP, Java " + Runtime.version().feature()};
        }
    }
}
