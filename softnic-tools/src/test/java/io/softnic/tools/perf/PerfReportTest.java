package io.softnic.tools.perf;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import static org.junit.jupiter.api.Assertions.assertEquals;

@Timeout(10)
class PerfReportTest
{
    @Test
    void bandwidthTableHasPerftestsLayout()
    {
        assertEquals(" #bytes     #iterations    BW peak[MiB/sec]    BW average[MiB/sec]   MsgRate[Mpps]",
            PerfReport.header(PerfTest.WRITE_BW, false));
        assertEquals(" #bytes     #iterations    BW peak[Gb/sec]    BW average[Gb/sec]   MsgRate[Mpps]",
            PerfReport.header(PerfTest.SEND_BW, true));
        final BandwidthResult r = new BandwidthResult(65536, 5000, 1234.5 * 1048576, 1200.25 * 1048576,
            0.019204);
        assertEquals(" 65536      5000             1234.50            1200.25\t\t   0.019204",
            PerfReport.row(r, false));
        assertEquals(" 2          5000             0.00               0.00   \t\t   1.000000",
            PerfReport.row(new BandwidthResult(2, 5000, 1000, 1000, 1), false));
        // 10 Gb/s is 1.25e9 bytes per second
        assertEquals(" 4096       100              10.00              5.00   \t\t   0.152588",
            PerfReport.row(new BandwidthResult(4096, 100, 1.25e9, 0.625e9, 0.152588), true));
    }

    @Test
    void latencyTableHasPerftestsLayout()
    {
        assertEquals(" #bytes #iterations    t_min[usec]    t_max[usec]  t_typical[usec]    t_avg[usec]    " +
            "t_stdev[usec]   99% percentile[usec]   99.9% percentile[usec] ", PerfReport.header(PerfTest.READ_LAT,
            false));
        final LatencyResult r = new LatencyResult(2, 1000, 1.42, 1.93, 1.47, 1.47, 0.001, 1.57, 1.93);
        assertEquals(" " + "2      " + " " + "1000" + "          " + "1.42   " + "        " + "1.93   " + "      " +
            "1.47   " + "  \t       " + "1.47   " + "     \t" + "0.00   " + "\t\t" + "1.57   " + " \t\t" + "1.93   ",
            PerfReport.row(r));
        final LatencyResult big = new LatencyResult(65536, 20, 123.456, 1234.5, 150.0, 160.0, 12.5, 900.0, 1234.5);
        assertEquals(" 65536   20          123.46         1234.50      150.00   \t       160.00      \t12.50  \t\t" +
            "900.00  \t\t1234.50", PerfReport.row(big));
    }

    @Test
    void resultLineIsPerftests()
    {
        assertEquals(87, PerfReport.RESULT_LINE.length());
        assertEquals("00:00:00:00:00:00:00:00:00:00:255:255:127:00:00:03", PerfReport.gid(0x7F000003));
    }
}
