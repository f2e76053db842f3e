package io.softnic.engine;

/**
 * The same end-to-end transport tests with TX, RX and control of each engine on threads of their own. Six engine
 * threads on a small machine: they park when idle instead of spinning.
 */
class RcTransportDedicatedTest extends RcTransportTest
{
    @Override
    EngineContext engine(final String name, final String address)
    {
        return RcPair.engine(name, address, ThreadingMode.DEDICATED).idle("park");
    }
}
