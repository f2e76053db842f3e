package io.softnic.bench.compare;

import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Bad input is one line on stderr, nothing on stdout, exit code 2, and nothing is measured. */
@Timeout(10)
class CompareCommandValidationTest
{
    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiter = '|', textBlock = """
        --duration 0                  | --duration must be between 0.1 and 3600 seconds
        --duration -3                 | --duration must be between 0.1 and 3600 seconds
        --duration 4000               | --duration must be between 0.1 and 3600 seconds
        --duration NaN                | --duration must be between 0.1 and 3600 seconds
        --duration abc                | Invalid value for option '--duration'
        --warmup -1                   | --warmup must be between 0 and 600 seconds
        --only softnic,redis          | --only takes softnic, softnic-1engine, aeron-udp, aeron-ipc, nio-tcp, gso, not 'redis'
        --threading DEDICATED         | Invalid value for option '--threading'
        --bogus                       | Unknown option: '--bogus'
        extra                         | Unmatched argument
        """)
    void badInputIsOneLineAndExitCode2(final String args, final String message)
    {
        final ByteArrayOutputStream out = new ByteArrayOutputStream();
        final ByteArrayOutputStream err = new ByteArrayOutputStream();
        final int code = CompareCommand.execute(new PrintStream(out, true, StandardCharsets.UTF_8),
            new PrintStream(err, true, StandardCharsets.UTF_8), args.trim().split("\\s+"));
        final String e = err.toString(StandardCharsets.UTF_8);
        assertEquals(CompareCommand.EXIT_USAGE, code, e);
        assertTrue(e.contains(message), e);
        assertEquals(1, e.strip().lines().count(), e);
        assertEquals("", out.toString(StandardCharsets.UTF_8));
    }
}
