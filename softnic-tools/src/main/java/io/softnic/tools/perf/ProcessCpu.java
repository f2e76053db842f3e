package io.softnic.tools.perf;

import java.lang.management.ManagementFactory;
import java.lang.management.OperatingSystemMXBean;
import java.lang.management.ThreadMXBean;

/**
 * CPU time this process has used, every thread together (engines, handlers, application): what an operation costs,
 * unlike wall time, which a sleeping thread does not spend. From the platform's process CPU time, or else the sum
 * of the live threads' CPU times; -1 where neither can be had.
 */
final class ProcessCpu
{
    private static final OperatingSystemMXBean OS = ManagementFactory.getOperatingSystemMXBean();
    private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

    private ProcessCpu()
    {
    }

    /** Process CPU time in nanoseconds, or -1. */
    static long nanos()
    {
        if (OS instanceof com.sun.management.OperatingSystemMXBean sun)
        {
            final long t = sun.getProcessCpuTime();
            if (t >= 0)
            {
                return t;
            }
        }
        if (!THREADS.isThreadCpuTimeSupported() || !THREADS.isThreadCpuTimeEnabled())
        {
            return -1;
        }
        long sum = 0;
        for (final long id : THREADS.getAllThreadIds())
        {
            final long t = THREADS.getThreadCpuTime(id);
            if (t > 0)
            {
                sum += t;
            }
        }
        return sum;
    }
}
