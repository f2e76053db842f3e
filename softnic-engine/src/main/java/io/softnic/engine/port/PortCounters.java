package io.softnic.engine.port;

import io.softnic.engine.counters.EngineCounters;

/** A port's counters in the engine's counter file: packets, bytes and system calls each way, and errors. */
final class PortCounters
{
    private final EngineCounters counters;
    private final int rxPackets;
    private final int rxBytes;
    private final int txPackets;
    private final int txBytes;
    private final int errors;
    private final int rxCalls;
    private final int txCalls;
    private final int migrations;
    private final int downDrops;
    private final int autoDowns;
    /** Datagrams the kernel refused since it last took one (TX thread only). */
    private int failedInARow;

    PortCounters(final EngineCounters counters, final int portIndex)
    {
        this.counters = counters;
        final String p = "port" + (portIndex + 1) + "_";
        rxPackets = counters.allocate(p + "rx_packets");
        rxBytes = counters.allocate(p + "rx_bytes");
        txPackets = counters.allocate(p + "tx_packets");
        txBytes = counters.allocate(p + "tx_bytes");
        errors = counters.allocate(p + "errors");
        rxCalls = counters.allocate(p + "rx_syscalls");
        txCalls = counters.allocate(p + "tx_syscalls");
        migrations = counters.allocate(p + "migrations");
        downDrops = counters.allocate(p + "down_drops");
        autoDowns = counters.allocate(p + "auto_down");
    }

    /** Datagrams the kernel refused to send. */
    void sendFailed(final int datagrams)
    {
        errors(datagrams);
        failedInARow += datagrams;
    }

    int failedInARow()
    {
        return failedInARow;
    }

    /** The engine took the port down because its sends kept failing. */
    void autoDown()
    {
        counters.increment(autoDowns);
        failedInARow = 0;
    }

    /** A QP left this port for its alternate path. */
    void migration()
    {
        counters.increment(migrations);
    }

    /** Packets dropped because the port is down. */
    void downDrops(final int packets)
    {
        counters.add(downDrops, packets);
    }

    void received(final int packets, final long bytes)
    {
        counters.add(rxPackets, packets);
        counters.add(rxBytes, bytes);
    }

    /** A receive system call that brought datagrams in (packets per call shows the batching at work). */
    void receiveCall()
    {
        counters.increment(rxCalls);
    }

    /** A send system call that put datagrams on the wire. */
    void sendCall()
    {
        counters.increment(txCalls);
    }

    void sent(final int packets, final long bytes)
    {
        failedInARow = 0;
        counters.add(txPackets, packets);
        counters.add(txBytes, bytes);
    }

    void errors(final int count)
    {
        counters.add(errors, count);
    }
}
