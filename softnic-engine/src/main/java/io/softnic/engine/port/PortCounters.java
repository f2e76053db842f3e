package io.softnic.engine.port;

import io.softnic.engine.counters.EngineCounters;

/** A port's counters in the engine's counter file: packets and bytes each way, and errors. */
final class PortCounters
{
    private final EngineCounters counters;
    private final int rxPackets;
    private final int rxBytes;
    private final int txPackets;
    private final int txBytes;
    private final int errors;

    PortCounters(final EngineCounters counters, final int portIndex)
    {
        this.counters = counters;
        final String p = "port" + (portIndex + 1) + "_";
        rxPackets = counters.allocate(p + "rx_packets");
        rxBytes = counters.allocate(p + "rx_bytes");
        txPackets = counters.allocate(p + "tx_packets");
        txBytes = counters.allocate(p + "tx_bytes");
        errors = counters.allocate(p + "errors");
    }

    void received(final int packets, final long bytes)
    {
        counters.add(rxPackets, packets);
        counters.add(rxBytes, bytes);
    }

    void sent(final int packets, final long bytes)
    {
        counters.add(txPackets, packets);
        counters.add(txBytes, bytes);
    }

    void errors(final int count)
    {
        counters.add(errors, count);
    }
}
