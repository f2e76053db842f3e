package io.softnic.tools;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

@Timeout(10)
class CliValidationTest
{
    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiter = '|', textBlock = """
        perf foo_bw                                   | unknown test 'foo_bw'
        perf write_bw -s -5 --loopback                | -s must be between 1 and 8388608 bytes, not -5
        perf write_bw -s 0 --loopback                 | -s must be between 1 and 8388608 bytes, not 0
        perf write_bw -s 8388609 --loopback           | -s must be between 1 and 8388608 bytes, not 8388609
        perf atomic_bw -s 16 --loopback               | atomic tests move 8 bytes
        perf write_bw -s abc                          | Invalid value for option '--size'
        perf write_bw -n 0 --loopback                 | -n must be between 1
        perf write_bw -n 5 -D 1 --loopback            | -n and -D exclude each other
        perf write_bw -D 0 --loopback                 | -D must be between 1 and 86400
        perf write_bw -q 0 --loopback                 | -q must be between 1 and 16384
        perf write_bw -q 16385 --loopback             | -q must be between 1 and 16384
        perf write_bw -q 16384 -t 256 --loopback      | asks for 4194304 requests in flight; at most 2097152
        perf write_bw -q 4096 -s 2097152 --loopback   | MiB of registered memory per side
        perf write_lat -q 2 --loopback                | latency tests run on one QP
        perf write_bw -t 0 --loopback                 | -t must be between 1 and 8192
        perf write_bw -u 0 --loopback                 | -u must be between 1 and 31, not 0
        perf write_bw -m 1500 --loopback              | -m must be 256, 512, 1024, 2048 or 4096, not 1500
        perf write_bw -p 70000 --loopback             | -p must be a port between 1 and 65535
        perf write_bw 300.1.2.3                       | SERVER_ADDR must be an IPv4 address
        perf write_bw localhost                       | SERVER_ADDR must be an IPv4 address
        perf write_bw --context-cache 0 --loopback    | --context-cache must be between 1 and 1048576 lines, not 0
        perf write_bw --lookahead 0 --loopback        | --lookahead must be between 1 and 4194304 work requests, not 0
        perf write_bw --flows maybe --loopback        | --flows takes on or off, not 'maybe'
        perf write_bw --vnic a --lookahead 4          | --lookahead configures an engine of perf's own
        perf write_bw --port 127.0.0 127.0.0.2        | --port must be an IPv4 address
        perf write_bw --port 127.0.0.2 127.0.0.2      | the client's --port must differ from SERVER_ADDR
        perf write_bw --loopback 127.0.0.2            | --loopback runs both sides in this process
        perf write_bw --loopback --port 127.0.0.5 --port 127.0.0.5 | server and client need distinct addresses
        perf write_bw --threading FAST --loopback     | Invalid value for option '--threading'
        perf write_bw --bogus                         | Unknown option: '--bogus'
        perf write_bw --moder-usecs 16 --moder-frames 16 --loopback | --moder-usecs moderates CQ events: it needs -e
        perf write_bw --adaptive --loopback           | --adaptive moderates CQ events: it needs -e
        perf write_bw -e --adaptive --moder-usecs 16 --moder-frames 16 --loopback | --adaptive picks the moderation itself
        perf write_bw -e --moder-usecs 16 --loopback  | --moder-usecs and --moder-frames go together
        perf write_bw -e --moder-usecs -1 --moder-frames 4 --loopback | --moder-usecs must be between 0 and 1000000, not -1
        perf write_bw -e --moder-usecs 8 --moder-frames 70000 --loopback | --moder-frames must be between 0 and 65535
        perf write_bw --cq-mod 0 --loopback           | --cq-mod must be between 1 and the TX depth 128, not 0
        perf write_bw -t 16 --cq-mod 32 --loopback    | --cq-mod must be between 1 and the TX depth 16, not 32
        perf write_lat --cq-mod 4 --loopback          | --cq-mod applies to bandwidth tests
        perf write_bw -e --threading INVOKER --loopback | -e sleeps on CQ events, but with --threading INVOKER
        perf                                          | Missing required parameter: 'TEST'
        nosuch                                        | Unmatched argument
        """)
    void badInputIsOneLineAndExitCode2(final String args, final String message)
    {
        final CliRun run = CliRun.of(args.trim().split("\\s+"));
        assertEquals(SoftnicCli.EXIT_USAGE, run.exitCode(), run::toString);
        assertTrue(run.err().contains(message), run::toString);
        assertEquals(1, run.err().strip().lines().count(), run::toString);
        assertFalse(run.err().contains("Exception") || run.err().contains("\tat "), run::toString);
        assertTrue(run.out().isEmpty(), run::toString);
    }

    @Test
    void noCommandIsAUsageError()
    {
        final CliRun run = CliRun.of();
        assertEquals(SoftnicCli.EXIT_USAGE, run.exitCode(), run::toString);
        assertTrue(run.err().contains("a command is needed"), run::toString);
    }

    @Test
    void versionAndHelp()
    {
        final CliRun version = CliRun.of("--version");
        assertEquals(0, version.exitCode(), version::toString);
        assertTrue(version.out().startsWith("softnic " + SoftnicCli.VERSION), version::toString);

        final CliRun help = CliRun.of("perf", "--help");
        assertEquals(0, help.exitCode(), help::toString);
        assertTrue(help.out().contains("--report_gbits") && help.out().contains("127.0.0.3"), help::toString);

        final CliRun top = CliRun.of("--help");
        assertTrue(top.out().contains("demo") && top.out().contains("perf") && top.out().contains("stat"),
            top::toString);
    }
}
