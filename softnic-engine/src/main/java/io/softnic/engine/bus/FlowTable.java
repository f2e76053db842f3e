package io.softnic.engine.bus;

import io.softnic.engine.counters.EngineCounters;

import java.util.HashMap;
import java.util.Map;

/**
 * The named flows of the bus (seed 3), by id and by owner and name. Each owner (a vNIC, or the engine's own
 * applications) has a namespace of its own, so a tenant can neither see nor join another's flows. A flow lives as
 * long as the engine; its statistics go to the counters file as {@code flow_OWNER_NAME_*} while counters are left.
 * Control path: every method but {@link #get} and {@link #publish} is synchronized.
 */
public final class FlowTable
{
    /** How many counters each named flow takes: bytes, turns, waiting time, depth. */
    private static final int COUNTERS_PER_FLOW = 4;

    private final BusFlow[] flows;
    private final int classes;
    private final EngineCounters counters;
    private final int[] counterBase;
    private final Map<String, BusFlow> byName = new HashMap<>();
    private int count;
    private volatile boolean prioritized;

    public FlowTable(final int maxFlows, final int classes, final EngineCounters counters)
    {
        this.flows = new BusFlow[maxFlows];
        this.counterBase = new int[maxFlows];
        this.classes = classes;
        this.counters = counters;
    }

    /**
     * The owner's flow of that name: made now, or the existing one if class and weight match. Throws
     * IllegalArgumentException for bad arguments or a name taken with other settings, IllegalStateException when
     * every flow id is in use.
     */
    public synchronized BusFlow create(final int owner, final String name, final int priorityClass, final int weight)
    {
        if (priorityClass < 0 || priorityClass >= classes)
        {
            throw new IllegalArgumentException("flow priority class " + priorityClass + " out of range 0.." +
                (classes - 1));
        }
        if (weight < 1 || weight > 1024)
        {
            throw new IllegalArgumentException("flow weight " + weight + " out of range 1..1024");
        }
        if (name == null || !name.matches("[A-Za-z0-9][A-Za-z0-9_.-]{0,31}"))
        {
            throw new IllegalArgumentException("flow name '" + name + "': 1..32 letters, digits, '_', '.', '-'");
        }
        final String key = owner + "/" + name;
        final BusFlow existing = byName.get(key);
        if (existing != null)
        {
            if (existing.priorityClass() != priorityClass || existing.weight() != weight)
            {
                throw new IllegalArgumentException("flow " + name + " exists with class " +
                    existing.priorityClass() + " and weight " + existing.weight());
            }
            return existing;
        }
        if (count == flows.length)
        {
            throw new IllegalStateException("out of bus flows (limit " + flows.length + ")");
        }
        int id = 0;
        while (flows[id] != null)
        {
            id++;
        }
        final BusFlow flow = new BusFlow(id, name, owner, priorityClass, weight);
        counterBase[id] = -1;
        if (counters.free() >= COUNTERS_PER_FLOW)
        {
            final String prefix = "flow_" + (owner < 0 ? "engine" : "vnic" + owner) + "_" + name + "_";
            counterBase[id] = counters.allocate(prefix + "bytes");
            counters.allocate(prefix + "turns");
            counters.allocate(prefix + "wait_ns");
            counters.allocate(prefix + "depth");
        }
        flows[id] = flow;
        byName.put(key, flow);
        count++;
        prioritized |= priorityClass > 0;
        return flow;
    }

    /** The flow of that id, or null. Any thread. */
    public BusFlow get(final int id)
    {
        return id >= 0 && id < flows.length ? flows[id] : null;
    }

    /** The owner's flow of that name, or null. */
    public synchronized BusFlow find(final int owner, final String name)
    {
        return byName.get(owner + "/" + name);
    }

    public int capacity()
    {
        return flows.length;
    }

    /** Whether some flow has a class other than 0 (then the RX pipeline takes bursts class by class). Any thread. */
    public boolean prioritized()
    {
        return prioritized;
    }

    /** TX thread, after {@link FlowTurns#publish}: each flow's statistics into its counters. */
    public void publish()
    {
        for (int id = 0; id < flows.length; id++)
        {
            final BusFlow f = flows[id];
            if (f != null && counterBase[id] >= 0)
            {
                final int base = counterBase[id];
                counters.set(base, f.bytes());
                counters.set(base + 1, f.turns());
                counters.set(base + 2, f.waitNanos());
                counters.set(base + 3, f.depth());
            }
        }
    }
}
