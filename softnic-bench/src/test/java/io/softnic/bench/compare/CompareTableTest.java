package io.softnic.bench.compare;

import io.softnic.bench.compare.Measurement.RoundTrip;
import io.softnic.bench.compare.Measurement.Throughput;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

@Timeout(10)
class CompareTableTest
{
    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(textBlock = """
        0.0124,   0.0124
        0.19949,  0.199
        2,        2.00
        12.24,    12.2
        777.3,    777
        1249.6,   1250
        43100000, 43100000
        0,        0
        """)
    void threeSignificantDigits(final double value, final String shown)
    {
        assertEquals(shown, CompareTable.number(value));
    }

    @Test
    void ratioIsSoftnicOverPeerAndNeedsBoth()
    {
        assertEquals("2.00x", CompareTable.ratio(2.0, 1.0));
        assertEquals("0.0500x", CompareTable.ratio(1.0, 20.0));
        assertEquals("-", CompareTable.ratio(Double.NaN, 1.0));
        assertEquals("-", CompareTable.ratio(1.0, Double.NaN));
        assertEquals("-", CompareTable.ratio(1.0, 0.0));
    }

    @Test
    void oneRowPerWorkloadAndMetricOneColumnPerPeerAndRatiosWhereTheyApply()
    {
        final Results r = new Results();
        r.put(Workload.WRITE_BW_64, Peer.SOFTNIC, new Throughput(400_000, 25_600_000));
        r.put(Workload.WRITE_BW_64, Peer.AERON_UDP, new Throughput(4_000_000, 256_000_000));
        r.put(Workload.WRITE_BW_64, Peer.GSO_CEILING, new Throughput(16_000_000, 1_024_000_000));
        r.put(Workload.WRITE_BW_64K, Peer.SOFTNIC, new Throughput(20_000, 20_000 * 65_536.0));
        r.fail(Workload.WRITE_BW_64K, Peer.AERON_UDP, "broken");
        r.put(Workload.WRITE_LAT_64, Peer.SOFTNIC, new RoundTrip(40, 90, 1000));
        r.put(Workload.WRITE_LAT_64, Peer.AERON_UDP, new RoundTrip(50, 100, 1000));

        final List<String> lines = CompareTable.render(r, List.of(Peer.SOFTNIC, Peer.AERON_UDP, Peer.GSO_CEILING));

        assertEquals(List.of("workload metric", "softnic", "Aeron UDP", "GSO ceiling", "softnic/Aeron UDP",
            "softnic/ceiling"), cells(lines.get(0)));
        assertTrue(lines.get(1).matches("-+"), lines.get(1));
        assertEquals(2 + 6, lines.size(), String.join("\n", lines));
        assertEquals(List.of("write_bw 64B Mmsg/s", "0.400", "4.00", "16.0", "0.100x", "0.0250x"),
            cells(lines.get(2)));
        assertEquals(List.of("write_bw 64B MiB/s", "24.4", "244", "977", "0.100x", "0.0250x"), cells(lines.get(3)));
        assertEquals(List.of("write_bw 64KiB Mmsg/s", "0.0200", "failed", "-", "-", "-"), cells(lines.get(4)));
        assertEquals(List.of("write_bw 64KiB MiB/s", "1250", "failed", "-", "-", "-"), cells(lines.get(5)));
        assertEquals(List.of("write_lat 64B RTT p50 µs", "40.0", "50.0", "-", "0.800x", "-"), cells(lines.get(6)));
        assertEquals(List.of("write_lat 64B RTT p99 µs", "90.0", "100", "-", "0.900x", "-"), cells(lines.get(7)));
        // every line of the table is as wide as the heading: the columns line up
        for (final String line : lines)
        {
            assertEquals(lines.getFirst().length(), line.length(), line);
        }
    }

    @Test
    void withoutSoftnicThereAreNoRatios()
    {
        final List<String> lines = CompareTable.render(new Results(), List.of(Peer.NIO_TCP, Peer.GSO_CEILING));
        assertEquals(List.of("workload metric", "NIO TCP", "GSO ceiling"), cells(lines.getFirst()));
        assertEquals(List.of("write_bw 64B Mmsg/s", "-", "-"), cells(lines.get(2)));
    }

    /** A table line's cells: columns are at least two spaces apart, and no cell holds two spaces in a row. */
    static List<String> cells(final String line)
    {
        return Arrays.asList(line.strip().split("\\s{2,}"));
    }
}
