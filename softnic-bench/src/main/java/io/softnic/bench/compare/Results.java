package io.softnic.bench.compare;

import java.util.EnumMap;
import java.util.Map;

/** The cells of the comparison: per workload and peer, a measurement or the reason there is none. */
public final class Results
{
    private final Map<Workload, Map<Peer, Measurement>> cells = new EnumMap<>(Workload.class);
    private final Map<Workload, Map<Peer, String>> failures = new EnumMap<>(Workload.class);

    public void put(final Workload workload, final Peer peer, final Measurement m)
    {
        cells.computeIfAbsent(workload, w -> new EnumMap<>(Peer.class)).put(peer, m);
    }

    public void fail(final Workload workload, final Peer peer, final String reason)
    {
        failures.computeIfAbsent(workload, w -> new EnumMap<>(Peer.class)).put(peer, reason);
    }

    /** The measurement, or null. */
    public Measurement get(final Workload workload, final Peer peer)
    {
        final Map<Peer, Measurement> row = cells.get(workload);
        return row == null ? null : row.get(peer);
    }

    /** Why the cell is empty, or null if it did not fail. */
    public String failure(final Workload workload, final Peer peer)
    {
        final Map<Peer, String> row = failures.get(workload);
        return row == null ? null : row.get(peer);
    }

    public boolean anyFailed()
    {
        return !failures.isEmpty();
    }
}
