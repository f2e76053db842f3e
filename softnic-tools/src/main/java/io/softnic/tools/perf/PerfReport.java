package io.softnic.tools.perf;

import io.softnic.verbs.IbvAhAttr;
import io.softnic.verbs.IbvQpAttr;

import java.io.PrintStream;
import java.util.List;
import java.util.Locale;

/** perftest's output: the test banner, the address lines, and the result tables in its exact column layout. */
public final class PerfReport
{
    public static final String RESULT_LINE = "-".repeat(87);
    public static final String BW_HEADER =
        " #bytes     #iterations    BW peak[MiB/sec]    BW average[MiB/sec]   MsgRate[Mpps]";
    public static final String BW_HEADER_GBITS =
        " #bytes     #iterations    BW peak[Gb/sec]    BW average[Gb/sec]   MsgRate[Mpps]";
    public static final String LAT_HEADER = " #bytes #iterations    t_min[usec]    t_max[usec]  t_typical[usec]    " +
        "t_avg[usec]    t_stdev[usec]   99% percentile[usec]   99.9% percentile[usec] ";
    public static final String COST_HEADER = " #bytes     #operations    CPU[usec/op]   CPU load[%]   completions   " +
        "interrupts   compl/interrupt   CQ events   compl/event";
    private static final String COST_ROW = " %-7d    %-12d   %-12s   %-11s   %-11d   %-10d   %-15s   %-9d   %s";
    private static final String BW_ROW = " %-7d    %-10d       %-7.2f            %-7.2f\t\t   %-7.6f";
    private static final String LAT_ROW = " %-7d %d          %-7.2f        %-7.2f      %-7.2f  \t       %-7.2f     " +
        "\t%-7.2f\t\t%-7.2f \t\t%-7.2f";

    private PerfReport()
    {
    }

    public static String header(final PerfTest test, final boolean gbits)
    {
        return test.isBandwidth() ? gbits ? BW_HEADER_GBITS : BW_HEADER : LAT_HEADER;
    }

    public static String row(final BandwidthResult r, final boolean gbits)
    {
        return String.format(Locale.ROOT, BW_ROW, r.size(), r.iterations(),
            BandwidthResult.inUnits(r.peakBytesPerSec(), gbits), BandwidthResult.inUnits(r.avgBytesPerSec(), gbits),
            r.msgRateMpps());
    }

    public static String row(final LatencyResult r)
    {
        return String.format(Locale.ROOT, LAT_ROW, r.size(), r.iterations(), r.minUs(), r.maxUs(), r.typicalUs(),
            r.avgUs(), r.stdevUs(), r.p99Us(), r.p999Us());
    }

    /**
     * The cost of a round, printed below the table: process CPU time per operation and load, completions, and in
     * event mode the interrupts (device wakes of a sleeping event handler) and CQ events, each with the completions
     * it covered. A value that cannot be had prints as "-".
     */
    public static String costRow(final RoundCost c)
    {
        return String.format(Locale.ROOT, COST_ROW, c.size(), c.ops(), fixed(c.cpuUsecPerOp(), 3),
            fixed(c.cpuLoadPercent(), 1), c.completions(), c.interrupts(), fixed(c.completionsPerInterrupt(), 2),
            c.events(), fixed(c.completionsPerEvent(), 2));
    }

    private static String fixed(final double v, final int decimals)
    {
        return Double.isNaN(v) || Double.isInfinite(v) ? "-" : String.format(Locale.ROOT, "%." + decimals + "f", v);
    }

    /**
     * The banner and settings block perftest prints before the addresses; and, when {@code setup} is not null, a line
     * saying how long the setup took (resources, connecting the QPs).
     */
    static void banner(final PrintStream out, final PerfTest test, final String device, final int qps,
        final int txDepth, final int cqMod, final int mtu, final AtomicOp atomicOp, final CqOptions cq,
        final String setup)
    {
        out.println(RESULT_LINE);
        out.println("                    " + test.title());
        out.printf(" Dual-port       : OFF          Device         : %s%n", device);
        out.printf(" Number of qps   : %-13dTransport type : RoCEv2 (softnic, UDP 4791)%n", qps);
        out.println(" Connection type : RC           Using SRQ      : OFF");
        if (test.isBandwidth() || test.verb() != PerfTest.Verb.SEND)
        {
            out.printf(" TX depth        : %d%n", txDepth);
        }
        if (test.isBandwidth())
        {
            out.printf(" CQ Moderation   : %d%n", cqMod);
        }
        out.printf(" Mtu             : %d[B]%n", mtu);
        out.printf(" Use event       : %s%n", cq.useEvent() ? "ON" : "OFF");
        if (cq.useEvent())
        {
            out.printf(" Int. moderation : %s%n", cq.moderationName());
        }
        out.println(" Link type       : Ethernet");
        out.println(" GID index       : 0");
        if (test.verb() == PerfTest.Verb.ATOMIC)
        {
            out.printf(" Atomic type     : %s%n", atomicOp);
        }
        out.println(" Max inline data : 0[B]");
        out.println(" rdma_cm QPs     : ON");
        out.println(" Data ex. method : rdma_cm");
        if (setup != null)
        {
            out.println(" Setup           : " + setup);
        }
        out.println(RESULT_LINE);
    }

    /** QPs whose addresses are printed; more are summed up in one line. */
    static final int ADDRESSES_SHOWN = 64;

    /** perftest's local and remote address lines, one pair per QP (the first {@link #ADDRESSES_SHOWN}). */
    static void addresses(final PrintStream out, final List<QpLink> links, final int localIpv4)
    {
        final IbvQpAttr attr = new IbvQpAttr();
        for (final QpLink link : links.subList(0, Math.min(links.size(), ADDRESSES_SHOWN)))
        {
            link.qp.query(attr);
            out.printf(" local address: LID 0000 QPN 0x%04x PSN 0x%06x RKey 0x%06x VAddr 0x%014x%n",
                link.qp.qpNum(), attr.sqPsn, link.mr.rkey(), link.addr(0));
            out.println(" GID: " + gid(localIpv4));
            out.printf(" remote address: LID 0000 QPN 0x%04x PSN 0x%06x RKey 0x%06x VAddr 0x%014x%n",
                link.connection.peer().remoteQpn(), link.connection.peer().remoteStartingPsn(), link.rkey(),
                link.remoteAddr(0));
            out.println(" GID: " + gid(link.connection.peer().remoteIpv4()));
        }
        if (links.size() > ADDRESSES_SHOWN)
        {
            out.printf(" ... and %d more QPs (QPN 0x%04x to 0x%04x)%n", links.size() - ADDRESSES_SHOWN,
                links.get(ADDRESSES_SHOWN).qp.qpNum(), links.getLast().qp.qpNum());
        }
        out.println(RESULT_LINE);
    }

    /** An IB local ACK timeout code and what it stands for (4.096 us * 2^code). */
    static String ackTimeout(final int code)
    {
        final double ms = 4.096e-3 * (1L << code);
        return ms >= 1000 ? String.format(Locale.ROOT, "%d (%.1f s)", code, ms / 1000) :
            String.format(Locale.ROOT, "%d (%.0f ms)", code, ms);
    }

    /** A v4-mapped GID as perftest prints it. */
    static String gid(final int ipv4)
    {
        final StringBuilder sb = new StringBuilder("00:00:00:00:00:00:00:00:00:00:255:255");
        for (int shift = 24; shift >= 0; shift -= 8)
        {
            sb.append(String.format(":%02d", (ipv4 >>> shift) & 0xFF));
        }
        return sb.toString();
    }

    static String ip(final int ipv4)
    {
        return IbvAhAttr.ipv4ToString(ipv4);
    }
}
