package io.softnic.engine;

import io.softnic.engine.port.PortIo;

/** The same end-to-end transport tests with ports forced onto the CHANNEL path (the suite runs every path). */
class RcTransportChannelIoTest extends RcTransportTest
{
    @Override
    EngineContext engine(final String name, final String address)
    {
        return RcPair.engine(name, address, ThreadingMode.SHARED).portIo(PortIo.CHANNEL);
    }
}
