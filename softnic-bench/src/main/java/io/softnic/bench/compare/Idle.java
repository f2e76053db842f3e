package io.softnic.bench.compare;

import org.agrona.concurrent.BackoffIdleStrategy;
import org.agrona.concurrent.IdleStrategy;

/** The idle strategies every peer uses, so that none wins by waiting differently. */
final class Idle
{
    private Idle()
    {
    }

    /** Device threads (Aeron's media drivers): softnic's engine default, spin 10, yield 20, park 1 to 100 us. */
    static IdleStrategy device()
    {
        return new BackoffIdleStrategy(10, 20, 1_000, 100_000);
    }

    /**
     * Application threads waiting for a message or for room to send: spin briefly, then yield, as softnic perf's
     * loops do; on two cores a thread that yields lets the device threads produce what it waits for.
     */
    static IdleStrategy app()
    {
        return new BackoffIdleStrategy(16, Long.MAX_VALUE, 1_000, 1_000);
    }
}
