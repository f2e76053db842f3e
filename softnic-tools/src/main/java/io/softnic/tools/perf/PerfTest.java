package io.softnic.tools.perf;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/** The eight tests of {@code softnic perf}, named as perftest's binaries without the {@code ib_} prefix. */
public enum PerfTest
{
    WRITE_BW(Verb.WRITE, Kind.BW),
    WRITE_LAT(Verb.WRITE, Kind.LAT),
    READ_BW(Verb.READ, Kind.BW),
    READ_LAT(Verb.READ, Kind.LAT),
    SEND_BW(Verb.SEND, Kind.BW),
    SEND_LAT(Verb.SEND, Kind.LAT),
    ATOMIC_BW(Verb.ATOMIC, Kind.BW),
    ATOMIC_LAT(Verb.ATOMIC, Kind.LAT);

    /** perftest's MAX_SIZE for RC: 8 MiB. */
    public static final int MAX_SIZE = 1 << 23;
    public static final int ATOMIC_SIZE = 8;

    public enum Verb
    {
        SEND("Send"), WRITE("RDMA_Write"), READ("RDMA_Read"), ATOMIC("Atomic");

        private final String label;

        Verb(final String label)
        {
            this.label = label;
        }

        public String label()
        {
            return label;
        }
    }

    public enum Kind
    {
        BW, LAT
    }

    private final Verb verb;
    private final Kind kind;

    PerfTest(final Verb verb, final Kind kind)
    {
        this.verb = verb;
        this.kind = kind;
    }

    public Verb verb()
    {
        return verb;
    }

    public Kind kind()
    {
        return kind;
    }

    public boolean isBandwidth()
    {
        return kind == Kind.BW;
    }

    public String testName()
    {
        return name().toLowerCase(Locale.ROOT);
    }

    /** perftest's banner, e.g. "RDMA_Write BW Test". */
    public String title()
    {
        return verb.label() + (kind == Kind.BW ? " BW Test" : " Latency Test");
    }

    public int defaultSize()
    {
        return verb == Verb.ATOMIC ? ATOMIC_SIZE : kind == Kind.BW ? 65536 : 2;
    }

    public long defaultIters()
    {
        return kind == Kind.BW ? 5000 : 1000;
    }

    public int defaultTxDepth()
    {
        return kind == Kind.BW ? 128 : 1;
    }

    /** Both sides take turns: write_lat and send_lat. Their round trip is halved to report one-way latency. */
    public boolean isPingPong()
    {
        return kind == Kind.LAT && (verb == Verb.WRITE || verb == Verb.SEND);
    }

    public int rttFactor()
    {
        return isPingPong() ? 2 : 1;
    }

    /** Whether this side's QPs receive SENDs carrying test data (not only control messages). */
    public boolean receivesData(final boolean client)
    {
        return verb == Verb.SEND && (kind == Kind.LAT || !client);
    }

    /** Receive queue depth of a side that receives data: perftest's 512 for send_bw, a few for send_lat. */
    public int dataRxDepth()
    {
        return kind == Kind.BW ? 512 : 8;
    }

    public static PerfTest byName(final String name)
    {
        for (final PerfTest t : values())
        {
            if (t.testName().equals(name))
            {
                return t;
            }
        }
        return null;
    }

    public static String names()
    {
        return Arrays.stream(values()).map(PerfTest::testName).collect(Collectors.joining(", "));
    }
}
