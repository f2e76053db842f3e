package io.softnic.engine.control;

import io.softnic.cm.CmControl;
import io.softnic.engine.EngineContext;
import io.softnic.engine.bus.BusFlow;
import io.softnic.engine.bus.BusInterface;
import io.softnic.engine.bus.FlowTable;
import io.softnic.engine.bus.FlowTurns;
import io.softnic.engine.bus.MemoryRegion;
import io.softnic.engine.completion.CompletionQueue;
import io.softnic.engine.completion.EventQueue;
import io.softnic.engine.completion.ModerationTimer;
import io.softnic.engine.counters.EngineCounters;
import io.softnic.engine.port.UdpPort;
import io.softnic.engine.rc.ConnectionContext;
import io.softnic.engine.rc.ContextCache;
import io.softnic.engine.rc.ContextTable;
import io.softnic.engine.rc.QpPath;
import io.softnic.engine.rc.QueuePair;
import io.softnic.engine.rc.Transport;
import io.softnic.engine.rc.TransportTimers;
import io.softnic.engine.sched.Scheduler;
import io.softnic.hostif.Cqe;
import io.softnic.hostif.DoorbellRing;
import io.softnic.hostif.EventRing;
import io.softnic.hostif.HostRing;
import io.softnic.hostif.RecvWqe;
import io.softnic.hostif.SendWqe;
import io.softnic.verbs.CqModeration;
import io.softnic.verbs.DeviceControl;
import io.softnic.verbs.IbvAccess;
import io.softnic.verbs.IbvDeviceAttr;
import io.softnic.verbs.IbvMigState;
import io.softnic.verbs.IbvMtu;
import io.softnic.verbs.IbvQpAttr;
import io.softnic.verbs.IbvQpAttrMask;
import io.softnic.verbs.IbvQpCap;
import io.softnic.verbs.IbvQpState;
import io.softnic.verbs.RecvCqPolicy;
import io.softnic.verbs.VerbsException;
import io.softnic.wire.Psn;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.BitSet;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.function.IntSupplier;

/**
 * The master: the device's control plane. Creates and destroys PDs, MRs, CQs and QPs within the engine's limits,
 * validates QP state transitions as ibverbs does, and publishes resources to the pipelines through lock-free tables.
 * Control operations serialize on the control plane; the data path never takes its lock.
 */
public final class ControlPlane
{
    public static final int QPN_BASE = 16;

    private final EngineContext ctx;
    private final BusInterface bus;
    private final EngineCounters counters;
    private final Transport transport;
    private final ContextCache contexts;
    /** The context table of QPs made by applications in the engine's own process (a vNIC has its own). */
    private final ContextTable contextTable;
    private final TransportTimers timers;
    private final FlowTable flows;
    private final FlowTurns turns;
    private final long[] publishedContextStats = new long[5];
    private final UdpPort[] ports;
    private final Scheduler scheduler;
    private final DoorbellRing doorbell;
    private final AtomicReferenceArray<QueuePair> qps;
    private final AtomicReferenceArray<CompletionQueue> cqs;
    private final byte[] mrGenerations;
    private final BitSet pds = new BitSet();
    private final Arena arena = Arena.ofShared();
    private final IntSupplier invoker;
    private final ModerationTimer moderationTimer;
    /** Counter ids per completion vector, allocated with the vector's first EQ. */
    private final EventQueue.VectorCounters[] vectorCounters;
    private int pdCount;
    private int qpCount;
    private int cqCount;
    private int mrCount;
    private CmControl cm;
    /** Live QPs as a compact array, replaced on create and destroy, for migrating them off a failed port. */
    private final Object liveQpsLock = new Object();
    private QueuePair[] liveQps = new QueuePair[0];
    private volatile boolean liveQpsStale;
    /** QP table slots in use: a free one is found without walking the table. */
    private final BitSet usedQpSlots = new BitSet();
    private int lastAdminSequence;

    public ControlPlane(
        final EngineContext ctx,
        final BusInterface bus,
        final EngineCounters counters,
        final UdpPort[] ports,
        final IntSupplier invoker)
    {
        this.ctx = ctx;
        this.bus = bus;
        this.counters = counters;
        this.ports = ports;
        this.invoker = invoker;
        this.qps = new AtomicReferenceArray<>(ctx.maxQps());
        this.cqs = new AtomicReferenceArray<>(ctx.maxCqs());
        this.mrGenerations = new byte[ctx.maxMrs()];
        final int doorbellCapacity = doorbellCapacity(ctx.maxQps(), ctx.doorbellEntriesPerQp());
        this.doorbell = new DoorbellRing(arena.allocate(DoorbellRing.bytesFor(doorbellCapacity), 64), doorbellCapacity);
        this.scheduler = new Scheduler(ctx.maxQps(), ctx.lookaheadWindow(), doorbell, this::qp, this::liveQps,
            ctx.clock(), counters);
        this.contexts = new ContextCache(ConnectionContext.RECORD_SIZE, ctx.contextCacheSize(), bus);
        this.contextTable = new ContextTable("engine", ctx.maxQps());
        this.timers = new TransportTimers(ctx.maxQps(), ctx.clock().nanoTime());
        this.flows = new FlowTable(ctx.maxBusFlows(), counters);
        this.turns = new FlowTurns(ctx.flowArbitration(), ctx.maxQps(), ctx.maxBusFlows(),
            io.softnic.verbs.IbvFlow.CLASSES, ctx.flowQueueCapacity(), ctx.busChunkBytes());
        this.transport = new Transport(ctx, bus, counters, scheduler::schedule, new Transport.Paths()
        {
            @Override
            public boolean isUp(final int portIndex)
            {
                return portIndex >= 0 && portIndex < ports.length && ports[portIndex].isUp();
            }

            @Override
            public void migrated(final QueuePair qp, final int fromPort)
            {
                ports[fromPort].countMigration();
            }
        }, contexts, timers);
        this.moderationTimer = new ModerationTimer(ctx.maxCqs(), ctx.clock());
        this.vectorCounters = new EventQueue.VectorCounters[ctx.numCompVectors()];
    }

    /** Doorbell entries per QP, for the vNICs' rings too. */
    public int doorbellEntriesPerQp()
    {
        return ctx.doorbellEntriesPerQp();
    }

    /** Entries of a doorbell ring for {@code qps} QPs: a power of two, at most 2^24. */
    public static int doorbellCapacity(final int qps, final int entriesPerQp)
    {
        final long wanted = Math.max(2L, (long)qps * entriesPerQp);
        return HostRing.roundUpToPowerOfTwo((int)Math.min(1 << 24, wanted));
    }

    /** The agent that posts the events of moderated CQs whose time threshold passed. */
    public ModerationTimer moderationTimer()
    {
        return moderationTimer;
    }

    /** A new event queue for a completion vector of one tenant, its ring in memory from {@code memory}. */
    public synchronized EventQueue createEventQueue(final int compVector, final Arena memory)
    {
        return createEventQueue(compVector, bytes -> memory.allocate(bytes, 64));
    }

    /** The capacity of every event queue's ring (the engine's eqSize rounded up to a power of two). */
    public int eventQueueCapacity()
    {
        check(ctx.eqSize() > 0 && ctx.eqSize() <= (1 << 24), "eqSize " + ctx.eqSize() + " out of range 1..2^24");
        return HostRing.roundUpToPowerOfTwo(ctx.eqSize());
    }

    /** As {@link #createEventQueue(int, Arena)}, the ring in {@code rings} (a tenant's shared file). */
    public synchronized EventQueue createEventQueue(final int compVector, final RingMemory rings)
    {
        if (compVector < 0 || compVector >= ctx.numCompVectors())
        {
            throw new VerbsException("completion vector " + compVector + " out of range 0.." + (ctx.numCompVectors() - 1));
        }
        final int capacity = eventQueueCapacity();
        final MemorySegment ring = rings.allocate(EventRing.bytesFor(capacity));
        return new EventQueue(compVector, new EventRing(ring, capacity), counters, vectorCounters(compVector),
            ctx.moderation());
    }

    private EventQueue.VectorCounters vectorCounters(final int vector)
    {
        if (vectorCounters[vector] == null)
        {
            // per-vector counters while the counters region has room; the engine-wide totals always count
            vectorCounters[vector] = counters.free() < 4 ? EventQueue.VectorCounters.NONE :
                new EventQueue.VectorCounters(
                    counters.allocate("eq" + vector + "_events"),
                    counters.allocate("eq" + vector + "_completions"),
                    counters.allocate("eq" + vector + "_wakes"),
                    counters.allocate("eq" + vector + "_profile_changes"));
        }
        return vectorCounters[vector];
    }

    public Scheduler scheduler()
    {
        return scheduler;
    }

    public DoorbellRing doorbell()
    {
        return doorbell;
    }

    public void cm(final CmControl cm)
    {
        this.cm = cm;
    }

    /** The engine's connection manager, for the master serving attached tenants; null if there is none. */
    public io.softnic.engine.cm.ConnectionManager connectionManager()
    {
        return cm instanceof io.softnic.engine.cm.ConnectionManager m ? m : null;
    }

    /** Lock-free lookup for the pipelines; null if no such QP. */
    public QueuePair qp(final int qpn)
    {
        final int index = qpn - QPN_BASE;
        return index >= 0 && index < qps.length() ? qps.get(index) : null;
    }

    /**
     * Every live QP, for the rare passes over all of them (a port failing, a doorbell ring that overflowed): rebuilt
     * on demand after QPs came or went, so that creating and destroying a QP does not cost a walk of all of them.
     * Any thread; it never waits for the control plane's monitor (the TX thread calls it), only for another rebuild.
     */
    public QueuePair[] liveQps()
    {
        synchronized (liveQpsLock)
        {
            if (liveQpsStale)
            {
                liveQpsStale = false; // first: a QP made or destroyed during the walk marks it stale again
                final java.util.ArrayList<QueuePair> live = new java.util.ArrayList<>();
                for (int i = 0, n = qps.length(); i < n; i++)
                {
                    final QueuePair qp = qps.get(i);
                    if (qp != null)
                    {
                        live.add(qp);
                    }
                }
                liveQps = live.toArray(new QueuePair[0]);
            }
            return liveQps;
        }
    }

    public IbvDeviceAttr queryDevice()
    {
        return new IbvDeviceAttr(ctx.name(), ctx.maxQps(), ctx.maxQpWr(), ctx.maxSge(), ctx.maxCqs(), ctx.maxCqe(),
            ctx.maxMrs(), Long.MAX_VALUE, ctx.maxPds(), ctx.maxRdAtomic(), ctx.maxRdAtomic(), ctx.maxInlineData(),
            ctx.numCompVectors(), ports.length, ports[0].ipv4());
    }

    public synchronized int allocPd()
    {
        if (pdCount >= ctx.maxPds())
        {
            throw new VerbsException("out of protection domains (limit " + ctx.maxPds() + ")");
        }
        final int pdn = pds.nextClearBit(1);
        pds.set(pdn);
        pdCount++;
        return pdn;
    }

    public synchronized void deallocPd(final int pdn)
    {
        checkPd(pdn);
        for (int i = 0; i < qps.length(); i++)
        {
            final QueuePair qp = qps.get(i);
            if (qp != null && qp.owningPd() == pdn)
            {
                throw new VerbsException("PD " + pdn + " still has QP " + qp.qpn() + " (EBUSY)");
            }
        }
        for (int i = 0; i < bus.capacity(); i++)
        {
            if (!bus.slotFree(i))
            {
                final MemoryRegion mr = bus.lookup(BusInterface.keyOf(i, mrGenerations[i]));
                if (mr != null && mr.pdn() == pdn)
                {
                    throw new VerbsException("PD " + pdn + " still has MR with lkey 0x" + Integer.toHexString(mr.key()) +
                        " (EBUSY)");
                }
            }
        }
        pds.clear(pdn);
        pdCount--;
    }

    private void checkPd(final int pdn)
    {
        if (pdn <= 0 || !pds.get(pdn))
        {
            throw new VerbsException("no protection domain " + pdn);
        }
    }

    public synchronized DeviceControl.MrKeys regMr(final int pdn, final MemorySegment memory, final int access)
    {
        return regMr(pdn, memory, access, memory.address());
    }

    /**
     * Registers {@code memory} (the engine's view) under the address the tenant uses for it, {@code iova}: a tenant in
     * another process maps the same file elsewhere, and its SGEs and its peers' RETHs name the tenant's addresses.
     */
    public synchronized DeviceControl.MrKeys regMr(final int pdn, final MemorySegment memory, final int access,
        final long iova)
    {
        checkPd(pdn);
        IbvAccess.validate(access);
        if (!memory.isNative())
        {
            throw new VerbsException("memory regions must be off-heap (native) memory segments");
        }
        if (mrCount >= ctx.maxMrs())
        {
            throw new VerbsException("out of memory regions (limit " + ctx.maxMrs() + ")");
        }
        for (int i = 0; i < bus.capacity(); i++)
        {
            // index 0 is skipped so that key 0 never names a region
            if (i > 0 && bus.slotFree(i))
            {
                final int key = BusInterface.keyOf(i, ++mrGenerations[i]);
                bus.publish(i, new MemoryRegion(key, pdn, iova, access, memory));
                mrCount++;
                return new DeviceControl.MrKeys(key, key, iova, memory.byteSize());
            }
        }
        throw new VerbsException("out of memory regions");
    }

    public synchronized void deregMr(final int lkey)
    {
        if (bus.remove(lkey) == null)
        {
            throw new VerbsException("no memory region with lkey 0x" + Integer.toHexString(lkey));
        }
        mrCount--;
    }

    public synchronized DeviceControl.CqResources createCq(final int cqe, final int compVector)
    {
        return createCq(cqe, compVector, null);
    }

    /** Creates a CQ whose events (when armed) go to {@code eq}; null: a CQ without events. */
    public synchronized DeviceControl.CqResources createCq(final int cqe, final int compVector, final EventQueue eq)
    {
        return createCq(cqe, compVector, eq, HEAP_RINGS);
    }

    /** Where the rings of a CQ or QP live: process memory for embedded code, a vNIC's shared files for tenants. */
    @FunctionalInterface
    public interface RingMemory
    {
        MemorySegment allocate(long bytes);
    }

    private static final RingMemory HEAP_RINGS = bytes -> Arena.ofAuto().allocate(bytes, 64);

    public synchronized DeviceControl.CqResources createCq(
        final int cqe, final int compVector, final EventQueue eq, final RingMemory rings)
    {
        if (cqe <= 0 || cqe > ctx.maxCqe())
        {
            throw new VerbsException("CQ size " + cqe + " out of range 1.." + ctx.maxCqe());
        }
        if (compVector < 0 || compVector >= ctx.numCompVectors())
        {
            throw new VerbsException("completion vector " + compVector + " out of range 0.." + (ctx.numCompVectors() - 1));
        }
        if (cqCount >= ctx.maxCqs())
        {
            throw new VerbsException("out of CQs (limit " + ctx.maxCqs() + ")");
        }
        final int capacity = HostRing.roundUpToPowerOfTwo(cqe);
        if (!hasFree(cqs))
        {
            throw new VerbsException("out of CQs");
        }
        final MemorySegment ring = rings.allocate(HostRing.bytesFor(Cqe.LENGTH, capacity));
        for (int i = 0; i < cqs.length(); i++)
        {
            if (cqs.get(i) == null)
            {
                final int cqn = i + 1;
                cqs.set(i, new CompletionQueue(cqn, compVector, new HostRing(ring, Cqe.LENGTH, capacity), counters,
                    eq, moderationTimer, ctx.clock()));
                cqCount++;
                return new DeviceControl.CqResources(cqn, ring, capacity);
            }
        }
        throw new VerbsException("out of CQs");
    }

    /** The CQ's own moderation ({@code ibv_modify_cq}); null: its EQ's. */
    public void modifyCqModeration(final int cqn, final CqModeration moderation)
    {
        final CompletionQueue cq = cq(cqn);
        if (cq.eventQueue() == null)
        {
            throw new VerbsException("CQ " + cqn + " has no event queue to moderate");
        }
        cq.moderation(moderation);
    }

    /** Moderation of an EQ: every CQ on it without its own follows. */
    public void modifyEqModeration(final EventQueue eq, final CqModeration moderation)
    {
        if (moderation == null)
        {
            throw new VerbsException("an event queue's moderation cannot be null (use CqModeration.NONE)");
        }
        eq.moderation(moderation);
        for (int i = 0; i < cqs.length(); i++)
        {
            final CompletionQueue cq = cqs.get(i);
            if (cq != null && cq.eventQueue() == eq)
            {
                cq.applyModeration();
            }
        }
    }

    private CompletionQueue cq(final int cqn)
    {
        final CompletionQueue cq = cqn > 0 && cqn <= cqs.length() ? cqs.get(cqn - 1) : null;
        if (cq == null)
        {
            throw new VerbsException("no CQ " + cqn);
        }
        return cq;
    }

    public synchronized void destroyCq(final int cqn)
    {
        final CompletionQueue cq = cq(cqn);
        for (int i = 0; i < qps.length(); i++)
        {
            final QueuePair qp = qps.get(i);
            if (qp != null && qp.usesCq(cq))
            {
                throw new VerbsException("CQ " + cqn + " is still used by QP " + qp.qpn() + " (EBUSY)");
            }
        }
        cq.destroy();
        cqs.set(cqn - 1, null);
        cqCount--;
    }

    public synchronized DeviceControl.QpResources createQp(
        final int pdn, final int sendCqn, final int recvCqn, final IbvQpCap cap, final boolean sqSigAll)
    {
        return createQp(pdn, sendCqn, recvCqn, cap, sqSigAll, null, RecvCqPolicy.FIXED);
    }

    /** Seed 5: a QP completing into a set of CQs, one per completion vector (see {@link QueuePair#spreadCompletions}). */
    public synchronized DeviceControl.QpResources createQp(
        final int pdn,
        final int sendCqn,
        final int recvCqn,
        final IbvQpCap cap,
        final boolean sqSigAll,
        final int[] cqSetCqns,
        final int recvPolicy)
    {
        return createQp(pdn, sendCqn, recvCqn, cap, sqSigAll, cqSetCqns, recvPolicy, HEAP_RINGS, contextTable);
    }

    public synchronized DeviceControl.QpResources createQp(
        final int pdn,
        final int sendCqn,
        final int recvCqn,
        final IbvQpCap cap,
        final boolean sqSigAll,
        final int[] cqSetCqns,
        final int recvPolicy,
        final RingMemory rings,
        final ContextTable contextTable)
    {
        checkPd(pdn);
        RecvCqPolicy.validate(recvPolicy);
        CompletionQueue[] cqSet = null;
        if (cqSetCqns != null)
        {
            check(cqSetCqns.length > 0 && cqSetCqns.length <= ctx.numCompVectors(),
                "a CQ set holds 1.." + ctx.numCompVectors() + " CQs, one per completion vector");
            cqSet = new CompletionQueue[cqSetCqns.length];
            final BitSet vectors = new BitSet();
            for (int i = 0; i < cqSet.length; i++)
            {
                cqSet[i] = cq(cqSetCqns[i]);
                check(!vectors.get(cqSet[i].compVector()), "two CQs of the set are on completion vector " +
                    cqSet[i].compVector() + ": the set holds one CQ per vector");
                vectors.set(cqSet[i].compVector());
            }
        }
        else
        {
            check(recvPolicy == RecvCqPolicy.FIXED, "a receive CQ policy other than FIXED needs a CQ set");
        }
        final CompletionQueue sendCq = cq(sendCqn);
        final CompletionQueue recvCq = cq(recvCqn);
        check(cap.maxSendWr > 0 && cap.maxSendWr <= ctx.maxQpWr(), "max_send_wr " + cap.maxSendWr + " out of range 1.." + ctx.maxQpWr());
        check(cap.maxRecvWr > 0 && cap.maxRecvWr <= ctx.maxQpWr(), "max_recv_wr " + cap.maxRecvWr + " out of range 1.." + ctx.maxQpWr());
        check(cap.maxSendSge >= 0 && cap.maxSendSge <= ctx.maxSge(), "max_send_sge " + cap.maxSendSge + " out of range 0.." + ctx.maxSge());
        check(cap.maxRecvSge >= 0 && cap.maxRecvSge <= ctx.maxSge(), "max_recv_sge " + cap.maxRecvSge + " out of range 0.." + ctx.maxSge());
        check(cap.maxInlineData >= 0 && cap.maxInlineData <= ctx.maxInlineData(),
            "max_inline_data " + cap.maxInlineData + " out of range 0.." + ctx.maxInlineData());
        if (qpCount >= ctx.maxQps())
        {
            throw new VerbsException("out of QPs (limit " + ctx.maxQps() + ")");
        }
        final int sendCapacity = HostRing.roundUpToPowerOfTwo(cap.maxSendWr);
        final int sendStride = SendWqe.stride(Math.max(1, cap.maxSendSge), cap.maxInlineData);
        final int recvCapacity = HostRing.roundUpToPowerOfTwo(cap.maxRecvWr);
        final int recvStride = RecvWqe.stride(Math.max(1, cap.maxRecvSge));
        final IbvQpCap granted = new IbvQpCap();
        granted.maxSendWr = sendCapacity;
        granted.maxRecvWr = recvCapacity;
        granted.maxSendSge = Math.max(1, cap.maxSendSge);
        granted.maxRecvSge = Math.max(1, cap.maxRecvSge);
        granted.maxInlineData = Math.min(ctx.maxInlineData(), sendStride - SendWqe.HEADER_LENGTH);
        final int slot = usedQpSlots.nextClearBit(0);
        if (slot >= qps.length())
        {
            throw new VerbsException("out of QPs");
        }
        final ConnectionContext context = contextTable.allocate();
        if (context == null)
        {
            throw new VerbsException("out of QPs: the context table " + contextTable.name() + " has all its " +
                contextTable.capacity() + " records in use");
        }
        final MemorySegment sendRing;
        final MemorySegment recvRing;
        try
        {
            sendRing = rings.allocate(HostRing.bytesFor(sendStride, sendCapacity));
            recvRing = rings.allocate(HostRing.bytesFor(recvStride, recvCapacity));
        }
        catch (final RuntimeException ex)
        {
            contextTable.free(context);
            throw ex;
        }
        final int qpn = QPN_BASE + slot;
        final QueuePair qp = new QueuePair(qpn, pdn, sendCq, recvCq, sqSigAll,
            new HostRing(sendRing, sendStride, sendCapacity), new HostRing(recvRing, recvStride, recvCapacity),
            granted.maxSendSge, granted.maxRecvSge, granted.maxInlineData, context, contextTable, transport);
        if (cqSet != null)
        {
            qp.spreadCompletions(cqSet, ctx.numCompVectors(), recvPolicy);
        }
        bindCqs(qp, true);
        usedQpSlots.set(slot);
        qps.set(slot, qp);
        qpCount++;
        liveQpsStale = true;
        return new DeviceControl.QpResources(qpn, sendRing, sendCapacity, sendStride, recvRing, recvCapacity,
            recvStride, granted);
    }

    /**
     * Makes (or drops) the QP's coalescing state on each CQ its completions may go to: events are coalesced per
     * connection and CQ, and the data path must not allocate it.
     */
    private void bindCqs(final QueuePair qp, final boolean bind)
    {
        for (final CompletionQueue cq : qp.completionQueues())
        {
            if (bind)
            {
                cq.bind(qp.qpn());
            }
            else
            {
                cq.unbind(qp.qpn());
            }
        }
    }

    private static boolean hasFree(final AtomicReferenceArray<?> table)
    {
        for (int i = 0; i < table.length(); i++)
        {
            if (table.get(i) == null)
            {
                return true;
            }
        }
        return false;
    }

    private static void check(final boolean ok, final String message)
    {
        if (!ok)
        {
            throw new VerbsException(message);
        }
    }

    private QueuePair liveQp(final int qpn)
    {
        final QueuePair qp = qp(qpn);
        if (qp == null)
        {
            throw new VerbsException("no QP " + qpn);
        }
        return qp;
    }

    /** ibv_modify_qp for RC: checks the transition and its required attributes, then applies them. */
    public void modifyQp(final int qpn, final IbvQpAttr attr, final int mask)
    {
        final QueuePair qp = liveQp(qpn);
        synchronized (qp)
        {
            qp.acquireContext();
            try
            {
                modifyQp(qp, attr, mask);
            }
            finally
            {
                qp.releaseContext();
            }
        }
        scheduler.schedule(qp);
    }

    private void modifyQp(final QueuePair qp, final IbvQpAttr attr, final int mask)
    {
        final int qpn = qp.qpn();
        {
            final IbvQpState current = qp.state();
            if ((mask & IbvQpAttrMask.CUR_STATE) != 0 && attr.curQpState != current)
            {
                throw new VerbsException("QP " + qpn + " is in " + current + ", not cur_qp_state " + attr.curQpState);
            }
            final IbvQpState target = (mask & IbvQpAttrMask.STATE) != 0 ? attr.qpState : current;
            switch (target)
            {
                case RESET -> qp.toReset();
                case ERR -> qp.toError();
                case INIT -> toInit(qp, current, attr, mask);
                case RTR -> toRtr(qp, current, attr, mask);
                case RTS -> toRts(qp, current, attr, mask);
                default -> throw new VerbsException("QP state " + target + " is not supported by softnic (RC: RESET, " +
                    "INIT, RTR, RTS, ERR)");
            }
        }
    }

    private static void requireMask(final int mask, final int required, final String transition)
    {
        final int missing = required & ~mask;
        if (missing != 0)
        {
            throw new VerbsException(transition + " requires attribute mask bits 0x" + Integer.toHexString(required) +
                "; missing 0x" + Integer.toHexString(missing) + " (" + maskNames(missing) + ")");
        }
    }

    private static String maskNames(final int bits)
    {
        final String[] names = {"STATE", "CUR_STATE", "EN_SQD_ASYNC_NOTIFY", "ACCESS_FLAGS", "PKEY_INDEX", "PORT",
            "QKEY", "AV", "PATH_MTU", "TIMEOUT", "RETRY_CNT", "RNR_RETRY", "RQ_PSN", "MAX_QP_RD_ATOMIC", "ALT_PATH",
            "MIN_RNR_TIMER", "SQ_PSN", "MAX_DEST_RD_ATOMIC", "PATH_MIG_STATE", "CAP", "DEST_QPN"};
        final StringBuilder sb = new StringBuilder();
        for (int i = 0; i < names.length; i++)
        {
            if ((bits & (1 << i)) != 0)
            {
                sb.append(sb.isEmpty() ? "" : "|").append(names[i]);
            }
        }
        return sb.toString();
    }

    private void toInit(final QueuePair qp, final IbvQpState current, final IbvQpAttr attr, final int mask)
    {
        if (current == IbvQpState.RESET)
        {
            requireMask(mask, IbvQpAttrMask.RC_RESET_TO_INIT, "RESET->INIT");
        }
        else if (current != IbvQpState.INIT)
        {
            throw new VerbsException("QP " + qp.qpn() + " cannot go from " + current + " to INIT");
        }
        if ((mask & IbvQpAttrMask.PORT) != 0)
        {
            portIndex(attr.portNum);
        }
        if ((mask & IbvQpAttrMask.PKEY_INDEX) != 0 && attr.pkeyIndex != 0)
        {
            throw new VerbsException("P_Key index " + attr.pkeyIndex + " does not exist (the table has the default " +
                "P_Key 0xFFFF at index 0)");
        }
        if ((mask & IbvQpAttrMask.ACCESS_FLAGS) != 0)
        {
            IbvAccess.validate(attr.qpAccessFlags & ~IbvAccess.LOCAL_WRITE | IbvAccess.LOCAL_WRITE);
            qp.accessFlags(attr.qpAccessFlags);
        }
        qp.toInit();
    }

    private int portIndex(final int portNum)
    {
        if (portNum < 1 || portNum > ports.length)
        {
            throw new VerbsException("port " + portNum + " does not exist (the device has " + ports.length + ")");
        }
        return portNum - 1;
    }

    private void toRtr(final QueuePair qp, final IbvQpState current, final IbvQpAttr attr, final int mask)
    {
        if (current != IbvQpState.INIT)
        {
            throw new VerbsException("QP " + qp.qpn() + " cannot go from " + current + " to RTR (only from INIT)");
        }
        requireMask(mask, IbvQpAttrMask.RC_INIT_TO_RTR, "INIT->RTR");
        final int mtu = IbvMtu.bytes(attr.pathMtu);
        check(attr.destQpNum > 0 && attr.destQpNum <= Psn.MASK, "dest_qp_num " + attr.destQpNum + " out of range");
        check(attr.maxDestRdAtomic >= 0 && attr.maxDestRdAtomic <= ctx.maxRdAtomic(),
            "max_dest_rd_atomic " + attr.maxDestRdAtomic + " out of range 0.." + ctx.maxRdAtomic());
        check(attr.minRnrTimer >= 0 && attr.minRnrTimer <= 31, "min_rnr_timer " + attr.minRnrTimer + " out of range 0..31");
        check(attr.ahAttr.dgidIpv4 != 0, "the address vector has no destination GID");
        final int portIndex = portIndex(attr.ahAttr.portNum == 0 ? 1 : attr.ahAttr.portNum);
        qp.pathMtu(mtu);
        qp.applyPath(attr.destQpNum, attr.ahAttr.dgidIpv4, attr.ahAttr.dport, portIndex,
            ports[portIndex].sourcePortFor(qp.qpn()));
        applyAlternatePath(qp, attr, mask);
        if ((mask & IbvQpAttrMask.ACCESS_FLAGS) != 0)
        {
            qp.accessFlags(attr.qpAccessFlags);
        }
        qp.toRtr(attr.rqPsn & Psn.MASK, attr.maxDestRdAtomic, attr.minRnrTimer);
    }

    private void toRts(final QueuePair qp, final IbvQpState current, final IbvQpAttr attr, final int mask)
    {
        checkRetryAttrs(attr, mask);
        if (current == IbvQpState.RTR || current == IbvQpState.RTS)
        {
            applyAlternatePath(qp, attr, mask);
            if ((mask & IbvQpAttrMask.PATH_MIG_STATE) != 0)
            {
                applyMigState(qp, attr.pathMigState);
            }
        }
        if (current == IbvQpState.RTS)
        {
            qp.retune(
                (mask & IbvQpAttrMask.TIMEOUT) != 0 ? attr.timeout : qp.timeoutCode(),
                (mask & IbvQpAttrMask.RETRY_CNT) != 0 ? attr.retryCnt : qp.retryCnt(),
                (mask & IbvQpAttrMask.RNR_RETRY) != 0 ? attr.rnrRetry : qp.rnrRetry(),
                (mask & IbvQpAttrMask.MIN_RNR_TIMER) != 0 ? attr.minRnrTimer : qp.minRnrTimer());
            return;
        }
        if (current != IbvQpState.RTR)
        {
            throw new VerbsException("QP " + qp.qpn() + " cannot go from " + current + " to RTS (only from RTR)");
        }
        requireMask(mask, IbvQpAttrMask.RC_RTR_TO_RTS, "RTR->RTS");
        check(attr.maxRdAtomic >= 0 && attr.maxRdAtomic <= ctx.maxRdAtomic(),
            "max_rd_atomic " + attr.maxRdAtomic + " out of range 0.." + ctx.maxRdAtomic());
        qp.toRts(attr.sqPsn & Psn.MASK, attr.timeout, attr.retryCnt, attr.rnrRetry, Math.max(1, attr.maxRdAtomic));
    }

    /** IBV_QP_ALT_PATH: the alternate address vector and port, for automatic path migration. */
    private void applyAlternatePath(final QueuePair qp, final IbvQpAttr attr, final int mask)
    {
        if ((mask & IbvQpAttrMask.ALT_PATH) == 0)
        {
            return;
        }
        check(attr.altAhAttr.dgidIpv4 != 0, "the alternate address vector has no destination GID");
        final int portIndex = portIndex(attr.altPortNum != 0 ? attr.altPortNum :
            attr.altAhAttr.portNum == 0 ? 1 : attr.altAhAttr.portNum);
        qp.applyAlternatePath(attr.altAhAttr.dgidIpv4, attr.altAhAttr.dport, portIndex,
            ports[portIndex].sourcePortFor(qp.qpn()));
    }

    private void applyMigState(final QueuePair qp, final IbvMigState state)
    {
        check(state != null, "path_mig_state is null");
        if (state == IbvMigState.MIGRATED && qp.migState() == IbvMigState.ARMED)
        {
            // ibverbs: setting MIGRATED on an armed QP makes it migrate now
            transport.paths().migrated(qp, qp.migrate());
            qp.requester().onPathMigrated();
            return;
        }
        check(state == IbvMigState.MIGRATED || qp.alternatePath().isValid(),
            "QP " + qp.qpn() + " has no alternate path to arm (set IBV_QP_ALT_PATH first)");
        qp.migState(state);
    }

    /**
     * Takes port {@code portNum} down (an administrator pulling the cable) or brings it back. Going down, every QP
     * on it with an armed alternate path on a live port migrates at once and resends what was unacknowledged; QPs
     * without one stay, and fail with RETRY_EXC_ERR when their retries run out. Returns the QPs that migrated.
     */
    public int portState(final int portNum, final boolean up)
    {
        final int index = portIndex(portNum);
        ports[index].up(up);
        return up ? 0 : migrateOff(index);
    }

    private int migrateOff(final int index)
    {
        int migrated = 0;
        for (final QueuePair qp : liveQps())
        {
            synchronized (qp)
            {
                if (qp.destroyed())
                {
                    continue; // destroyed since the list was made
                }
                qp.acquireContext();
                try
                {
                    if (qp.portIndex() == index && qp.migState() == IbvMigState.ARMED &&
                        ports[qp.alternatePath().portIndex()].isUp())
                    {
                        transport.paths().migrated(qp, qp.migrate());
                        qp.requester().onPathMigrated();
                        migrated++;
                    }
                }
                finally
                {
                    qp.releaseContext();
                }
            }
        }
        return migrated;
    }

    /**
     * Periodic work outside any QP's monitor (the TX pipeline's timer pass): answers an administrator's request
     * left in the counters file, and takes down a port whose sends keep failing.
     */
    public int housekeeping()
    {
        int work = 0;
        publishContextStats();
        turns.publish();
        flows.publish();
        final long request = counters.adminRequest();
        final int sequence = AdminChannel.sequence(request);
        if (request != 0 && sequence != lastAdminSequence)
        {
            lastAdminSequence = sequence;
            counters.adminResponse(answer(request));
            work++;
        }
        for (int i = 0; i < ports.length; i++)
        {
            if (ports[i].failing())
            {
                ports[i].autoDown();
                migrateOff(i);
                work++;
            }
        }
        return work;
    }

    /** The cache counts in its own striped adders; the counters file gets what changed since the last pass. */
    private void publishContextStats()
    {
        final long hits = contexts.hits();
        final long loads = contexts.loads();
        publish(0, EngineCounters.CONTEXT_ACCESSES, hits + loads);
        publish(1, EngineCounters.CONTEXT_HITS, hits);
        publish(2, EngineCounters.CONTEXT_EVICTIONS, contexts.evictions());
        publish(3, EngineCounters.CONTEXT_LOADS, loads);
        publish(4, EngineCounters.CONTEXT_WRITE_BACKS, contexts.writeBacks());
    }

    private void publish(final int slot, final int counter, final long value)
    {
        final long delta = value - publishedContextStats[slot];
        if (delta != 0)
        {
            publishedContextStats[slot] = value;
            counters.add(counter, delta);
        }
    }

    /**
     * A named bus flow of {@code owner} (a vNIC's id, or -1 for the engine's own applications); the same name again
     * gives the same flow if its class and weight match.
     */
    public BusFlow createFlow(final int owner, final String name, final int priorityClass, final int weight)
    {
        return flows.create(owner, name, priorityClass, weight);
    }

    /** Puts the QP into {@code owner}'s flow {@code flowId}; the caller has checked that the QP is the owner's. */
    public void setQpFlow(final int qpn, final int flowId, final int owner)
    {
        final BusFlow flow = flows.get(flowId);
        if (flow == null || flow.owner() != owner)
        {
            throw new VerbsException("no flow " + flowId);
        }
        liveQp(qpn).flow(flow);
    }

    public FlowTable flows()
    {
        return flows;
    }

    /** Removes every named flow of {@code owner} (its tenant detached, its QPs destroyed first). */
    public void deleteFlows(final int owner)
    {
        for (final BusFlow f : flows.removeOwner(owner))
        {
            turns.retire(f);
        }
    }

    /** The bus's per-flow turn queues, which the TX pipeline serves. */
    public FlowTurns turns()
    {
        return turns;
    }

    /** The engine's context cache, for its counters and tests. */
    public ContextCache contexts()
    {
        return contexts;
    }

    public TransportTimers timers()
    {
        return timers;
    }

    private long answer(final long request)
    {
        final int sequence = AdminChannel.sequence(request);
        final int portNum = AdminChannel.portNum(request);
        if (portNum < 1 || portNum > ports.length)
        {
            return AdminChannel.response(sequence, AdminChannel.NO_SUCH_PORT, ports.length);
        }
        return switch (AdminChannel.operation(request))
        {
            case AdminChannel.PORT_DOWN ->
                AdminChannel.response(sequence, AdminChannel.OK, portState(portNum, false));
            case AdminChannel.PORT_UP -> AdminChannel.response(sequence, AdminChannel.OK, portState(portNum, true));
            default -> AdminChannel.response(sequence, AdminChannel.UNKNOWN_OPERATION, 0);
        };
    }

    private static void checkRetryAttrs(final IbvQpAttr attr, final int mask)
    {
        if ((mask & IbvQpAttrMask.TIMEOUT) != 0)
        {
            check(attr.timeout >= 0 && attr.timeout <= 31, "timeout " + attr.timeout + " out of range 0..31");
        }
        if ((mask & IbvQpAttrMask.RETRY_CNT) != 0)
        {
            check(attr.retryCnt >= 0 && attr.retryCnt <= 7, "retry_cnt " + attr.retryCnt + " out of range 0..7");
        }
        if ((mask & IbvQpAttrMask.RNR_RETRY) != 0)
        {
            check(attr.rnrRetry >= 0 && attr.rnrRetry <= 7, "rnr_retry " + attr.rnrRetry + " out of range 0..7");
        }
        if ((mask & IbvQpAttrMask.MIN_RNR_TIMER) != 0)
        {
            check(attr.minRnrTimer >= 0 && attr.minRnrTimer <= 31, "min_rnr_timer out of range 0..31");
        }
    }

    public void queryQp(final int qpn, final IbvQpAttr attr)
    {
        liveQp(qpn).read(qp ->
        {
            attr.qpState = qp.state();
            attr.curQpState = qp.state();
            attr.pathMtu = IbvMtu.fromBytes(qp.pathMtu());
            attr.destQpNum = qp.destQpn();
            attr.qpAccessFlags = qp.accessFlags();
            attr.ahAttr.dgidIpv4 = qp.destIpv4();
            attr.ahAttr.dport = qp.destUdpPort();
            attr.ahAttr.portNum = qp.portIndex() + 1;
            attr.portNum = qp.portIndex() + 1;
            final QpPath alt = qp.alternatePath();
            attr.altAhAttr.dgidIpv4 = alt.isValid() ? alt.destIpv4() : 0;
            attr.altAhAttr.dport = alt.destUdpPort();
            attr.altAhAttr.portNum = alt.portIndex() + 1;
            attr.altPortNum = alt.portIndex() + 1;
            attr.pathMigState = qp.migState();
            attr.sqPsn = qp.sqPsn();
            attr.rqPsn = qp.rqPsn();
            attr.timeout = qp.timeoutCode();
            attr.retryCnt = qp.retryCnt();
            attr.rnrRetry = qp.rnrRetry();
            attr.minRnrTimer = qp.minRnrTimer();
            attr.maxRdAtomic = qp.maxRdAtomic();
            attr.maxDestRdAtomic = qp.maxDestRdAtomic();
            attr.cap.maxSendWr = qp.sendRing().capacity();
            attr.cap.maxRecvWr = qp.recvRing().capacity();
            attr.cap.maxSendSge = qp.maxSendSge();
            attr.cap.maxRecvSge = qp.maxRecvSge();
            attr.cap.maxInlineData = qp.maxInlineData();
            return attr;
        });
    }

    public synchronized void destroyQp(final int qpn)
    {
        final QueuePair qp = liveQp(qpn);
        synchronized (qp)
        {
            qp.acquireContext();
            try
            {
                qp.toReset();
            }
            finally
            {
                qp.releaseContext();
            }
        }
        qp.dropContext();
        turns.retire(qp);
        bindCqs(qp, false);
        qps.set(qpn - QPN_BASE, null);
        usedQpSlots.clear(qpn - QPN_BASE);
        qpCount--;
        liveQpsStale = true;
    }

    /** The device as a verbs context sees it when the application runs in the engine's own process. */
    public DeviceControl embeddedDevice()
    {
        return new EmbeddedDevice();
    }

    private final class EmbeddedDevice implements DeviceControl
    {
        private volatile boolean closed;
        /** This tenant's event queues by completion vector, created on first use; not shared with other tenants. */
        private final EventQueue[] eqs = new EventQueue[ctx.numCompVectors()];
        private final Arena eqMemory = Arena.ofAuto();

        private synchronized EventQueue eq(final int compVector)
        {
            if (compVector < 0 || compVector >= eqs.length)
            {
                throw new VerbsException("completion vector " + compVector + " out of range 0.." + (eqs.length - 1));
            }
            if (eqs[compVector] == null)
            {
                eqs[compVector] = createEventQueue(compVector, eqMemory);
            }
            return eqs[compVector];
        }

        @Override
        public EqResources eventQueue(final int compVector)
        {
            final EventRing ring = eq(compVector).ring();
            return new EqResources(compVector, ring.region(), ring.capacity());
        }

        @Override
        public boolean eventQueueWaiter(final int compVector, final Thread thread)
        {
            eq(compVector).localWaiter(thread);
            return true;
        }

        @Override
        public void modifyCqModeration(final int cqn, final CqModeration moderation)
        {
            ControlPlane.this.modifyCqModeration(cqn, moderation);
        }

        @Override
        public int createFlow(final String name, final int priorityClass, final int weight)
        {
            return ControlPlane.this.createFlow(-1, name, priorityClass, weight).id();
        }

        @Override
        public void setQpFlow(final int qpn, final int flowId)
        {
            ControlPlane.this.setQpFlow(qpn, flowId, -1);
        }

        @Override
        public void modifyEqModeration(final int compVector, final CqModeration moderation)
        {
            ControlPlane.this.modifyEqModeration(eq(compVector), moderation);
        }

        @Override
        public QpResources createQp(
            final int pdn,
            final int sendCqn,
            final int recvCqn,
            final IbvQpCap cap,
            final boolean sqSigAll,
            final int[] cqSetCqns,
            final int recvPolicy)
        {
            return ControlPlane.this.createQp(pdn, sendCqn, recvCqn, cap, sqSigAll, cqSetCqns, recvPolicy);
        }

        @Override
        public String deviceName()
        {
            return ctx.name();
        }

        @Override
        public IbvDeviceAttr queryDevice()
        {
            return ControlPlane.this.queryDevice();
        }

        @Override
        public int allocPd()
        {
            return ControlPlane.this.allocPd();
        }

        @Override
        public void deallocPd(final int pdn)
        {
            ControlPlane.this.deallocPd(pdn);
        }

        @Override
        public MemorySegment allocateBuffer(final long bytes, final long alignment)
        {
            if (bytes <= 0)
            {
                throw new VerbsException("buffer size must be positive: " + bytes);
            }
            return Arena.ofAuto().allocate(bytes, alignment);
        }

        @Override
        public MrKeys regMr(final int pdn, final MemorySegment memory, final int access)
        {
            return ControlPlane.this.regMr(pdn, memory, access);
        }

        @Override
        public void deregMr(final int lkey)
        {
            ControlPlane.this.deregMr(lkey);
        }

        @Override
        public CqResources createCq(final int cqe, final int compVector)
        {
            return ControlPlane.this.createCq(cqe, compVector, eq(compVector));
        }

        @Override
        public void destroyCq(final int cqn)
        {
            ControlPlane.this.destroyCq(cqn);
        }

        @Override
        public QpResources createQp(
            final int pdn, final int sendCqn, final int recvCqn, final IbvQpCap cap, final boolean sqSigAll)
        {
            return ControlPlane.this.createQp(pdn, sendCqn, recvCqn, cap, sqSigAll);
        }

        @Override
        public void modifyQp(final int qpn, final IbvQpAttr attr, final int mask)
        {
            ControlPlane.this.modifyQp(qpn, attr, mask);
        }

        @Override
        public void queryQp(final int qpn, final IbvQpAttr attr)
        {
            ControlPlane.this.queryQp(qpn, attr);
        }

        @Override
        public void destroyQp(final int qpn)
        {
            ControlPlane.this.destroyQp(qpn);
        }

        @Override
        public DoorbellRing doorbell()
        {
            return doorbell;
        }

        @Override
        public int drive()
        {
            return invoker.getAsInt();
        }

        @Override
        public CmControl cm()
        {
            if (cm == null)
            {
                throw new VerbsException("this engine has no connection manager");
            }
            return cm;
        }

        @Override
        public void close()
        {
            if (!closed)
            {
                closed = true;
            }
        }
    }
}
