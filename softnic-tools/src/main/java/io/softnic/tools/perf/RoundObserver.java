package io.softnic.tools.perf;

import java.io.PrintStream;

/**
 * Watches each measured round of a perf client from outside the verbs API (perf's own engines: their counters),
 * and prints what it saw below the client's tables.
 */
public interface RoundObserver
{
    RoundObserver NONE = new RoundObserver()
    {
        @Override
        public void started(final int size)
        {
        }

        @Override
        public void finished(final int size)
        {
        }

        @Override
        public void report(final PrintStream out)
        {
        }
    };

    /** A measured round (not the warm-up) of {@code size}-byte messages starts now. */
    void started(int size);

    void finished(int size);

    /** After the client's tables. */
    void report(PrintStream out);
}
