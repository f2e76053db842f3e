package io.softnic.bench.compare;

import java.util.List;

/** One column of the comparison: a way of moving messages, measured for each workload it has a number for. */
interface PeerBench
{
    Peer peer();

    /** Whether this peer has a number for the workload (the GSO blaster has no round trip). */
    default boolean measures(final Workload workload)
    {
        return true;
    }

    Measurement measure(Workload workload, Settings settings) throws Exception;

    /** How the peer was set up, for the lines under the table. */
    List<String> notes(Settings settings);
}
