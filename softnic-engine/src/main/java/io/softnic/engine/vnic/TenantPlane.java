package io.softnic.engine.vnic;

import io.softnic.cm.CmException;
import io.softnic.cm.CmParams;
import io.softnic.cm.CmPeer;
import io.softnic.cm.CmRequest;
import io.softnic.engine.cm.ConnectionManager;
import io.softnic.engine.completion.EventQueue;
import io.softnic.engine.control.ControlPlane;
import io.softnic.engine.counters.EngineCounters;
import io.softnic.engine.sched.Scheduler;
import io.softnic.hostif.CommandRing;
import io.softnic.hostif.DoorbellRing;
import io.softnic.hostif.HostRing;
import io.softnic.hostif.TenantMessages;
import io.softnic.hostif.VnicMessages;
import io.softnic.verbs.CqModeration;
import io.softnic.verbs.DeviceControl;
import io.softnic.verbs.IbvDeviceAttr;
import io.softnic.verbs.IbvQpAttr;
import io.softnic.verbs.IbvQpAttrMask;
import io.softnic.verbs.IbvQpCap;
import io.softnic.verbs.IbvQpState;
import io.softnic.verbs.RecvCqPolicy;
import io.softnic.verbs.VerbsException;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipal;
import java.util.BitSet;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicIntegerArray;

/**
 * The master's side of attached tenants: serves their control operations (from the command channel) against the
 * {@link ControlPlane}, within their vNIC's quotas and on resources of their vNIC only. Everything a tenant shares with
 * the engine lives in owner-only files under {@code DIR/vnic-NAME/}: its doorbell ring, the CQ and QP rings (created
 * here, mapped by both sides) and its MR memory (created by the tenant, mapped here at registration after the checks),
 * so the data path never comes back here.
 * <p>
 * Lifecycle: each tenant bumps a heartbeat counter in its vNIC's {@code heartbeat} file. {@link #checkTenants}, run
 * by the master's agent a few times a second (one pass over every vNIC, no thread per tenant), reclaims a vNIC whose
 * tenant's pid is gone or whose heartbeat, once started, stood still longer than the tenant timeout: its CM
 * connections that are up are disconnected with a DREQ (the peer's CM sees DISCONNECTED at once), its QPs go to ERR
 * (posted work flushes; a peer connected by hand sees its retries exhausted), its listeners are closed, its QPs, MRs,
 * CQs and PDs are destroyed, its directory deleted, and {@code vnic_tenants_reclaimed} counts it. The vNIC stays and
 * can be attached again.
 * <p>
 * The CM: the master serves every tenant from one agent and must never wait, so each blocking {@code CmControl} call
 * is split into requests answered at once ({@link ConnectionManager#connectStart}/{@link
 * ConnectionManager#connectPoll}, {@link ConnectionManager#disconnectStart}/{@link ConnectionManager#disconnectPoll},
 * {@code getRequest} with no wait); the tenant polls with a back-off. A tenant connects and accepts with its own QPs
 * only, answers only requests handed to it from its own listeners, and polls only its own connects.
 */
public final class TenantPlane
{
    private static final Set<PosixFilePermission> OWNER_ONLY = PosixFilePermissions.fromString("rw-------");
    private static final VarHandle LONG = ValueLayout.JAVA_LONG.varHandle();
    /** Service ports one tenant may listen on at once. */
    static final int MAX_LISTENERS = 16;
    /** Connection requests handed to a tenant and not yet answered that the master remembers (oldest forgotten). */
    static final int MAX_PENDING_REQUESTS = 1024;
    /** How long a tenant's heartbeat may stand still before the master reclaims its vNIC, unless set. */
    public static final long DEFAULT_TENANT_TIMEOUT_NANOS = TimeUnit.SECONDS.toNanos(2);

    private final Path dir;
    private final ControlPlane control;
    private final VnicTable vnics;
    private final EngineCounters counters;
    private final int rejectedDoorbells;
    private final int reclaimedTenants;
    private long tenantTimeoutNanos = DEFAULT_TENANT_TIMEOUT_NANOS;
    private final int maxQps;
    /** Per QP (qpn - QPN_BASE): the owning vNIC's id + 1, 0 for none; read by the scheduler for every doorbell. */
    private final AtomicIntegerArray qpOwner;
    private final Attachment[] attached = new Attachment[VnicTable.MAX_VNICS];
    private final IbvQpAttr attr = new IbvQpAttr();
    private final UserPrincipal owner;
    private int generation;
    /** Policy: whether a tenant may create the vNIC it attaches to (ATTACH_CREATE), and the quotas it gets by default. */
    private boolean allowAttachCreate;
    private VnicMessages.Quota attachCreateDefaults = new VnicMessages.Quota(64, 64, 256, 256L << 20, 1);

    /** One tenant bound to a vNIC: what it created, so quotas hold and detaching frees it all. */
    private final class Attachment
    {
        final Vnic vnic;
        final int generation;
        final long pid;
        final Path dir;
        final Scheduler.TenantDoorbell doorbell;
        /** The tenant's heartbeat file: its counter, the last value seen and when it last moved. */
        final MemorySegment heartbeat;
        long lastBeat;
        long lastBeatAt;
        final BitSet pds = new BitSet();
        final BitSet cqs = new BitSet();
        final BitSet qps = new BitSet();
        final Map<Integer, Long> mrs = new HashMap<>();
        /** The tenant's event queues, one per completion vector of the vNIC, their rings the files eq-V. */
        EventQueue[] eqs = new EventQueue[0];
        /** CM: the tenant's listeners, the requests handed to it (by id), its connects in flight (handle: QPN). */
        final Set<Integer> listeners = new HashSet<>();
        final LinkedHashSet<Long> requests = new LinkedHashSet<>();
        final Map<Integer, Integer> connects = new HashMap<>();
        long mrBytes;
        int nextRing;

        Attachment(final Vnic vnic, final int generation, final long pid, final Path dir,
            final Scheduler.TenantDoorbell doorbell, final MemorySegment heartbeat)
        {
            this.vnic = vnic;
            this.generation = generation;
            this.pid = pid;
            this.dir = dir;
            this.doorbell = doorbell;
            this.heartbeat = heartbeat;
            this.lastBeatAt = System.nanoTime();
        }

        void publishUsage()
        {
            vnic.usage(qps.cardinality(), cqs.cardinality(), mrs.size(), mrBytes);
        }
    }

    public TenantPlane(final Path dir, final ControlPlane control, final VnicTable vnics,
        final EngineCounters counters, final int maxQps)
    {
        this.dir = dir;
        this.control = control;
        this.vnics = vnics;
        this.counters = counters;
        this.maxQps = maxQps;
        this.qpOwner = new AtomicIntegerArray(maxQps);
        this.rejectedDoorbells = counters.allocate("vnic_doorbells_rejected");
        this.reclaimedTenants = counters.allocate("vnic_tenants_reclaimed");
        try
        {
            this.owner = Files.getOwner(dir);
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException(ex);
        }
    }

    /** How long a tenant's heartbeat may stand still before its vNIC is reclaimed (default 2 s). */
    public synchronized TenantPlane tenantTimeout(final long nanos)
    {
        if (nanos <= 0)
        {
            throw new IllegalArgumentException("tenant timeout must be positive");
        }
        this.tenantTimeoutNanos = nanos;
        return this;
    }

    /**
     * The engine's policy for tenants asking for a vNIC by name at attach ({@code Softnic.attach(dir, name, quota)}):
     * allowed or not, and the quotas such a vNIC gets where the tenant asks for none (a field of 0). Refused by
     * default.
     */
    public synchronized TenantPlane allowAttachCreate(final boolean allow, final VnicMessages.Quota defaults)
    {
        this.allowAttachCreate = allow;
        if (defaults != null)
        {
            this.attachCreateDefaults = defaults;
        }
        return this;
    }

    public synchronized boolean allowAttachCreate()
    {
        return allowAttachCreate;
    }

    public synchronized long tenantTimeoutNanos()
    {
        return tenantTimeoutNanos;
    }

    /** vNICs reclaimed from tenants that died or stopped beating. */
    public long reclaimed()
    {
        return counters.get(reclaimedTenants);
    }

    /**
     * One liveness pass over every attached tenant (the master's agent calls this a few times a second): reclaims
     * the vNIC of a tenant whose process is gone, or whose heartbeat counter stood still longer than the tenant
     * timeout (a tenant that never beat, e.g. a hand-written client, is judged by its pid only). Returns how many
     * were reclaimed.
     */
    public synchronized int checkTenants(final long now)
    {
        int reclaimed = 0;
        for (final Attachment a : attached)
        {
            if (a == null)
            {
                continue;
            }
            final long beat = (long)LONG.getAcquire(a.heartbeat, (long)TenantMessages.HEARTBEAT_COUNTER_OFFSET);
            String reason = null;
            if (beat != a.lastBeat)
            {
                a.lastBeat = beat;
                a.lastBeatAt = now;
            }
            else if (beat != 0 && now - a.lastBeatAt > tenantTimeoutNanos)
            {
                reason = "its heartbeat stood still for " + TimeUnit.NANOSECONDS.toMillis(now - a.lastBeatAt) + " ms";
            }
            if (reason == null && !alive(a.pid))
            {
                reason = "its process is gone";
            }
            if (reason != null)
            {
                reclaim(a, reason);
                reclaimed++;
            }
        }
        return reclaimed;
    }

    /** Takes back everything a dead tenant held: QPs to ERR first (posted work flushes), then frees it all. */
    private void reclaim(final Attachment a, final String reason)
    {
        final int dreqs = disconnectAll(a); // the peers see a DREQ at once, not their retries running out
        final IbvQpAttr err = new IbvQpAttr();
        err.qpState = IbvQpState.ERR;
        a.qps.stream().forEach(qpn -> quietly(() -> control.modifyQp(qpn, err, IbvQpAttrMask.STATE)));
        final int qps = a.qps.cardinality();
        final int mrs = a.mrs.size();
        final int cqs = a.cqs.cardinality();
        detach(a);
        counters.increment(reclaimedTenants);
        System.err.println("softnic engine: reclaimed vNIC " + a.vnic.name() + " from pid " + a.pid + " (" + reason +
            "): " + qps + " QPs, " + cqs + " CQs, " + mrs + " MRs freed, " + dreqs + " connections disconnected");
    }

    /**
     * Serves one tenant request (copied out of the ring into {@code req}); writes the answer into {@code resp} and
     * returns its length. Refusals throw {@link VnicException} with the status to answer.
     */
    public synchronized int serve(final int opcode, final MemorySegment req, final int length,
        final MemorySegment resp, final long clientPid)
    {
        if (opcode == TenantMessages.ATTACH)
        {
            expect("attach", length, TenantMessages.ATTACH_LENGTH);
            return attach(VnicMessages.getName(req, 0), resp, clientPid);
        }
        if (opcode == TenantMessages.ATTACH_CREATE)
        {
            expect("attach", length, TenantMessages.ATTACH_CREATE_LENGTH);
            return attachCreate(req, resp, clientPid);
        }
        if (length < TenantMessages.SESSION_LENGTH)
        {
            throw new VnicException(CommandRing.MALFORMED, "tenant request without a session");
        }
        final Attachment a = session(req.get(ValueLayout.JAVA_LONG, TenantMessages.SESSION_OFFSET), clientPid);
        counters.increment(a.vnic.controlOpsCounter());
        try
        {
            return switch (opcode)
            {
                case TenantMessages.DETACH -> detachOp(a, length);
                case TenantMessages.ALLOC_PD -> allocPd(a, length, resp);
                case TenantMessages.DEALLOC_PD -> deallocPd(a, req, length);
                case TenantMessages.REG_MR -> regMr(a, req, length, resp);
                case TenantMessages.DEREG_MR -> deregMr(a, req, length);
                case TenantMessages.CREATE_CQ -> createCq(a, req, length, resp);
                case TenantMessages.DESTROY_CQ -> destroyCq(a, req, length);
                case TenantMessages.CREATE_QP -> createQp(a, req, length, resp);
                case TenantMessages.MODIFY_QP -> modifyQp(a, req, length);
                case TenantMessages.QUERY_QP -> queryQp(a, req, length, resp);
                case TenantMessages.DESTROY_QP -> destroyQp(a, req, length);
                case TenantMessages.CM_LISTEN -> cmListen(a, req, length, resp);
                case TenantMessages.CM_CLOSE_LISTENER -> cmCloseListener(a, req, length);
                case TenantMessages.CM_GET_REQUEST -> cmGetRequest(a, req, length, resp);
                case TenantMessages.CM_ACCEPT -> cmAccept(a, req, length);
                case TenantMessages.CM_REJECT -> cmReject(a, req, length);
                case TenantMessages.CM_CONNECT -> cmConnect(a, req, length, resp);
                case TenantMessages.CM_CONNECT_POLL -> cmConnectPoll(a, req, length, resp);
                case TenantMessages.CM_DISCONNECT -> cmDisconnect(a, req, length);
                case TenantMessages.CM_DISCONNECT_POLL -> cmDisconnectPoll(a, req, length, resp);
                case TenantMessages.CM_STATE -> cmState(a, req, length, resp);
                case TenantMessages.MODIFY_CQ_MODERATION -> modifyCqModeration(a, req, length);
                case TenantMessages.MODIFY_EQ_MODERATION -> modifyEqModeration(a, req, length);
                case TenantMessages.CREATE_FLOW -> createFlow(a, req, length, resp);
                case TenantMessages.SET_QP_FLOW -> setQpFlow(a, req, length);
                default -> throw new VnicException(CommandRing.UNKNOWN_OPCODE, "unknown tenant operation " + opcode);
            };
        }
        catch (final VerbsException ex)
        {
            throw new VnicException(ex.getMessage().startsWith("out of") ? CommandRing.LIMIT : CommandRing.BAD_VALUE,
                ex.getMessage());
        }
        finally
        {
            a.publishUsage();
        }
    }

    private static void expect(final String op, final int length, final int expected)
    {
        if (length != expected)
        {
            throw new VnicException(CommandRing.MALFORMED, op + " request of " + length + " bytes (expected " +
                expected + ")");
        }
    }

    private Attachment session(final long session, final long clientPid)
    {
        final int id = TenantMessages.sessionVnic(session);
        final Attachment a = id >= 0 && id < attached.length ? attached[id] : null;
        if (a == null || a.generation != TenantMessages.sessionGeneration(session))
        {
            throw new VnicException(CommandRing.NOT_FOUND, "no such attachment (the vNIC was detached or deleted)");
        }
        if (a.pid != clientPid)
        {
            throw new VnicException(CommandRing.BAD_VALUE, "vNIC " + a.vnic.name() + " is attached by pid " + a.pid +
                ", not " + clientPid);
        }
        return a;
    }

    // ---- attach / detach ----

    /** ATTACH_CREATE: the vNIC by name, created first (within the engine's limits) if missing and the policy allows. */
    private int attachCreate(final MemorySegment req, final MemorySegment resp, final long clientPid)
    {
        final String name = VnicMessages.getName(req, 0);
        if (name == null)
        {
            throw new VnicException(CommandRing.MALFORMED, "attach: bad name field");
        }
        if (vnics.find(name) == null)
        {
            if (!allowAttachCreate)
            {
                throw new VnicException(CommandRing.DENIED, "no vNIC named " + name + ", and this engine does not " +
                    "let tenants create vNICs at attach (start it with --allow-attach-create, or create the vNIC " +
                    "with 'softnic vnic create " + name + "')");
            }
            final VnicMessages.Quota asked = VnicMessages.getQuota(req, 0);
            final VnicMessages.Quota d = attachCreateDefaults;
            final VnicMessages.Quota q = new VnicMessages.Quota(
                asked.maxQps() == 0 ? d.maxQps() : asked.maxQps(),
                asked.maxCqs() == 0 ? d.maxCqs() : asked.maxCqs(),
                asked.maxMrs() == 0 ? d.maxMrs() : asked.maxMrs(),
                asked.maxMrBytes() == 0 ? d.maxMrBytes() : asked.maxMrBytes(),
                asked.eqs() == 0 ? d.eqs() : asked.eqs());
            vnics.create(name, q); // quota refusals are the same clear errors as 'vnic create'
            System.err.println("softnic engine: vNIC " + name + " created at attach by pid " + clientPid + " (" + q +
                ")");
        }
        return attach(name, resp, clientPid);
    }

    private int attach(final String name, final MemorySegment resp, final long clientPid)
    {
        final Vnic vnic = name == null ? null : vnics.find(name);
        if (vnic == null)
        {
            throw new VnicException(CommandRing.NOT_FOUND, "no vNIC named " + name + " (create it with 'softnic vnic " +
                "create')");
        }
        final Attachment old = attached[vnic.id()];
        if (old != null)
        {
            if (alive(old.pid))
            {
                throw new VnicException(CommandRing.EXISTS, "vNIC " + name + " is attached by pid " + old.pid);
            }
            reclaim(old, "its process is gone");
        }
        counters.increment(vnic.controlOpsCounter());
        final Path vdir = dir.resolve(TenantMessages.vnicDirName(name));
        final int capacity = ControlPlane.doorbellCapacity(vnic.quota().maxQps(), control.doorbellEntriesPerQp());
        try
        {
            removeTree(vdir);
            Files.createDirectory(vdir, PosixFilePermissions.asFileAttribute(
                PosixFilePermissions.fromString("rwx------")));
            final DoorbellRing ring = new DoorbellRing(createFile(vdir.resolve(TenantMessages.DOORBELL_FILE),
                DoorbellRing.bytesFor(capacity)), capacity);
            final Scheduler.TenantDoorbell doorbell = new Scheduler.TenantDoorbell(ring, vnic.id(), qpOwner,
                ControlPlane.QPN_BASE, vnic.dataOpsCounter(), rejectedDoorbells);
            final MemorySegment heartbeat = createFile(vdir.resolve(TenantMessages.HEARTBEAT_FILE),
                TenantMessages.HEARTBEAT_FILE_LENGTH);
            final Attachment a = new Attachment(vnic, ++generation, clientPid, vdir, doorbell, heartbeat);
            final IbvDeviceAttr d = control.queryDevice();
            // one EQ per completion vector of the vNIC, its ring an owner-only file both sides map: the engine posts
            // EQEs there and wakes a sleeping handler through the futex word in it, with no message to the master
            final int vectors = Math.max(1, Math.min(vnic.quota().eqs(), d.numCompVectors()));
            a.eqs = new EventQueue[vectors];
            for (int v = 0; v < vectors; v++)
            {
                final Path file = vdir.resolve(TenantMessages.EQ_FILE_PREFIX + v);
                a.eqs[v] = control.createEventQueue(v, bytes ->
                {
                    try
                    {
                        return createFile(file, bytes);
                    }
                    catch (final IOException ex)
                    {
                        throw new UncheckedIOException(ex);
                    }
                });
            }
            attached[vnic.id()] = a;
            control.scheduler().addTenantDoorbell(doorbell);
            resp.set(ValueLayout.JAVA_LONG, TenantMessages.SESSION_OFFSET, TenantMessages.session(vnic.id(),
                a.generation));
            resp.set(ValueLayout.JAVA_INT, TenantMessages.ATTACH_DOORBELL_CAPACITY_OFFSET, capacity);
            final int[] attrs = {Math.min(d.maxQp(), vnic.quota().maxQps()), d.maxQpWr(), d.maxSge(),
                Math.min(d.maxCq(), vnic.quota().maxCqs()), d.maxCqe(), Math.min(d.maxMr(), vnic.quota().maxMrs()),
                d.maxPd(), d.maxQpRdAtom(), d.maxInlineData(), vectors, d.physPortCnt()};
            for (int i = 0; i < attrs.length; i++)
            {
                resp.set(ValueLayout.JAVA_INT, TenantMessages.ATTACH_ATTRS_OFFSET + 4L * i, attrs[i]);
            }
            resp.set(ValueLayout.JAVA_INT, TenantMessages.ATTACH_GID_OFFSET, d.gidIpv4());
            resp.set(ValueLayout.JAVA_LONG, TenantMessages.ATTACH_MAX_MR_SIZE_OFFSET, vnic.quota().maxMrBytes());
            resp.set(ValueLayout.JAVA_INT, TenantMessages.ATTACH_EQ_CAPACITY_OFFSET, a.eqs[0].ring().capacity());
            return TenantMessages.ATTACH_RESPONSE_LENGTH;
        }
        catch (final IOException | UncheckedIOException ex)
        {
            throw new VnicException(CommandRing.INTERNAL, "cannot create " + vdir + ": " + ex);
        }
    }

    private int detachOp(final Attachment a, final int length)
    {
        expect("detach", length, TenantMessages.SESSION_LENGTH);
        detach(a);
        return 0;
    }

    /** Detaches the tenant of vNIC {@code name} if there is one (the vNIC is being deleted). */
    public synchronized void detach(final String name)
    {
        final Vnic vnic = vnics.find(name);
        if (vnic != null && attached[vnic.id()] != null)
        {
            detach(attached[vnic.id()]);
        }
    }

    /** Frees everything the tenant holds (QPs first, so no doorbell reaches them), then deletes its files. */
    private void detach(final Attachment a)
    {
        disconnectAll(a);
        final ConnectionManager cm = control.connectionManager();
        if (cm != null)
        {
            a.listeners.forEach(id -> quietly(() -> cm.closeListener(id)));
        }
        a.listeners.clear();
        a.requests.clear();
        a.connects.clear();
        a.qps.stream().forEach(qpn ->
        {
            qpOwner.set(qpn - ControlPlane.QPN_BASE, 0);
            quietly(() -> control.destroyQp(qpn));
        });
        control.deleteFlows(a.vnic.id()); // the next tenant of this vNIC starts without them
        a.mrs.keySet().forEach(lkey -> quietly(() -> control.deregMr(lkey)));
        a.cqs.stream().forEach(cqn -> quietly(() -> control.destroyCq(cqn)));
        a.pds.stream().forEach(pdn -> quietly(() -> control.deallocPd(pdn)));
        a.qps.clear();
        a.mrs.clear();
        a.cqs.clear();
        a.pds.clear();
        a.mrBytes = 0;
        a.publishUsage();
        control.scheduler().removeTenantDoorbell(a.doorbell);
        attached[a.vnic.id()] = null;
        try
        {
            removeTree(a.dir);
        }
        catch (final IOException ignore)
        {
            // best effort; the next attach clears the directory
        }
    }

    /** Detaches every tenant (the engine is stopping). */
    public synchronized void close()
    {
        for (final Attachment a : attached)
        {
            if (a != null)
            {
                detach(a);
            }
        }
    }

    // ---- resources ----

    private int allocPd(final Attachment a, final int length, final MemorySegment resp)
    {
        expect("alloc_pd", length, TenantMessages.SESSION_LENGTH);
        final int pdn = control.allocPd();
        a.pds.set(pdn);
        resp.set(ValueLayout.JAVA_INT, 0, pdn);
        return 4;
    }

    private int deallocPd(final Attachment a, final MemorySegment req, final int length)
    {
        expect("dealloc_pd", length, TenantMessages.ONE_ARG_LENGTH);
        final int pdn = ownPd(a, req.get(ValueLayout.JAVA_INT, TenantMessages.ARG0));
        control.deallocPd(pdn);
        a.pds.clear(pdn);
        return 0;
    }

    private static int ownPd(final Attachment a, final int pdn)
    {
        if (pdn <= 0 || !a.pds.get(pdn))
        {
            throw new VnicException(CommandRing.NOT_FOUND, "no protection domain " + pdn + " on vNIC " +
                a.vnic.name());
        }
        return pdn;
    }

    private int regMr(final Attachment a, final MemorySegment req, final int length, final MemorySegment resp)
    {
        expect("reg_mr", length, TenantMessages.REG_MR_LENGTH);
        final int pdn = ownPd(a, req.get(ValueLayout.JAVA_INT, TenantMessages.MR_PDN_OFFSET));
        final int access = req.get(ValueLayout.JAVA_INT, TenantMessages.MR_ACCESS_OFFSET);
        final long offset = req.get(ValueLayout.JAVA_LONG, TenantMessages.MR_FILE_OFFSET_OFFSET);
        final long bytes = req.get(ValueLayout.JAVA_LONG, TenantMessages.MR_LENGTH_OFFSET);
        final long iova = req.get(ValueLayout.JAVA_LONG, TenantMessages.MR_IOVA_OFFSET);
        final String file = VnicMessages.getName(req, TenantMessages.MR_FILE_NAME_OFFSET);
        if (file == null || !TenantMessages.MEM_FILE.matcher(file).matches())
        {
            throw new VnicException(CommandRing.BAD_VALUE, "MR memory must be a mem-PID-N file of the vNIC's " +
                "directory, not '" + file + "'");
        }
        if (a.mrs.size() >= a.vnic.quota().maxMrs())
        {
            throw new VnicException(CommandRing.LIMIT, "vNIC " + a.vnic.name() + " is out of MRs (quota " +
                a.vnic.quota().maxMrs() + ")");
        }
        if (bytes <= 0 || offset < 0 || iova <= 0 || iova > Long.MAX_VALUE - bytes)
        {
            throw new VnicException(CommandRing.BAD_VALUE, "MR of " + bytes + " bytes at offset " + offset +
                ", address 0x" + Long.toHexString(iova) + " is out of range");
        }
        if (bytes > a.vnic.quota().maxMrBytes() - a.mrBytes)
        {
            throw new VnicException(CommandRing.LIMIT, "vNIC " + a.vnic.name() + " would exceed its MR bytes (quota " +
                a.vnic.quota().maxMrBytes() + ", " + a.mrBytes + " registered)");
        }
        final Path path = a.dir.resolve(file);
        final MemorySegment memory;
        try
        {
            // the tenant made this file: it must be a plain owner-only file of ours, and hold the range
            final PosixFileAttributes attrs = Files.readAttributes(path, PosixFileAttributes.class,
                LinkOption.NOFOLLOW_LINKS);
            if (!attrs.isRegularFile() || !attrs.owner().equals(owner) || !OWNER_ONLY.containsAll(attrs.permissions()))
            {
                throw new VnicException(CommandRing.BAD_VALUE, file + " is not a plain owner-only file of the " +
                    "engine's user");
            }
            if (offset > attrs.size() || bytes > attrs.size() - offset)
            {
                throw new VnicException(CommandRing.BAD_VALUE, "MR [" + offset + ", +" + bytes + ") exceeds " + file +
                    " of " + attrs.size() + " bytes");
            }
            try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ, StandardOpenOption.WRITE,
                LinkOption.NOFOLLOW_LINKS))
            {
                // the engine's own view of the tenant's pages: an RDMA WRITE lands straight in them
                memory = ch.map(FileChannel.MapMode.READ_WRITE, 0, attrs.size(), Arena.ofAuto())
                    .asSlice(offset, bytes);
            }
        }
        catch (final IOException ex)
        {
            throw new VnicException(CommandRing.BAD_VALUE, "cannot map " + file + ": " + ex);
        }
        final DeviceControl.MrKeys keys = control.regMr(pdn, memory, access, iova);
        a.mrs.put(keys.lkey(), bytes);
        a.mrBytes += bytes;
        resp.set(ValueLayout.JAVA_INT, 0, keys.lkey());
        resp.set(ValueLayout.JAVA_INT, 4, keys.rkey());
        return 8;
    }

    private int deregMr(final Attachment a, final MemorySegment req, final int length)
    {
        expect("dereg_mr", length, TenantMessages.ONE_ARG_LENGTH);
        final int lkey = req.get(ValueLayout.JAVA_INT, TenantMessages.ARG0);
        final Long bytes = a.mrs.get(lkey);
        if (bytes == null)
        {
            throw new VnicException(CommandRing.NOT_FOUND, "no memory region with lkey 0x" +
                Integer.toHexString(lkey) + " on vNIC " + a.vnic.name());
        }
        control.deregMr(lkey);
        a.mrs.remove(lkey);
        a.mrBytes -= bytes;
        return 0;
    }

    /** Ring memory for one CQ or QP: new files ring-N in the vNIC's directory, their numbers kept for the answer. */
    private final class RingFiles implements ControlPlane.RingMemory
    {
        final Attachment a;
        final int[] numbers = new int[2];
        int count;

        RingFiles(final Attachment a)
        {
            this.a = a;
        }

        @Override
        public MemorySegment allocate(final long bytes)
        {
            final int n = a.nextRing++;
            try
            {
                final MemorySegment seg = createFile(a.dir.resolve(TenantMessages.RING_FILE_PREFIX + n), bytes);
                numbers[count++] = n;
                return seg;
            }
            catch (final IOException ex)
            {
                throw new VerbsException("cannot create ring file: " + ex);
            }
        }

        void discard()
        {
            for (int i = 0; i < count; i++)
            {
                final Path file = a.dir.resolve(TenantMessages.RING_FILE_PREFIX + numbers[i]);
                quietly(() -> Files.deleteIfExists(file));
            }
        }
    }

    private int createCq(final Attachment a, final MemorySegment req, final int length, final MemorySegment resp)
    {
        expect("create_cq", length, TenantMessages.CREATE_CQ_LENGTH);
        if (a.cqs.cardinality() >= a.vnic.quota().maxCqs())
        {
            throw new VnicException(CommandRing.LIMIT, "vNIC " + a.vnic.name() + " is out of CQs (quota " +
                a.vnic.quota().maxCqs() + ")");
        }
        final RingFiles rings = new RingFiles(a);
        try
        {
            final int vector = req.get(ValueLayout.JAVA_INT, TenantMessages.ARG1);
            if (vector < 0 || vector >= a.eqs.length)
            {
                throw new VnicException(CommandRing.BAD_VALUE, "completion vector " + vector + " out of range 0.." +
                    (a.eqs.length - 1) + " (vNIC " + a.vnic.name() + " has " + a.eqs.length + " EQs)");
            }
            // armed, the CQ posts its events into the vNIC's EQ of that vector (the eq-V file)
            final DeviceControl.CqResources cq = control.createCq(req.get(ValueLayout.JAVA_INT, TenantMessages.ARG0),
                vector, a.eqs[vector], rings);
            a.cqs.set(cq.cqn());
            resp.set(ValueLayout.JAVA_INT, 0, cq.cqn());
            resp.set(ValueLayout.JAVA_INT, 4, cq.capacity());
            resp.set(ValueLayout.JAVA_INT, 8, rings.numbers[0]);
            return 12;
        }
        catch (final RuntimeException ex)
        {
            rings.discard();
            throw ex;
        }
    }

    private int modifyCqModeration(final Attachment a, final MemorySegment req, final int length)
    {
        expect("modify_cq_moderation", length, TenantMessages.MODIFY_MODERATION_LENGTH);
        final int cqn = ownCq(a, req.get(ValueLayout.JAVA_INT, TenantMessages.ARG0));
        final boolean set = req.get(ValueLayout.JAVA_INT, TenantMessages.ARG1) != 0;
        control.modifyCqModeration(cqn, set ? TenantMessages.getModeration(req, TenantMessages.MODERATION_OFFSET) :
            null);
        return 0;
    }

    private int modifyEqModeration(final Attachment a, final MemorySegment req, final int length)
    {
        expect("modify_eq_moderation", length, TenantMessages.MODIFY_MODERATION_LENGTH);
        final int vector = req.get(ValueLayout.JAVA_INT, TenantMessages.ARG0);
        if (vector < 0 || vector >= a.eqs.length)
        {
            throw new VnicException(CommandRing.BAD_VALUE, "completion vector " + vector + " out of range 0.." +
                (a.eqs.length - 1));
        }
        final CqModeration m = TenantMessages.getModeration(req, TenantMessages.MODERATION_OFFSET);
        control.modifyEqModeration(a.eqs[vector], m);
        return 0;
    }

    /** A named bus flow of the vNIC's own (seed 3): its namespace is the vNIC's, so names never meet another's. */
    private int createFlow(final Attachment a, final MemorySegment req, final int length, final MemorySegment resp)
    {
        expect("create_flow", length, TenantMessages.CREATE_FLOW_LENGTH);
        final String name = VnicMessages.getName(req, TenantMessages.FLOW_NAME_OFFSET);
        if (name == null)
        {
            throw new VnicException(CommandRing.MALFORMED, "create_flow: bad name field");
        }
        final int flow = control.createFlow(a.vnic.id(), name, req.get(ValueLayout.JAVA_INT, TenantMessages.ARG0),
            req.get(ValueLayout.JAVA_INT, TenantMessages.ARG1)).id();
        resp.set(ValueLayout.JAVA_INT, 0, flow);
        return 4;
    }

    private int setQpFlow(final Attachment a, final MemorySegment req, final int length)
    {
        expect("set_qp_flow", length, TenantMessages.SET_QP_FLOW_LENGTH);
        final int qpn = ownQp(a, req.get(ValueLayout.JAVA_INT, TenantMessages.ARG0));
        final int flow = req.get(ValueLayout.JAVA_INT, TenantMessages.ARG1);
        try
        {
            control.setQpFlow(qpn, flow, a.vnic.id());
        }
        catch (final VerbsException ex)
        {
            throw new VnicException(CommandRing.NOT_FOUND, "no flow " + flow + " on vNIC " + a.vnic.name());
        }
        return 0;
    }

    private int ownCq(final Attachment a, final int cqn)
    {
        if (cqn <= 0 || !a.cqs.get(cqn))
        {
            throw new VnicException(CommandRing.NOT_FOUND, "no CQ " + cqn + " on vNIC " + a.vnic.name());
        }
        return cqn;
    }

    private int destroyCq(final Attachment a, final MemorySegment req, final int length)
    {
        expect("destroy_cq", length, TenantMessages.ONE_ARG_LENGTH);
        final int cqn = ownCq(a, req.get(ValueLayout.JAVA_INT, TenantMessages.ARG0));
        control.destroyCq(cqn);
        a.cqs.clear(cqn);
        return 0;
    }

    private int createQp(final Attachment a, final MemorySegment req, final int length, final MemorySegment resp)
    {
        int[] cqSet = null;
        int recvPolicy = RecvCqPolicy.FIXED;
        if (length != TenantMessages.CREATE_QP_LENGTH)
        {
            // extended: a CQ set (seed 5), one CQ of the vNIC per completion vector, and a receive policy
            if (length < TenantMessages.createQpLength(1))
            {
                throw new VnicException(CommandRing.MALFORMED, "create_qp request of " + length + " bytes (expected " +
                    TenantMessages.CREATE_QP_LENGTH + " or " + TenantMessages.createQpLength(a.eqs.length) + ")");
            }
            final int count = req.get(ValueLayout.JAVA_INT, TenantMessages.QP_CQ_SET_COUNT_OFFSET);
            if (count < 1 || count != a.eqs.length || count > TenantMessages.MAX_CQ_SET)
            {
                throw new VnicException(CommandRing.BAD_VALUE, "a CQ set of " + count + " CQs: vNIC " +
                    a.vnic.name() + " has " + a.eqs.length + " completion vectors, the set holds one CQ per vector");
            }
            expect("create_qp", length, TenantMessages.createQpLength(count));
            recvPolicy = req.get(ValueLayout.JAVA_INT, TenantMessages.QP_RECV_POLICY_OFFSET); // checked on creation
            cqSet = new int[count];
            for (int i = 0; i < count; i++)
            {
                cqSet[i] = ownCq(a, req.get(ValueLayout.JAVA_INT, TenantMessages.QP_CQ_SET_OFFSET + 4L * i));
            }
        }
        if (a.qps.cardinality() >= a.vnic.quota().maxQps())
        {
            throw new VnicException(CommandRing.LIMIT, "vNIC " + a.vnic.name() + " is out of QPs (quota " +
                a.vnic.quota().maxQps() + ")");
        }
        final int pdn = ownPd(a, req.get(ValueLayout.JAVA_INT, TenantMessages.QP_PDN_OFFSET));
        final int sendCqn = ownCq(a, req.get(ValueLayout.JAVA_INT, TenantMessages.QP_SEND_CQ_OFFSET));
        final int recvCqn = ownCq(a, req.get(ValueLayout.JAVA_INT, TenantMessages.QP_RECV_CQ_OFFSET));
        final int sigAll = req.get(ValueLayout.JAVA_INT, TenantMessages.QP_SIG_ALL_OFFSET);
        final IbvQpCap cap = TenantMessages.getCap(req, TenantMessages.QP_CAP_OFFSET, new IbvQpCap());
        final RingFiles rings = new RingFiles(a);
        try
        {
            final DeviceControl.QpResources qp = control.createQp(pdn, sendCqn, recvCqn, cap, sigAll != 0, cqSet,
                recvPolicy, rings, a.vnic.contextTable());
            a.qps.set(qp.qpn());
            qpOwner.set(qp.qpn() - ControlPlane.QPN_BASE, a.vnic.id() + 1);
            resp.set(ValueLayout.JAVA_INT, 0, qp.qpn());
            resp.set(ValueLayout.JAVA_INT, 4, qp.sendCapacity());
            resp.set(ValueLayout.JAVA_INT, 8, qp.sendStride());
            resp.set(ValueLayout.JAVA_INT, 12, qp.recvCapacity());
            resp.set(ValueLayout.JAVA_INT, 16, qp.recvStride());
            resp.set(ValueLayout.JAVA_INT, 20, rings.numbers[0]);
            resp.set(ValueLayout.JAVA_INT, 24, rings.numbers[1]);
            TenantMessages.putCap(resp, TenantMessages.QP_RESPONSE_GRANTED_OFFSET, qp.granted());
            return TenantMessages.CREATE_QP_RESPONSE_LENGTH;
        }
        catch (final RuntimeException ex)
        {
            rings.discard();
            throw ex;
        }
    }

    private int ownQp(final Attachment a, final int qpn)
    {
        if (qpn < ControlPlane.QPN_BASE || qpn >= ControlPlane.QPN_BASE + maxQps || !a.qps.get(qpn))
        {
            throw new VnicException(CommandRing.NOT_FOUND, "no QP " + qpn + " on vNIC " + a.vnic.name());
        }
        return qpn;
    }

    private int modifyQp(final Attachment a, final MemorySegment req, final int length)
    {
        expect("modify_qp", length, TenantMessages.MODIFY_QP_LENGTH);
        final int qpn = ownQp(a, req.get(ValueLayout.JAVA_INT, TenantMessages.ARG0));
        final int mask = req.get(ValueLayout.JAVA_INT, TenantMessages.ARG1);
        try
        {
            TenantMessages.getAttr(req, TenantMessages.MODIFY_ATTR_OFFSET, attr);
        }
        catch (final IllegalArgumentException ex)
        {
            throw new VnicException(CommandRing.MALFORMED, "modify_qp: " + ex.getMessage());
        }
        control.modifyQp(qpn, attr, mask);
        return 0;
    }

    private int queryQp(final Attachment a, final MemorySegment req, final int length, final MemorySegment resp)
    {
        expect("query_qp", length, TenantMessages.ONE_ARG_LENGTH);
        control.queryQp(ownQp(a, req.get(ValueLayout.JAVA_INT, TenantMessages.ARG0)), attr);
        TenantMessages.putAttr(resp, 0, attr);
        return TenantMessages.ATTR_LENGTH;
    }

    private int destroyQp(final Attachment a, final MemorySegment req, final int length)
    {
        expect("destroy_qp", length, TenantMessages.ONE_ARG_LENGTH);
        final int qpn = ownQp(a, req.get(ValueLayout.JAVA_INT, TenantMessages.ARG0));
        qpOwner.set(qpn - ControlPlane.QPN_BASE, 0);
        control.destroyQp(qpn); // a connection still up is told with a DREQ by the CM (as rdma_destroy_id does)
        a.qps.clear(qpn);
        a.connects.values().remove(qpn);
        return 0;
    }

    // ---- connection manager: each blocking call split into requests answered at once; the tenant polls ----

    private ConnectionManager cm()
    {
        final ConnectionManager cm = control.connectionManager();
        if (cm == null)
        {
            throw new VnicException(CommandRing.UNKNOWN_OPCODE, "this engine has no connection manager");
        }
        return cm;
    }

    /** DREQs for every connection of the tenant's QPs that is up; returns how many went out. */
    private int disconnectAll(final Attachment a)
    {
        final ConnectionManager cm = control.connectionManager();
        if (cm == null)
        {
            return 0;
        }
        int n = 0;
        for (int qpn = a.qps.nextSetBit(0); qpn >= 0; qpn = a.qps.nextSetBit(qpn + 1))
        {
            try
            {
                if (cm.disconnectIfConnected(qpn))
                {
                    n++;
                }
            }
            catch (final RuntimeException ignore)
            {
                // one connection that cannot be told must not stop the rest
            }
        }
        return n;
    }

    private static CmParams params(final MemorySegment req, final long at)
    {
        try
        {
            return TenantMessages.getParams(req, at);
        }
        catch (final IllegalArgumentException ex)
        {
            throw new VnicException(CommandRing.MALFORMED, ex.getMessage());
        }
    }

    private int cmListen(final Attachment a, final MemorySegment req, final int length, final MemorySegment resp)
    {
        expect("cm_listen", length, TenantMessages.ONE_ARG_LENGTH);
        if (a.listeners.size() >= MAX_LISTENERS)
        {
            throw new VnicException(CommandRing.LIMIT, "vNIC " + a.vnic.name() + " already listens on " +
                MAX_LISTENERS + " ports");
        }
        final int id = cm().listen(req.get(ValueLayout.JAVA_INT, TenantMessages.ARG0));
        a.listeners.add(id);
        resp.set(ValueLayout.JAVA_INT, 0, id);
        return 4;
    }

    private int ownListener(final Attachment a, final int id)
    {
        if (!a.listeners.contains(id))
        {
            throw new VnicException(CommandRing.NOT_FOUND, "no listener " + id + " on vNIC " + a.vnic.name());
        }
        return id;
    }

    private int cmCloseListener(final Attachment a, final MemorySegment req, final int length)
    {
        expect("cm_close_listener", length, TenantMessages.ONE_ARG_LENGTH);
        final int id = ownListener(a, req.get(ValueLayout.JAVA_INT, TenantMessages.ARG0));
        a.listeners.remove(id);
        cm().closeListener(id);
        return 0;
    }

    private int cmGetRequest(final Attachment a, final MemorySegment req, final int length, final MemorySegment resp)
    {
        expect("cm_get_request", length, TenantMessages.ONE_ARG_LENGTH);
        final int id = ownListener(a, req.get(ValueLayout.JAVA_INT, TenantMessages.ARG0));
        final CmRequest r = cm().getRequest(id, 0);
        if (r == null)
        {
            return 0;
        }
        if (a.requests.size() >= MAX_PENDING_REQUESTS)
        {
            final Iterator<Long> oldest = a.requests.iterator();
            oldest.next();
            oldest.remove();
        }
        a.requests.add(r.requestId());
        resp.set(ValueLayout.JAVA_LONG, 0, r.requestId());
        final int[] ints = {r.remoteIpv4(), r.remotePort(), r.remoteQpn(), r.startingPsn(), r.mtu(),
            r.responderResources(), r.initiatorDepth(), r.retryCount(), r.rnrRetryCount(), r.timeout()};
        for (int i = 0; i < ints.length; i++)
        {
            resp.set(ValueLayout.JAVA_INT, 8 + 4L * i, ints[i]);
        }
        final byte[] data = r.privateData() == null ? new byte[0] : r.privateData();
        final int n = Math.min(data.length, TenantMessages.CM_MAX_PRIVATE_DATA);
        resp.set(ValueLayout.JAVA_INT, TenantMessages.CM_REQUEST_DATA_OFFSET - 4, n);
        MemorySegment.copy(data, 0, resp, ValueLayout.JAVA_BYTE, TenantMessages.CM_REQUEST_DATA_OFFSET, n);
        return TenantMessages.CM_REQUEST_LENGTH;
    }

    private static long requestOf(final Attachment a, final long requestId)
    {
        if (!a.requests.contains(requestId))
        {
            throw new VnicException(CommandRing.NOT_FOUND, "no connection request " + requestId + " for vNIC " +
                a.vnic.name());
        }
        return requestId;
    }

    private int cmAccept(final Attachment a, final MemorySegment req, final int length)
    {
        expect("cm_accept", length, TenantMessages.CM_ACCEPT_LENGTH);
        final int qpn = ownQp(a, req.get(ValueLayout.JAVA_INT, TenantMessages.ARG0));
        final long requestId = requestOf(a, req.get(ValueLayout.JAVA_LONG,
            TenantMessages.CM_ACCEPT_REQUEST_ID_OFFSET));
        final CmParams p = params(req, TenantMessages.CM_ACCEPT_PARAMS_OFFSET);
        a.requests.remove(requestId);
        cm().accept(requestId, qpn, p);
        return 0;
    }

    private int cmReject(final Attachment a, final MemorySegment req, final int length)
    {
        expect("cm_reject", length, TenantMessages.CM_REJECT_LENGTH);
        final int reason = req.get(ValueLayout.JAVA_INT, TenantMessages.ARG0);
        final long requestId = requestOf(a, req.get(ValueLayout.JAVA_LONG,
            TenantMessages.CM_ACCEPT_REQUEST_ID_OFFSET));
        a.requests.remove(requestId);
        cm().reject(requestId, reason);
        return 0;
    }

    private int cmConnect(final Attachment a, final MemorySegment req, final int length, final MemorySegment resp)
    {
        expect("cm_connect", length, TenantMessages.CM_CONNECT_LENGTH);
        final int qpn = ownQp(a, req.get(ValueLayout.JAVA_INT, TenantMessages.ARG0));
        final int ip = req.get(ValueLayout.JAVA_INT, TenantMessages.ARG1);
        final int port = req.get(ValueLayout.JAVA_INT, TenantMessages.ARG2);
        final long timeout = req.get(ValueLayout.JAVA_LONG, TenantMessages.CM_CONNECT_TIMEOUT_OFFSET);
        final CmParams p = params(req, TenantMessages.CM_CONNECT_PARAMS_OFFSET);
        a.connects.values().remove(qpn); // an earlier connect of this QP the tenant stopped polling
        final int handle = cm().connectStart(qpn, ip, port, p, timeout);
        a.connects.put(handle, qpn);
        resp.set(ValueLayout.JAVA_INT, 0, handle);
        return 4;
    }

    private int cmConnectPoll(final Attachment a, final MemorySegment req, final int length,
        final MemorySegment resp)
    {
        expect("cm_connect_poll", length, TenantMessages.ONE_ARG_LENGTH);
        final int handle = req.get(ValueLayout.JAVA_INT, TenantMessages.ARG0);
        if (!a.connects.containsKey(handle))
        {
            throw new VnicException(CommandRing.NOT_FOUND, "no connect " + handle + " on vNIC " + a.vnic.name());
        }
        int outcome;
        int reason = 0;
        String message = null;
        CmPeer peer = null;
        try
        {
            peer = cm().connectPoll(handle);
            outcome = peer == null ? TenantMessages.CM_PENDING : TenantMessages.CM_ESTABLISHED;
        }
        catch (final CmException ex)
        {
            reason = ex.reason();
            outcome = TenantMessages.CM_REJECTED; // a REJ, or no answer in time: the reason tells
            message = ex.getMessage();
        }
        catch (final VerbsException ex)
        {
            outcome = TenantMessages.CM_FAILED;
            message = ex.getMessage();
        }
        if (outcome != TenantMessages.CM_PENDING)
        {
            a.connects.remove(handle);
        }
        resp.set(ValueLayout.JAVA_INT, 0, outcome);
        resp.set(ValueLayout.JAVA_INT, 4, reason);
        if (peer != null)
        {
            resp.set(ValueLayout.JAVA_INT, 8, peer.remoteIpv4());
            resp.set(ValueLayout.JAVA_INT, 12, peer.remoteQpn());
            resp.set(ValueLayout.JAVA_INT, 16, peer.remoteStartingPsn());
            resp.set(ValueLayout.JAVA_INT, 20, peer.mtu());
            final byte[] data = peer.privateData() == null ? new byte[0] : peer.privateData();
            final int n = Math.min(data.length, TenantMessages.CM_MAX_PRIVATE_DATA);
            resp.set(ValueLayout.JAVA_INT, 24, n);
            MemorySegment.copy(data, 0, resp, ValueLayout.JAVA_BYTE, TenantMessages.CM_PEER_DATA_OFFSET, n);
            return TenantMessages.CM_PEER_DATA_OFFSET + n;
        }
        if (message != null)
        {
            final byte[] text = message.getBytes(StandardCharsets.UTF_8);
            final int n = Math.min(text.length, CommandRing.PAYLOAD_CAPACITY - 12);
            resp.set(ValueLayout.JAVA_INT, 8, n);
            MemorySegment.copy(text, 0, resp, ValueLayout.JAVA_BYTE, 12, n);
            return 12 + n;
        }
        return 8;
    }

    private int cmDisconnect(final Attachment a, final MemorySegment req, final int length)
    {
        expect("cm_disconnect", length, TenantMessages.ONE_ARG_LENGTH);
        cm().disconnectStart(ownQp(a, req.get(ValueLayout.JAVA_INT, TenantMessages.ARG0)));
        return 0;
    }

    private int cmDisconnectPoll(final Attachment a, final MemorySegment req, final int length,
        final MemorySegment resp)
    {
        expect("cm_disconnect_poll", length, TenantMessages.CM_DISCONNECT_POLL_LENGTH);
        final int qpn = ownQp(a, req.get(ValueLayout.JAVA_INT, TenantMessages.ARG0));
        final boolean done = cm().disconnectPoll(qpn, req.get(ValueLayout.JAVA_INT, TenantMessages.ARG1) != 0);
        resp.set(ValueLayout.JAVA_INT, 0, done ? 1 : 0);
        return 4;
    }

    private int cmState(final Attachment a, final MemorySegment req, final int length, final MemorySegment resp)
    {
        expect("cm_state", length, TenantMessages.ONE_ARG_LENGTH);
        resp.set(ValueLayout.JAVA_INT, 0, cm().state(ownQp(a, req.get(ValueLayout.JAVA_INT,
            TenantMessages.ARG0))));
        return 4;
    }

    // ---- files ----

    /** A new owner-only file of {@code bytes}, mapped: zeroed, as a fresh ring must be. */
    private static MemorySegment createFile(final Path path, final long bytes) throws IOException
    {
        Files.createFile(path, PosixFilePermissions.asFileAttribute(OWNER_ONLY));
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ, StandardOpenOption.WRITE))
        {
            // mapped for as long as anyone holds the segment: the TX thread may still look at a ring being destroyed
            return ch.map(FileChannel.MapMode.READ_WRITE, 0, bytes, Arena.ofAuto());
        }
    }

    private static void removeTree(final Path path) throws IOException
    {
        if (!Files.exists(path, LinkOption.NOFOLLOW_LINKS))
        {
            return;
        }
        if (Files.isDirectory(path, LinkOption.NOFOLLOW_LINKS))
        {
            try (var children = Files.list(path))
            {
                for (final Path child : (Iterable<Path>)children::iterator)
                {
                    Files.deleteIfExists(child);
                }
            }
        }
        Files.deleteIfExists(path);
    }

    private interface Action
    {
        void run() throws Exception;
    }

    private static void quietly(final Action action)
    {
        try
        {
            action.run();
        }
        catch (final Exception ignore)
        {
            // freeing what a tenant left: one refusal must not stop the rest
        }
    }

    private static boolean alive(final long pid)
    {
        return pid > 0 && ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
    }
}
