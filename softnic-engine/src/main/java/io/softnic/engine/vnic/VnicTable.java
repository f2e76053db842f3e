package io.softnic.engine.vnic;

import io.softnic.engine.counters.EngineCounters;
import io.softnic.hostif.CommandRing;
import io.softnic.hostif.VnicMessages;

import java.util.ArrayList;
import java.util.List;

/**
 * The master's table of vNICs. A vNIC's quotas are reservations: the sum of every vNIC's QPs, CQs, MRs and MR bytes
 * may not exceed the engine's limits, so each vNIC can always get what it was promised. Names are unique. Each table
 * slot owns two counters in the engine's counters file, allocated on its first use and relabelled and zeroed when the
 * slot is reused, so creating and deleting vNICs never runs the counters file out.
 */
public final class VnicTable
{
    /** The engine-wide limits quotas are reserved from. */
    public record Limits(int maxVnics, int maxQps, int maxCqs, int maxMrs, long maxMemory, int maxEqs)
    {
        public Limits
        {
            if (maxVnics < 1 || maxVnics > MAX_VNICS)
            {
                throw new IllegalArgumentException("max vNICs " + maxVnics + " out of range 1.." + MAX_VNICS);
            }
            if (maxQps < 1 || maxCqs < 1 || maxMrs < 1 || maxMemory < 1 || maxEqs < 1)
            {
                throw new IllegalArgumentException("engine limits must be positive");
            }
        }
    }

    public static final int MAX_VNICS = 128;

    private final Limits limits;
    private final EngineCounters counters;
    private final Vnic[] slots;
    private final int[] controlCounter;
    private final int[] dataCounter;

    public VnicTable(final Limits limits, final EngineCounters counters)
    {
        this.limits = limits;
        this.counters = counters;
        this.slots = new Vnic[limits.maxVnics()];
        this.controlCounter = new int[limits.maxVnics()];
        this.dataCounter = new int[limits.maxVnics()];
        java.util.Arrays.fill(controlCounter, -1);
        java.util.Arrays.fill(dataCounter, -1);
        if (counters.free() < 2 * limits.maxVnics())
        {
            throw new IllegalArgumentException("max vNICs " + limits.maxVnics() + " needs " + 2 * limits.maxVnics() +
                " counters, the counters file has " + counters.free() + " left");
        }
    }

    public Limits limits()
    {
        return limits;
    }

    /** Creates a vNIC; throws {@link VnicException} with a clear message if the name or a quota is refused. */
    public synchronized Vnic create(final String name, final VnicMessages.Quota q)
    {
        if (!VnicMessages.validName(name))
        {
            throw new VnicException(CommandRing.BAD_VALUE, "bad vNIC name '" + name + "' (1.." +
                VnicMessages.MAX_NAME_LENGTH + " letters, digits, '_', '.', '-', starting with a letter or digit)");
        }
        if (find(name) != null)
        {
            throw new VnicException(CommandRing.EXISTS, "a vNIC named " + name + " exists already");
        }
        positive("max QPs", q.maxQps(), limits.maxQps());
        positive("max CQs", q.maxCqs(), limits.maxCqs());
        positive("max MRs", q.maxMrs(), limits.maxMrs());
        positive("EQs", q.eqs(), limits.maxEqs());
        if (q.maxMrBytes() < 1 || q.maxMrBytes() > limits.maxMemory())
        {
            throw new VnicException(CommandRing.BAD_VALUE, "max MR bytes " + q.maxMrBytes() + " out of range 1.." +
                limits.maxMemory() + " (the engine's max memory)");
        }
        int free = -1;
        long qps = 0, cqs = 0, mrs = 0, bytes = 0;
        for (int i = 0; i < slots.length; i++)
        {
            final Vnic v = slots[i];
            if (v == null)
            {
                free = free < 0 ? i : free;
                continue;
            }
            qps += v.quota().maxQps();
            cqs += v.quota().maxCqs();
            mrs += v.quota().maxMrs();
            bytes += v.quota().maxMrBytes();
        }
        if (free < 0)
        {
            throw new VnicException(CommandRing.LIMIT, "the engine has " + slots.length + " vNICs, its limit " +
                "(max-vnics)");
        }
        reserve("QPs", qps, q.maxQps(), limits.maxQps(), "max-qps");
        reserve("CQs", cqs, q.maxCqs(), limits.maxCqs(), "max-cqs");
        reserve("MRs", mrs, q.maxMrs(), limits.maxMrs(), "max-mrs");
        reserve("MR bytes", bytes, q.maxMrBytes(), limits.maxMemory(), "max-memory");
        final String prefix = "vnic_" + name + "_";
        controlCounter[free] = counter(controlCounter[free], prefix + "control_ops");
        dataCounter[free] = counter(dataCounter[free], prefix + "data_ops");
        final Vnic vnic = new Vnic(free, name, q, counters, controlCounter[free], dataCounter[free]);
        slots[free] = vnic;
        return vnic;
    }

    private int counter(final int id, final String label)
    {
        if (id < 0)
        {
            return counters.allocate(label);
        }
        counters.relabel(id, label);
        counters.reset(id);
        return id;
    }

    private static void positive(final String what, final long value, final long limit)
    {
        if (value < 1 || value > limit)
        {
            throw new VnicException(CommandRing.BAD_VALUE, what + " " + value + " out of range 1.." + limit +
                " (the engine's limit)");
        }
    }

    private static void reserve(final String what, final long reserved, final long asked, final long limit,
        final String key)
    {
        if (reserved + asked > limit)
        {
            throw new VnicException(CommandRing.LIMIT, "not enough " + what + " left: asked " + asked + ", " +
                (limit - reserved) + " of the engine's " + limit + " (" + key + ") are not reserved by other vNICs");
        }
    }

    /** Deletes a vNIC by name; throws {@link VnicException} NOT_FOUND if there is none. */
    public synchronized void delete(final String name)
    {
        final Vnic v = find(name);
        if (v == null)
        {
            throw new VnicException(CommandRing.NOT_FOUND, "no vNIC named " + name);
        }
        slots[v.id()] = null;
        counters.relabel(controlCounter[v.id()], "vnic" + v.id() + "_unused_control_ops");
        counters.relabel(dataCounter[v.id()], "vnic" + v.id() + "_unused_data_ops");
        counters.reset(controlCounter[v.id()]);
        counters.reset(dataCounter[v.id()]);
    }

    public synchronized Vnic find(final String name)
    {
        for (final Vnic v : slots)
        {
            if (v != null && v.name().equals(name))
            {
                return v;
            }
        }
        return null;
    }

    /** The vNICs, by name. */
    public synchronized List<Vnic> list()
    {
        final List<Vnic> list = new ArrayList<>();
        for (final Vnic v : slots)
        {
            if (v != null)
            {
                list.add(v);
            }
        }
        list.sort(java.util.Comparator.comparing(Vnic::name));
        return list;
    }

    public synchronized int size()
    {
        int n = 0;
        for (final Vnic v : slots)
        {
            n += v != null ? 1 : 0;
        }
        return n;
    }
}
