package io.softnic.tools.perf;

/**
 * One exchange of a latency test, as {@link LatencyEngine} drives it: the active side issues and waits for the
 * answer; a ping-pong's passive side waits for the message and answers. Implementations allocate nothing per call.
 */
interface LatencyOp
{
    void prepare(int size);

    /** Exchange number i (1-based); false when a passive side learns from a control message that the round ended. */
    boolean exchange(long i);

    /** When this side posted its request or answer in the last exchange (System.nanoTime). */
    long postedAt();

    /** When the active side saw the last exchange complete. */
    long completedAt();

    /** Reaps this side's outstanding send completions at the end of a round. */
    void drain();
}
