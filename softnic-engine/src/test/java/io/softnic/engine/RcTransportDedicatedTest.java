package io.softnic.engine;

/** The same end-to-end transport tests with TX, RX and control of each engine on threads of their own. */
class RcTransportDedicatedTest extends RcTransportTest
{
    @Override
    ThreadingMode mode()
    {
        return ThreadingMode.DEDICATED;
    }
}
