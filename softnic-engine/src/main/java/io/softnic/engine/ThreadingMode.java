package io.softnic.engine;

/** How the engine's agents get CPU time, in the manner of Aeron's media driver. */
public enum ThreadingMode
{
    /** TX pipeline, RX pipeline and control (CM, timers) each on a thread of their own. */
    DEDICATED,
    /** All agents on one engine thread. */
    SHARED,
    /** No engine thread: the application's thread runs the duty cycle (on CQ poll and while it waits on control). */
    INVOKER
}
