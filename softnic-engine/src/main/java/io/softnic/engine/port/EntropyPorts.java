package io.softnic.engine.port;

import io.softnic.wire.RoceUdp;

import java.io.IOException;
import java.net.BindException;

/**
 * Picks the source UDP ports a port's sending sockets bind to: spread over the RoCEv2 entropy range
 * (0xC000..0xFFFF), stepping past ports another process holds.
 */
final class EntropyPorts
{
    private static final int ATTEMPTS = 256;

    /** Binds something to a given port, or throws BindException when it is taken. */
    @FunctionalInterface
    interface Binder<T>
    {
        T bind(int port) throws IOException;
    }

    private EntropyPorts()
    {
    }

    static <T> T bind(final int slot, final String address, final Binder<T> binder) throws IOException
    {
        int port = RoceUdp.sourcePort(slot * 0x9E37 + 1);
        for (int attempt = 0; attempt < ATTEMPTS; attempt++)
        {
            try
            {
                return binder.bind(port);
            }
            catch (final BindException taken)
            {
                port = 0xC000 | ((port + 1) & 0x3FFF);
            }
        }
        throw new IOException("no free UDP source port in the RoCE entropy range on " + address);
    }
}
