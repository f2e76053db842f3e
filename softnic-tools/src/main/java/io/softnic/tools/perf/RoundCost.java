package io.softnic.tools.perf;

/**
 * What one round cost, next to its table row: the process's CPU time per operation and, in event mode, how many
 * completions each interrupt (a wake of a sleeping event handler by the device) and each CQ event taken by the
 * application covered.
 *
 * @param size        message size
 * @param ops         operations of the round (requests on every QP, or exchanges)
 * @param cpuNanos    process CPU time over the round, -1 if unknown
 * @param wallNanos   wall time of the round
 * @param completions completions written to this side's CQs during the round
 * @param interrupts  wakes of this side's sleeping event handlers by the device (0 when polling)
 * @param events      CQ events this side's loops took from their completion channels (0 when polling)
 */
public record RoundCost(int size, long ops, long cpuNanos, long wallNanos, long completions, long interrupts,
    long events)
{
    public double cpuUsecPerOp()
    {
        return cpuNanos < 0 || ops <= 0 ? Double.NaN : cpuNanos / 1e3 / ops;
    }

    /** CPU load over the round in percent of one core. */
    public double cpuLoadPercent()
    {
        return cpuNanos < 0 || wallNanos <= 0 ? Double.NaN : 100.0 * cpuNanos / wallNanos;
    }

    public double completionsPerInterrupt()
    {
        return interrupts == 0 ? Double.NaN : (double)completions / interrupts;
    }

    public double completionsPerEvent()
    {
        return events == 0 ? Double.NaN : (double)completions / events;
    }
}
