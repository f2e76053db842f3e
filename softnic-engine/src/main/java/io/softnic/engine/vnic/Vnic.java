package io.softnic.engine.vnic;

import io.softnic.engine.counters.EngineCounters;
import io.softnic.engine.rc.ContextTable;
import io.softnic.hostif.VnicMessages;

/**
 * A virtual function of the device: a name, its quotas (reserved out of the engine's limits when it is created) and
 * its counters in the engine's counters file. Tenants bound to it will run their data path against it directly; the
 * master sees only their control operations. Its usage is what its attached tenant holds.
 */
public final class Vnic
{
    private final int id;
    private final String name;
    private final VnicMessages.Quota quota;
    private final EngineCounters counters;
    private final int controlOpsCounter;
    private final int dataOpsCounter;
    /** The connection contexts of its QPs (seed 4), in the master's memory: one record per QP of its quota. */
    private final ContextTable contextTable;
    /** What its tenant holds now (QPs, CQs, MRs, MR bytes), set by the master as it serves the tenant. */
    private volatile int usedQps;
    private volatile int usedCqs;
    private volatile int usedMrs;
    private volatile long usedMrBytes;

    Vnic(final int id, final String name, final VnicMessages.Quota quota, final EngineCounters counters,
        final int controlOpsCounter, final int dataOpsCounter)
    {
        this.id = id;
        this.name = name;
        this.quota = quota;
        this.counters = counters;
        this.controlOpsCounter = controlOpsCounter;
        this.dataOpsCounter = dataOpsCounter;
        this.contextTable = new ContextTable("vnic " + name, Math.max(1, quota.maxQps()));
    }

    public ContextTable contextTable()
    {
        return contextTable;
    }

    public int id()
    {
        return id;
    }

    public String name()
    {
        return name;
    }

    public VnicMessages.Quota quota()
    {
        return quota;
    }

    /** Control operations its tenants asked of the master (create/destroy PD, MR, CQ, QP, modify QP, CM). */
    public long controlOps()
    {
        return counters.get(controlOpsCounter);
    }

    /** Data operations its tenants ran without the master (posts, doorbells, polls, arms). */
    public long dataOps()
    {
        return counters.get(dataOpsCounter);
    }

    public int controlOpsCounter()
    {
        return controlOpsCounter;
    }

    public int dataOpsCounter()
    {
        return dataOpsCounter;
    }

    public void usage(final int qps, final int cqs, final int mrs, final long mrBytes)
    {
        usedQps = qps;
        usedCqs = cqs;
        usedMrs = mrs;
        usedMrBytes = mrBytes;
    }

    public VnicMessages.Info info()
    {
        return new VnicMessages.Info(name, id, quota, usedQps, usedCqs, usedMrs, usedMrBytes, controlOps(), dataOps());
    }
}
