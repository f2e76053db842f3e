package io.softnic.bench.compare;

/** The rows of the comparison: perftest's names for what every peer is asked to do. */
public enum Workload
{
    WRITE_BW_64("write_bw 64B", 64, false),
    WRITE_BW_64K("write_bw 64KiB", 65_536, false),
    WRITE_LAT_64("write_lat 64B", 64, true);

    private final String label;
    private final int size;
    private final boolean latency;

    Workload(final String label, final int size, final boolean latency)
    {
        this.label = label;
        this.size = size;
        this.latency = latency;
    }

    public String label()
    {
        return label;
    }

    /** Message size in bytes. */
    public int size()
    {
        return size;
    }

    /** A one-message-at-a-time round trip (ping-pong) rather than a stream. */
    public boolean latency()
    {
        return latency;
    }
}
