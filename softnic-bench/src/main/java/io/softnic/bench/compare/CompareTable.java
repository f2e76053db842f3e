package io.softnic.bench.compare;

import io.softnic.bench.compare.Measurement.RoundTrip;
import io.softnic.bench.compare.Measurement.Throughput;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The one table: a row per workload and metric (messages and bytes per second for streams, round-trip median and
 * 99th percentile for ping-pongs), a column per peer run, then softnic/peer ratios against Aeron UDP, NIO TCP and
 * the GSO ceiling where both numbers exist. Numbers carry three significant digits: the runs vary more than that.
 */
public final class CompareTable
{
    /** A row's metric: its unit and how it reads a measurement. */
    enum Metric
    {
        MSGS("Mmsg/s"),
        BYTES("MiB/s"),
        P50("RTT p50 µs"),
        P99("RTT p99 µs");

        final String unit;

        Metric(final String unit)
        {
            this.unit = unit;
        }

        static List<Metric> of(final Workload w)
        {
            return w.latency() ? List.of(P50, P99) : List.of(MSGS, BYTES);
        }

        /** The value shown, or NaN when the measurement is of another kind. */
        double value(final Measurement m)
        {
            return switch (m)
            {
                case Throughput t when this == MSGS -> t.msgsPerSec() / 1e6;
                case Throughput t when this == BYTES -> t.bytesPerSec() / (1 << 20);
                case RoundTrip r when this == P50 -> r.p50Us();
                case RoundTrip r when this == P99 -> r.p99Us();
                default -> Double.NaN;
            };
        }
    }

    /** A ratio column: one softnic column over a peer's. */
    record Ratio(Peer softnic, Peer peer)
    {
        String label()
        {
            return (softnic == Peer.SOFTNIC ? "softnic" : "1-engine") + "/" +
                (peer == Peer.GSO_CEILING ? "ceiling" : peer.label());
        }
    }

    /** The ratio columns, in order: softnic over its UDP peers, and the same-engine case over Aeron IPC. */
    static final List<Ratio> RATIOS = List.of(new Ratio(Peer.SOFTNIC, Peer.AERON_UDP),
        new Ratio(Peer.SOFTNIC, Peer.NIO_TCP), new Ratio(Peer.SOFTNIC, Peer.GSO_CEILING),
        new Ratio(Peer.SOFTNIC_SAME_ENGINE, Peer.AERON_IPC));
    static final String NONE = "-";
    static final String FAILED = "failed";

    private CompareTable()
    {
    }

    /** The table's lines for the peers that were run (in {@link Peer} order). */
    public static List<String> render(final Results results, final List<Peer> peers)
    {
        final List<Ratio> ratios = new ArrayList<>();
        for (final Ratio r : RATIOS)
        {
            if (peers.contains(r.softnic()) && peers.contains(r.peer()))
            {
                ratios.add(r);
            }
        }
        final List<String> heading = new ArrayList<>();
        heading.add("workload metric");
        peers.forEach(p -> heading.add(p.label()));
        ratios.forEach(r -> heading.add(r.label()));

        final List<List<String>> rows = new ArrayList<>();
        for (final Workload w : Workload.values())
        {
            for (final Metric m : Metric.of(w))
            {
                final List<String> row = new ArrayList<>();
                row.add(w.label() + " " + m.unit);
                for (final Peer p : peers)
                {
                    row.add(cell(results, w, p, m));
                }
                for (final Ratio r : ratios)
                {
                    row.add(ratio(value(results, w, r.softnic(), m), value(results, w, r.peer(), m)));
                }
                rows.add(row);
            }
        }
        return layout(heading, rows);
    }


    private static double value(final Results results, final Workload w, final Peer p, final Metric m)
    {
        final Measurement x = results.get(w, p);
        return x == null ? Double.NaN : m.value(x);
    }

    private static String cell(final Results results, final Workload w, final Peer p, final Metric m)
    {
        if (results.failure(w, p) != null)
        {
            return FAILED;
        }
        final double v = value(results, w, p, m);
        return Double.isNaN(v) ? NONE : number(v);
    }

    /** softnic's value over the peer's; "-" unless both are there. */
    static String ratio(final double softnic, final double peer)
    {
        if (Double.isNaN(softnic) || Double.isNaN(peer) || peer <= 0)
        {
            return NONE;
        }
        return number(softnic / peer) + "x";
    }

    /** Three significant digits, plain notation: 0.0124, 0.199, 12.2, 777, 1250. */
    static String number(final double v)
    {
        if (Double.isNaN(v) || Double.isInfinite(v))
        {
            return NONE;
        }
        if (v == 0)
        {
            return "0";
        }
        final int magnitude = (int)Math.floor(Math.log10(Math.abs(v)));
        if (magnitude >= 2)
        {
            final double scale = Math.pow(10, magnitude - 2);
            return String.format(Locale.ROOT, "%.0f", Math.round(v / scale) * scale);
        }
        return String.format(Locale.ROOT, "%." + (2 - magnitude) + "f", v);
    }

    /** Left-aligned first column, right-aligned numbers, at least two spaces between columns. */
    private static List<String> layout(final List<String> heading, final List<List<String>> rows)
    {
        final int[] width = new int[heading.size()];
        for (int c = 0; c < width.length; c++)
        {
            width[c] = heading.get(c).length();
            for (final List<String> row : rows)
            {
                width[c] = Math.max(width[c], row.get(c).length());
            }
        }
        final List<String> lines = new ArrayList<>();
        lines.add(line(heading, width));
        lines.add("-".repeat(lines.getFirst().length()));
        for (final List<String> row : rows)
        {
            lines.add(line(row, width));
        }
        return lines;
    }

    private static String line(final List<String> cells, final int[] width)
    {
        final StringBuilder b = new StringBuilder();
        b.append(String.format(Locale.ROOT, "%-" + width[0] + "s", cells.getFirst()));
        for (int c = 1; c < cells.size(); c++)
        {
            b.append(String.format(Locale.ROOT, "  %" + width[c] + "s", cells.get(c)));
        }
        return b.toString();
    }
}
