package io.softnic.engine;

/** The same end-to-end transport tests with no engine thread: the test's own thread drives both devices. */
class RcTransportInvokerTest extends RcTransportTest
{
    @Override
    ThreadingMode mode()
    {
        return ThreadingMode.INVOKER;
    }
}
