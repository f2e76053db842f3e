package io.softnic.engine.bus;

import io.softnic.engine.counters.EngineCounters;
import io.softnic.verbs.IbvFlow;
import io.softnic.verbs.VerbsException;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * The named flows of the bus (seed 3), by id and by owner and name. Each owner (a vNIC, or the engine's own
 * applications) has a namespace of its own, so a tenant can neither see nor join another's flows. A tenant's flows
 * are limited in number ({@link #TENANT_FLOWS}) and weight ({@link #TENANT_MAX_WEIGHT}), and go when it detaches, so
 * the next tenant of the vNIC starts with none. A flow's statistics go to the counters file as
 * {@code flow_OWNER_NAME_*} while enough counters are left for vNICs. Control path: every method but {@link #get} and
 * {@link #publish} is synchronized.
 */
public final class FlowTable
{
    /** How many counters each named flow takes: bytes, turns, waiting time, depth. */
    private static final int COUNTERS_PER_FLOW = 4;
    /** Counters kept back for vNICs and ports, which need them more than flow statistics do. */
    private static final int COUNTERS_RESERVE = 64;
    /** Flows one tenant (vNIC) may have at once. */
    public static final int TENANT_FLOWS = 8;
    /** A tenant's flows weigh at most this against the default flows (weight 1) of the others. */
    public static final int TENANT_MAX_WEIGHT = 16;

    private final AtomicReferenceArray<BusFlow> flows;
    private final ArrayDeque<Integer> freeCounterBases = new ArrayDeque<>();
    private final EngineCounters counters;
    private final int[] counterBase;
    private final Map<String, BusFlow> byName = new HashMap<>();
    private int count;
    /** Flows of a class other than 0: while there are any, the RX pipeline takes bursts class by class. */
    private int classedCount;
    private volatile boolean prioritized;

    public FlowTable(final int maxFlows, final EngineCounters counters)
    {
        this.flows = new AtomicReferenceArray<>(maxFlows);
        this.counterBase = new int[maxFlows];
        this.counters = counters;
    }

    /**
     * The owner's flow of that name: made now, or the existing one if class and weight match. Throws VerbsException
     * for bad arguments, a name taken with other settings, or when every flow id (or the tenant's share) is in use.
     */
    public synchronized BusFlow create(final int owner, final String name, final int priorityClass, final int weight)
    {
        IbvFlow.validate(name, priorityClass, weight);
        final String key = owner + "/" + name;
        final BusFlow existing = byName.get(key);
        if (existing != null)
        {
            if (existing.priorityClass() != priorityClass || existing.weight() != weight)
            {
                throw new VerbsException("flow " + name + " exists with class " +
                    existing.priorityClass() + " and weight " + existing.weight());
            }
            return existing;
        }
        if (owner >= 0)
        {
            if (weight > TENANT_MAX_WEIGHT)
            {
                throw new VerbsException("a tenant's flow weighs at most " + TENANT_MAX_WEIGHT + ", not " +
                    weight);
            }
            if (ownedBy(owner) >= TENANT_FLOWS)
            {
                throw new VerbsException("out of bus flows for this vNIC (limit " + TENANT_FLOWS + ")");
            }
        }
        if (count == flows.length())
        {
            throw new VerbsException("out of bus flows (limit " + flows.length() + ")");
        }
        int id = 0;
        while (flows.get(id) != null)
        {
            id++;
        }
        final BusFlow flow = new BusFlow(id, name, owner, priorityClass, weight);
        counterBase[id] = counters(owner, name);
        flows.set(id, flow); // published whole to other threads by the array's volatile write
        byName.put(key, flow);
        count++;
        if (priorityClass > 0)
        {
            prioritized = ++classedCount > 0;
        }
        return flow;
    }

    /** Counters for a new flow: freed ones relabelled, else new ones while enough are left; -1 for none. */
    private int counters(final int owner, final String name)
    {
        final String prefix = "flow_" + (owner < 0 ? "engine" : "vnic" + owner) + "_" + name + "_";
        final String[] labels = {prefix + "bytes", prefix + "turns", prefix + "wait_ns", prefix + "depth"};
        final Integer reused = freeCounterBases.poll();
        if (reused != null)
        {
            for (int k = 0; k < COUNTERS_PER_FLOW; k++)
            {
                counters.relabel(reused + k, labels[k]);
                counters.reset(reused + k);
            }
            return reused;
        }
        if (counters.free() < COUNTERS_PER_FLOW + COUNTERS_RESERVE)
        {
            return -1;
        }
        final int base = counters.allocate(labels[0]);
        for (int k = 1; k < COUNTERS_PER_FLOW; k++)
        {
            counters.allocate(labels[k]);
        }
        return base;
    }

    private int ownedBy(final int owner)
    {
        int n = 0;
        for (final BusFlow f : byName.values())
        {
            if (f.owner() == owner)
            {
                n++;
            }
        }
        return n;
    }

    /**
     * Removes every flow of {@code owner} (its tenant detached; its QPs are gone) and returns them, for the bus to
     * free their queues. Their counters are kept for the next flows.
     */
    public synchronized List<BusFlow> removeOwner(final int owner)
    {
        final List<BusFlow> removed = new ArrayList<>();
        byName.values().removeIf(f ->
        {
            if (f.owner() != owner)
            {
                return false;
            }
            removed.add(f);
            return true;
        });
        for (final BusFlow f : removed)
        {
            flows.set(f.id(), null);
            if (counterBase[f.id()] >= 0)
            {
                for (int k = 0; k < COUNTERS_PER_FLOW; k++)
                {
                    counters.relabel(counterBase[f.id()] + k, "flow_free_" + f.id() + "_" + k);
                    counters.reset(counterBase[f.id()] + k);
                }
                freeCounterBases.add(counterBase[f.id()]);
            }
            count--;
            if (f.priorityClass() > 0)
            {
                prioritized = --classedCount > 0;
            }
        }
        return removed;
    }

    /** The flow of that id, or null. Any thread. */
    public BusFlow get(final int id)
    {
        return id >= 0 && id < flows.length() ? flows.get(id) : null;
    }

    /** The owner's flow of that name, or null. */
    public synchronized BusFlow find(final int owner, final String name)
    {
        return byName.get(owner + "/" + name);
    }

    /** Whether some flow has a class other than 0 (then the RX pipeline takes bursts class by class). Any thread. */
    public boolean prioritized()
    {
        return prioritized;
    }

    /** TX thread, after {@link FlowTurns#publish}: each flow's statistics into its counters. */
    public void publish()
    {
        for (int id = 0; id < flows.length(); id++)
        {
            final BusFlow f = flows.get(id);
            final int base = counterBase[id];
            if (f != null && base >= 0)
            {
                counters.set(base, f.bytes());
                counters.set(base + 1, f.turns());
                counters.set(base + 2, f.waitNanos());
                counters.set(base + 3, f.depth());
            }
        }
    }
}
