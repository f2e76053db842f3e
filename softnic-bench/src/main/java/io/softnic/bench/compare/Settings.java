package io.softnic.bench.compare;

import java.time.Duration;

/** How long each measurement runs, after how long a warm-up, and who drives the devices. */
public record Settings(Duration duration, Duration warmup, Threading threading)
{
    public long durationNanos()
    {
        return duration.toNanos();
    }

    public long warmupNanos()
    {
        return warmup.toNanos();
    }
}
