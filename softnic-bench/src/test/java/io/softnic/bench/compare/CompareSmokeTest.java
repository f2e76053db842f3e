package io.softnic.bench.compare;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The whole command, every peer, short measurements (softnic's perf rounds still last a second each): every cell
 * of the table holds a positive number, except where there is none to have (the blaster's round trip).
 */
@Tag("slow")
class CompareSmokeTest
{
    private static final Set<String> NO_ROUND_TRIP =
        Set.of("GSO ceiling", "softnic/ceiling", "softnic 1-engine", "1-engine/Aeron IPC");

    @Test
    @Timeout(240)
    void everyCellOfTheTableHasAPositiveNumber()
    {
        final ByteArrayOutputStream out = new ByteArrayOutputStream();
        final ByteArrayOutputStream err = new ByteArrayOutputStream();
        final int code = CompareCommand.execute(new PrintStream(out, true, StandardCharsets.UTF_8),
            new PrintStream(err, true, StandardCharsets.UTF_8), "--duration", "0.3", "--warmup", "0.2");
        final String table = out.toString(StandardCharsets.UTF_8);
        final String report = table + "\n" + err.toString(StandardCharsets.UTF_8);
        assertEquals(CompareCommand.EXIT_OK, code, report);

        final List<String> lines = table.lines().toList();
        final int headingAt = indexOf(lines, "workload metric");
        final List<String> heading = CompareTableTest.cells(lines.get(headingAt));
        assertEquals(List.of("workload metric", "softnic", "softnic 1-engine", "Aeron UDP", "Aeron IPC", "NIO TCP",
            "GSO ceiling", "softnic/Aeron UDP", "softnic/NIO TCP", "softnic/ceiling", "1-engine/Aeron IPC"), heading,
            report);
        int rows = 0;
        for (final Workload w : Workload.values())
        {
            for (final String line : lines)
            {
                if (!line.startsWith(w.label() + " "))
                {
                    continue;
                }
                rows++;
                final List<String> cells = CompareTableTest.cells(line);
                assertEquals(heading.size(), cells.size(), line);
                for (int c = 1; c < cells.size(); c++)
                {
                    final String cell = cells.get(c);
                    if (w.latency() && NO_ROUND_TRIP.contains(heading.get(c)))
                    {
                        assertEquals("-", cell, line);
                        continue;
                    }
                    final double v = Double.parseDouble(cell.endsWith("x") ? cell.substring(0, cell.length() - 1) :
                        cell);
                    assertTrue(v > 0, heading.get(c) + " in: " + line);
                }
            }
        }
        assertEquals(6, rows, report);
    }

    private static int indexOf(final List<String> lines, final String prefix)
    {
        for (int i = 0; i < lines.size(); i++)
        {
            if (lines.get(i).startsWith(prefix))
            {
                return i;
            }
        }
        throw new AssertionError("no line starts with '" + prefix + "'");
    }
}
