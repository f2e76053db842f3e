package io.softnic.engine;

/** The same end-to-end transport tests with no engine thread: the test's own thread drives both devices. */
class RcTransportInvokerTest extends RcTransportTest
{
    @Override
    EngineContext engine(final String name, final String address)
    {
        return RcPair.engine(name, address, ThreadingMode.INVOKER);
    }
}
