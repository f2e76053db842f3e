package io.softnic.tools.perf;

/** Picks the exchange a latency test runs on this side. */
final class LatencyOps
{
    private LatencyOps()
    {
    }

    static LatencyOp create(final PerfTest test, final PerfEndpoint endpoint, final ControlChannel control,
        final Watchdog watchdog, final AtomicOp atomicOp, final boolean active)
    {
        final QpLink link = endpoint.links.getFirst();
        final SendTracker sends = new SendTracker(endpoint.sendCq, watchdog, 4);
        return switch (test.verb())
        {
            case WRITE -> new WritePingPong(endpoint.ibv, link, endpoint.layout, sends, control, watchdog, active);
            case SEND -> new SendPingPong(link, endpoint.layout, endpoint.recvCq, sends, control, watchdog, active);
            case READ -> new ReadProbe(link, endpoint.layout, sends);
            case ATOMIC -> new AtomicProbe(link, endpoint.layout, sends, atomicOp);
        };
    }
}
