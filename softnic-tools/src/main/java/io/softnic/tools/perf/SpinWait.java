package io.softnic.tools.perf;

/**
 * How the latency loops wait for the next message or completion: spin briefly (the answer is usually close), then
 * yield, so that on a machine with few cores the engines' threads get the CPU they need to produce the answer.
 */
final class SpinWait
{
    static final int SPINS = Integer.getInteger("softnic.perf.spins",
        Runtime.getRuntime().availableProcessors() > 4 ? 1024 : 16);

    private SpinWait()
    {
    }

    static void pause(final int spins)
    {
        if (spins < SPINS)
        {
            Thread.onSpinWait();
        }
        else
        {
            Thread.yield();
        }
    }
}
