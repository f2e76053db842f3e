package io.softnic.tenant;

import io.softnic.cm.CmControl;
import io.softnic.cm.CmException;
import io.softnic.cm.CmParams;
import io.softnic.cm.CmPeer;
import io.softnic.cm.CmRequest;
import io.softnic.hostif.CommandRing;
import io.softnic.hostif.Cqe;
import io.softnic.hostif.DoorbellRing;
import io.softnic.hostif.EventRing;
import io.softnic.hostif.HostRing;
import io.softnic.hostif.TenantMessages;
import io.softnic.hostif.VnicMessages;
import io.softnic.verbs.CqModeration;
import io.softnic.verbs.DeviceControl;
import io.softnic.verbs.IbvDeviceAttr;
import io.softnic.verbs.IbvQpAttr;
import io.softnic.verbs.IbvQpCap;
import io.softnic.verbs.RecvCqPolicy;
import io.softnic.verbs.VerbsException;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * A {@link DeviceControl} for a tenant in its own process: control operations are requests on the engine's
 * {@link CommandRing} ({@link TenantMessages}); rings and MR memory are files in the vNIC's directory mapped here and
 * in the engine. Nothing on the data path comes through this class but {@link #doorbell()}, the vNIC's own ring.
 * <p>
 * Lifecycle. This tenant's heartbeat: a small daemon thread per context bumps a counter in the vNIC's
 * {@code heartbeat} file every {@value #HEARTBEAT_INTERVAL_MILLIS} ms (a plain store, no system call, no message), so a
 * tenant that is merely idle (not polling, not calling) is not taken for dead; the master reclaims the vNIC when the
 * counter stands still or the pid is gone. The engine's heartbeat: a counter in the control file's header. Every
 * command-channel call checks it while it waits, and {@link #drive()} (which {@code IbvCq.poll} runs on every poll)
 * checks it every {@value #DRIVE_CHECK_MASK}+1 calls, without allocating. When it has stood still longer than the
 * engine timeout (default 2 s) or the engine's pid is gone, the context is dead: that call and every later poll and
 * control call throw {@link VerbsException} naming the engine (posts write only the tenant's own rings and never
 * block). A dead context is closed without a detach; attach again once an engine runs on the directory.
 */
final class AttachedDevice implements DeviceControl
{
    private static final long TIMEOUT_NANOS = TimeUnit.SECONDS.toNanos(10);
    /** How long the engine's heartbeat may stand still before this context declares the engine dead, unless set. */
    static final long DEFAULT_ENGINE_TIMEOUT_NANOS = TimeUnit.SECONDS.toNanos(2);
    static final long HEARTBEAT_INTERVAL_MILLIS = 100;
    static final int DRIVE_CHECK_MASK = 63;
    /** After the engine's heartbeat stood still this long, also look whether its pid is gone (fast kill -9). */
    private static final long PID_CHECK_NANOS = TimeUnit.MILLISECONDS.toNanos(200);
    private static final VarHandle LONG = ValueLayout.JAVA_LONG.varHandle();
    /** How a CM wait polls the master: the first back-off, the longest, and the slack past a connect's timeout. */
    static final long CM_FIRST_BACKOFF_NANOS = 20_000;
    static final long CM_MAX_BACKOFF_NANOS = 2_000_000;
    static final long CM_GRACE_MILLIS = 2_000;

    private final Path engineDir;
    private final Path vnicDir;
    private final String vnicName;
    /** Control file, rings and MR memory: unmapped at close, when the engine has let go of them too. */
    private final Arena arena = Arena.ofShared();
    private final CommandRing ring;
    private final long session;
    private final IbvDeviceAttr attrs;
    private final DoorbellRing doorbell;
    /** The vNIC's EQ rings (files eq-V), mapped on first use; their capacity from the attach answer. */
    private final MemorySegment[] eqs;
    private final int eqCapacity;
    private final List<Buffer> buffers = new ArrayList<>();
    private final long pid = ProcessHandle.current().pid();
    private final long engineTimeoutNanos;
    private final MemorySegment heartbeat;
    private final Thread heartbeatThread;
    private volatile boolean stopBeating;
    /** Set once the engine is found dead: every later call fails with it. */
    private volatile String engineDead;
    private long seenEngineBeat;
    private long seenEngineBeatAt;
    private long lastPidCheck;
    private int drives;
    private int nextBuffer;
    private boolean closed;

    /** A shared-memory buffer this tenant made for MRs: the file the engine maps at registration. */
    private record Buffer(String file, MemorySegment memory)
    {
    }

    /** An answer: status, error message, a copy of the payload. */
    private record Response(int status, String message, MemorySegment payload, int length)
    {
    }

    @FunctionalInterface
    private interface Writer
    {
        void write(MemorySegment region, long at);
    }

    private AttachedDevice(final Path engineDir, final String vnicName, final CommandRing ring,
        final long engineTimeoutNanos, final VnicMessages.Quota createIfMissing)
    {
        this.engineDir = engineDir;
        this.vnicName = vnicName;
        this.vnicDir = engineDir.resolve(TenantMessages.vnicDirName(vnicName));
        this.ring = ring;
        this.engineTimeoutNanos = engineTimeoutNanos;
        this.seenEngineBeat = ring.engineHeartbeat();
        this.seenEngineBeatAt = System.nanoTime();
        this.lastPidCheck = seenEngineBeatAt;
        final MemorySegment r = createIfMissing == null
            ? ok("attach to vNIC " + vnicName, call(TenantMessages.ATTACH, TenantMessages.ATTACH_LENGTH,
                (seg, at) -> VnicMessages.putName(seg, at, vnicName)))
            : ok("attach to (or create) vNIC " + vnicName, call(TenantMessages.ATTACH_CREATE,
                TenantMessages.ATTACH_CREATE_LENGTH, (seg, at) ->
                {
                    VnicMessages.putName(seg, at, vnicName);
                    VnicMessages.putQuota(seg, at, createIfMissing);
                }));
        this.session = r.get(ValueLayout.JAVA_LONG, TenantMessages.SESSION_OFFSET);
        final int[] a = new int[11];
        for (int i = 0; i < a.length; i++)
        {
            a[i] = r.get(ValueLayout.JAVA_INT, TenantMessages.ATTACH_ATTRS_OFFSET + 4L * i);
        }
        this.attrs = new IbvDeviceAttr("softnic:" + vnicName, a[0], a[1], a[2], a[3], a[4], a[5],
            r.get(ValueLayout.JAVA_LONG, TenantMessages.ATTACH_MAX_MR_SIZE_OFFSET), a[6], a[7], a[7], a[8], a[9],
            a[10], r.get(ValueLayout.JAVA_INT, TenantMessages.ATTACH_GID_OFFSET));
        this.eqs = new MemorySegment[Math.max(0, a[9])];
        this.eqCapacity = r.get(ValueLayout.JAVA_INT, TenantMessages.ATTACH_EQ_CAPACITY_OFFSET);
        final int capacity = r.get(ValueLayout.JAVA_INT, TenantMessages.ATTACH_DOORBELL_CAPACITY_OFFSET);
        this.doorbell = new DoorbellRing(map(vnicDir.resolve(TenantMessages.DOORBELL_FILE),
            DoorbellRing.bytesFor(capacity)), capacity);
        this.heartbeat = map(vnicDir.resolve(TenantMessages.HEARTBEAT_FILE), TenantMessages.HEARTBEAT_FILE_LENGTH);
        heartbeat.set(ValueLayout.JAVA_LONG, TenantMessages.HEARTBEAT_PID_OFFSET, pid);
        beat();
        this.heartbeatThread = Thread.ofPlatform().daemon().name("softnic-heartbeat-" + vnicName)
            .unstarted(this::beatUntilClosed);
        heartbeatThread.start();
    }

    private void beat()
    {
        LONG.setRelease(heartbeat, (long)TenantMessages.HEARTBEAT_COUNTER_OFFSET,
            heartbeat.get(ValueLayout.JAVA_LONG, TenantMessages.HEARTBEAT_COUNTER_OFFSET) + 1);
    }

    private void beatUntilClosed()
    {
        final long interval = TimeUnit.MILLISECONDS.toNanos(HEARTBEAT_INTERVAL_MILLIS);
        while (!stopBeating)
        {
            beat();
            LockSupport.parkNanos(interval);
        }
    }

    static AttachedDevice attach(final Path engineDir, final String vnicName)
    {
        return attach(engineDir, vnicName, DEFAULT_ENGINE_TIMEOUT_NANOS);
    }

    static AttachedDevice attach(final Path engineDir, final String vnicName, final long engineTimeoutNanos)
    {
        return attach(engineDir, vnicName, engineTimeoutNanos, null);
    }

    /**
     * Attaches; with {@code createIfMissing} non-null, asks the engine to create the vNIC with those quotas (0 fields:
     * the engine's defaults) if there is none by that name, which it does only where its policy allows.
     */
    static AttachedDevice attach(final Path engineDir, final String vnicName, final long engineTimeoutNanos,
        final VnicMessages.Quota createIfMissing)
    {
        if (engineTimeoutNanos <= 0)
        {
            throw new VerbsException("engine timeout must be positive");
        }
        if (!VnicMessages.validName(vnicName))
        {
            throw new VerbsException("bad vNIC name '" + vnicName + "'");
        }
        final Path control = engineDir.resolve("control");
        if (!Files.isRegularFile(control))
        {
            throw new VerbsException("no engine is running at " + engineDir + " (no control file)");
        }
        final Arena mapping = Arena.ofShared();
        try (FileChannel ch = FileChannel.open(control, StandardOpenOption.READ, StandardOpenOption.WRITE))
        {
            final CommandRing ring = CommandRing.attach(ch.map(FileChannel.MapMode.READ_WRITE, 0, ch.size(), mapping));
            if (!alive(ring.enginePid()))
            {
                throw new VerbsException("the engine at " + engineDir + " (pid " + ring.enginePid() +
                    ") is not running");
            }
            final AttachedDevice device = new AttachedDevice(engineDir, vnicName, ring, engineTimeoutNanos,
                createIfMissing);
            device.controlMapping = mapping;
            return device;
        }
        catch (final IOException | IllegalStateException ex)
        {
            mapping.close();
            throw new VerbsException("cannot open the command channel of the engine at " + engineDir + ": " + ex);
        }
        catch (final RuntimeException ex)
        {
            mapping.close();
            throw ex;
        }
    }

    private Arena controlMapping;

    // ---- the command channel ----

    private synchronized Response call(final int opcode, final int length, final Writer writer)
    {
        if (closed && opcode != TenantMessages.DETACH)
        {
            throw new VerbsException("device context is closed");
        }
        final String dead = engineDead;
        if (dead != null)
        {
            throw new VerbsException(dead);
        }
        final long deadline = System.nanoTime() + TIMEOUT_NANOS;
        int slot;
        int spins = 0;
        while ((slot = ring.claim()) < 0)
        {
            pause(deadline, "had no free command slot", ++spins);
        }
        ring.region().asSlice(ring.payloadOffset(slot), CommandRing.PAYLOAD_CAPACITY).fill((byte)0);
        writer.write(ring.region(), ring.payloadOffset(slot));
        final long correlation = ring.publish(slot, opcode, length);
        spins = 0;
        while (!ring.answered(slot, correlation))
        {
            if (System.nanoTime() - deadline >= 0 && ring.casState(slot, CommandRing.REQUEST, CommandRing.FREE))
            {
                throw new VerbsException("the engine at " + engineDir + " did not answer within " +
                    TimeUnit.NANOSECONDS.toSeconds(TIMEOUT_NANOS) + " s");
            }
            pause(deadline + TIMEOUT_NANOS, "did not answer", ++spins);
        }
        try
        {
            final int status = ring.status(slot);
            final int n = Math.max(0, Math.min(ring.responseLength(slot), CommandRing.PAYLOAD_CAPACITY));
            final MemorySegment copy = MemorySegment.ofArray(new long[(CommandRing.PAYLOAD_CAPACITY + 7) / 8]);
            MemorySegment.copy(ring.region(), ring.payloadOffset(slot), copy, 0, n);
            final String message = status == CommandRing.OK ? "" : ring.getString(ring.payloadOffset(slot), n);
            return new Response(status, message.isEmpty() ? CommandRing.statusName(status) : message, copy, n);
        }
        finally
        {
            ring.release(slot);
        }
    }

    private void pause(final long deadline, final String what, final int spins)
    {
        final long now = System.nanoTime();
        final boolean late = now - deadline >= 0;
        if ((spins & 63) == 0)
        {
            checkEngine(now); // bounds the wait by the engine timeout when the engine died or stopped
        }
        if (late || (spins & 1023) == 0)
        {
            final boolean alive = alive(ring.enginePid());
            if (!alive)
            {
                engineDied("is not running");
            }
            if (late)
            {
                throw new VerbsException("the engine at " + engineDir + " (pid " + ring.enginePid() + ") " + what);
            }
        }
        if (spins > 100)
        {
            LockSupport.parkNanos(20_000);
        }
        else
        {
            Thread.onSpinWait();
        }
    }

    /**
     * Throws (and marks this context dead) when the engine's heartbeat has stood still longer than the engine timeout,
     * or for a while and its pid is gone. Allocates nothing while the engine beats.
     */
    private void checkEngine(final long now)
    {
        final String dead = engineDead;
        if (dead != null)
        {
            throw new VerbsException(dead);
        }
        final long beat = ring.engineHeartbeat();
        if (beat != seenEngineBeat)
        {
            seenEngineBeat = beat;
            seenEngineBeatAt = now;
            return;
        }
        final long still = now - seenEngineBeatAt;
        if (still > engineTimeoutNanos)
        {
            engineDied("stopped answering (no heartbeat for " + TimeUnit.NANOSECONDS.toMillis(still) + " ms)");
        }
        if (still > PID_CHECK_NANOS && now - lastPidCheck > PID_CHECK_NANOS)
        {
            lastPidCheck = now;
            if (!alive(ring.enginePid()))
            {
                engineDied("is gone");
            }
        }
    }

    private void engineDied(final String what)
    {
        final String message = "the engine at " + engineDir + " (pid " + ring.enginePid() + ") " + what +
            ": vNIC " + vnicName + " is lost to this context; attach again once an engine runs there";
        engineDead = message;
        stopBeating = true;
        throw new VerbsException(message);
    }

    /** Whether this context found its engine dead (its calls fail; close it and attach again). */
    boolean engineDead()
    {
        return engineDead != null;
    }

    private static MemorySegment ok(final String what, final Response r)
    {
        if (r.status() != CommandRing.OK)
        {
            throw new VerbsException(what + ": " + r.message());
        }
        return r.payload();
    }

    private MemorySegment session(final String what, final int opcode, final int length, final Writer args)
    {
        return ok(what, call(opcode, length, (seg, at) ->
        {
            seg.set(ValueLayout.JAVA_LONG, at + TenantMessages.SESSION_OFFSET, session);
            args.write(seg, at);
        }));
    }

    private void oneArg(final String what, final int opcode, final int arg)
    {
        session(what, opcode, TenantMessages.ONE_ARG_LENGTH,
            (seg, at) -> seg.set(ValueLayout.JAVA_INT, at + TenantMessages.ARG0, arg));
    }

    private static boolean alive(final long pid)
    {
        return pid > 0 && ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
    }

    /** Maps a file the engine created in the vNIC's directory, checking it holds what the answer said. */
    private MemorySegment map(final Path file, final long bytes)
    {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE))
        {
            if (ch.size() < bytes)
            {
                throw new VerbsException(file + " holds " + ch.size() + " bytes, expected " + bytes);
            }
            return ch.map(FileChannel.MapMode.READ_WRITE, 0, bytes, arena);
        }
        catch (final IOException ex)
        {
            throw new VerbsException("cannot map " + file + ": " + ex);
        }
    }

    private MemorySegment ringFile(final int number, final long bytes)
    {
        return map(vnicDir.resolve(TenantMessages.RING_FILE_PREFIX + number), bytes);
    }

    // ---- DeviceControl ----

    @Override
    public String deviceName()
    {
        return attrs.name();
    }

    @Override
    public IbvDeviceAttr queryDevice()
    {
        return attrs;
    }

    @Override
    public int allocPd()
    {
        return session("alloc_pd", TenantMessages.ALLOC_PD, TenantMessages.SESSION_LENGTH, (seg, at) -> { })
            .get(ValueLayout.JAVA_INT, 0);
    }

    @Override
    public void deallocPd(final int pdn)
    {
        oneArg("dealloc_pd", TenantMessages.DEALLOC_PD, pdn);
    }

    /** A new owner-only file {@code mem-PID-N} in the vNIC's directory, mapped here; the engine maps it at reg_mr. */
    @Override
    public synchronized MemorySegment allocateBuffer(final long bytes, final long alignment)
    {
        if (bytes <= 0)
        {
            throw new VerbsException("buffer size must be positive: " + bytes);
        }
        if (alignment > 4096 || Long.bitCount(alignment) != 1)
        {
            throw new VerbsException("alignment " + alignment + " (shared buffers are page aligned)");
        }
        final String name = "mem-" + pid + "-" + nextBuffer++;
        final Path file = vnicDir.resolve(name);
        final long size = (bytes + 4095) & ~4095L;
        try
        {
            Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE))
            {
                final MemorySegment memory = ch.map(FileChannel.MapMode.READ_WRITE, 0, size, arena)
                    .asSlice(0, bytes);
                buffers.add(new Buffer(name, memory));
                return memory;
            }
        }
        catch (final IOException ex)
        {
            throw new VerbsException("cannot create shared buffer " + file + ": " + ex);
        }
    }

    private synchronized Buffer bufferOf(final MemorySegment memory)
    {
        for (final Buffer b : buffers)
        {
            final long offset = memory.address() - b.memory().address();
            if (offset >= 0 && memory.byteSize() <= b.memory().byteSize() - offset)
            {
                return b;
            }
        }
        throw new VerbsException("an attached tenant registers memory from IbvContext.allocateBuffer only " +
            "(shared-memory files the engine can map)");
    }

    @Override
    public MrKeys regMr(final int pdn, final MemorySegment memory, final int access)
    {
        final Buffer b = bufferOf(memory);
        final long offset = memory.address() - b.memory().address();
        final MemorySegment r = session("reg_mr", TenantMessages.REG_MR, TenantMessages.REG_MR_LENGTH, (seg, at) ->
        {
            seg.set(ValueLayout.JAVA_INT, at + TenantMessages.MR_PDN_OFFSET, pdn);
            seg.set(ValueLayout.JAVA_INT, at + TenantMessages.MR_ACCESS_OFFSET, access);
            seg.set(ValueLayout.JAVA_LONG, at + TenantMessages.MR_FILE_OFFSET_OFFSET, offset);
            seg.set(ValueLayout.JAVA_LONG, at + TenantMessages.MR_LENGTH_OFFSET, memory.byteSize());
            seg.set(ValueLayout.JAVA_LONG, at + TenantMessages.MR_IOVA_OFFSET, memory.address());
            VnicMessages.putName(seg, at + TenantMessages.MR_FILE_NAME_OFFSET, b.file());
        });
        return new MrKeys(r.get(ValueLayout.JAVA_INT, 0), r.get(ValueLayout.JAVA_INT, 4), memory.address(),
            memory.byteSize());
    }

    @Override
    public void deregMr(final int lkey)
    {
        oneArg("dereg_mr", TenantMessages.DEREG_MR, lkey);
    }

    @Override
    public CqResources createCq(final int cqe, final int compVector)
    {
        final MemorySegment r = session("create_cq", TenantMessages.CREATE_CQ, TenantMessages.CREATE_CQ_LENGTH,
            (seg, at) ->
            {
                seg.set(ValueLayout.JAVA_INT, at + TenantMessages.ARG0, cqe);
                seg.set(ValueLayout.JAVA_INT, at + TenantMessages.ARG1, compVector);
            });
        final int capacity = r.get(ValueLayout.JAVA_INT, 4);
        return new CqResources(r.get(ValueLayout.JAVA_INT, 0),
            ringFile(r.get(ValueLayout.JAVA_INT, 8), HostRing.bytesFor(Cqe.LENGTH, capacity)), capacity);
    }

    @Override
    public void destroyCq(final int cqn)
    {
        oneArg("destroy_cq", TenantMessages.DESTROY_CQ, cqn);
    }

    @Override
    public QpResources createQp(final int pdn, final int sendCqn, final int recvCqn, final IbvQpCap cap,
        final boolean sqSigAll)
    {
        return createQp(pdn, sendCqn, recvCqn, cap, sqSigAll, null, RecvCqPolicy.FIXED);
    }

    /** Seed 5 for an attached tenant: the CQ set and the receive policy travel in an extended CREATE_QP request. */
    @Override
    public QpResources createQp(final int pdn, final int sendCqn, final int recvCqn, final IbvQpCap cap,
        final boolean sqSigAll, final int[] cqSetCqns, final int recvPolicy)
    {
        RecvCqPolicy.validate(recvPolicy);
        if (cqSetCqns == null && recvPolicy != RecvCqPolicy.FIXED)
        {
            throw new VerbsException("a receive CQ policy other than FIXED needs a CQ set");
        }
        if (cqSetCqns != null && (cqSetCqns.length < 1 || cqSetCqns.length > TenantMessages.MAX_CQ_SET))
        {
            throw new VerbsException("a CQ set holds 1.." + TenantMessages.MAX_CQ_SET + " CQs, one per completion " +
                "vector (" + cqSetCqns.length + " given)");
        }
        final int length = cqSetCqns == null ? TenantMessages.CREATE_QP_LENGTH :
            TenantMessages.createQpLength(cqSetCqns.length);
        final MemorySegment r = session("create_qp", TenantMessages.CREATE_QP, length,
            (seg, at) ->
            {
                seg.set(ValueLayout.JAVA_INT, at + TenantMessages.QP_PDN_OFFSET, pdn);
                seg.set(ValueLayout.JAVA_INT, at + TenantMessages.QP_SEND_CQ_OFFSET, sendCqn);
                seg.set(ValueLayout.JAVA_INT, at + TenantMessages.QP_RECV_CQ_OFFSET, recvCqn);
                seg.set(ValueLayout.JAVA_INT, at + TenantMessages.QP_SIG_ALL_OFFSET, sqSigAll ? 1 : 0);
                TenantMessages.putCap(seg, at + TenantMessages.QP_CAP_OFFSET, cap);
                if (cqSetCqns != null)
                {
                    seg.set(ValueLayout.JAVA_INT, at + TenantMessages.QP_RECV_POLICY_OFFSET, recvPolicy);
                    seg.set(ValueLayout.JAVA_INT, at + TenantMessages.QP_CQ_SET_COUNT_OFFSET, cqSetCqns.length);
                    for (int i = 0; i < cqSetCqns.length; i++)
                    {
                        seg.set(ValueLayout.JAVA_INT, at + TenantMessages.QP_CQ_SET_OFFSET + 4L * i, cqSetCqns[i]);
                    }
                }
            });
        final int sendCapacity = r.get(ValueLayout.JAVA_INT, 4);
        final int sendStride = r.get(ValueLayout.JAVA_INT, 8);
        final int recvCapacity = r.get(ValueLayout.JAVA_INT, 12);
        final int recvStride = r.get(ValueLayout.JAVA_INT, 16);
        return new QpResources(r.get(ValueLayout.JAVA_INT, 0),
            ringFile(r.get(ValueLayout.JAVA_INT, 20), HostRing.bytesFor(sendStride, sendCapacity)), sendCapacity,
            sendStride,
            ringFile(r.get(ValueLayout.JAVA_INT, 24), HostRing.bytesFor(recvStride, recvCapacity)), recvCapacity,
            recvStride,
            TenantMessages.getCap(r, TenantMessages.QP_RESPONSE_GRANTED_OFFSET, new IbvQpCap()));
    }

    /**
     * The EQ of a completion vector: the file {@code eq-V} the engine created at attach, mapped here. The engine posts
     * EQEs into it and wakes a handler sleeping on its futex word; nothing goes through the master.
     */
    @Override
    public synchronized EqResources eventQueue(final int compVector)
    {
        if (closed)
        {
            throw new VerbsException("device context is closed");
        }
        if (compVector < 0 || compVector >= eqs.length)
        {
            throw new VerbsException("completion vector " + compVector + " out of range 0.." + (eqs.length - 1) +
                " (vNIC " + vnicName + " has " + eqs.length + " EQs)");
        }
        if (eqs[compVector] == null)
        {
            eqs[compVector] = map(vnicDir.resolve(TenantMessages.EQ_FILE_PREFIX + compVector),
                EventRing.bytesFor(eqCapacity));
        }
        return new EqResources(compVector, eqs[compVector], eqCapacity);
    }

    /** The engine runs in another process and cannot unpark a thread here: handlers sleep on the EQ's futex. */
    @Override
    public boolean eventQueueWaiter(final int compVector, final Thread thread)
    {
        return false;
    }

    @Override
    public void modifyCqModeration(final int cqn, final CqModeration moderation)
    {
        session("modify_cq_moderation", TenantMessages.MODIFY_CQ_MODERATION, TenantMessages.MODIFY_MODERATION_LENGTH,
            (seg, at) ->
            {
                seg.set(ValueLayout.JAVA_INT, at + TenantMessages.ARG0, cqn);
                seg.set(ValueLayout.JAVA_INT, at + TenantMessages.ARG1, moderation == null ? 0 : 1);
                if (moderation != null)
                {
                    TenantMessages.putModeration(seg, at + TenantMessages.MODERATION_OFFSET, moderation);
                }
            });
    }

    @Override
    public int createFlow(final String name, final int priorityClass, final int weight)
    {
        final MemorySegment r = session("create_flow", TenantMessages.CREATE_FLOW, TenantMessages.CREATE_FLOW_LENGTH,
            (seg, at) ->
            {
                seg.set(ValueLayout.JAVA_INT, at + TenantMessages.ARG0, priorityClass);
                seg.set(ValueLayout.JAVA_INT, at + TenantMessages.ARG1, weight);
                VnicMessages.putName(seg, at + TenantMessages.FLOW_NAME_OFFSET, name);
            });
        return r.get(ValueLayout.JAVA_INT, 0);
    }

    @Override
    public void setQpFlow(final int qpn, final int flowId)
    {
        session("set_qp_flow", TenantMessages.SET_QP_FLOW, TenantMessages.SET_QP_FLOW_LENGTH, (seg, at) ->
        {
            seg.set(ValueLayout.JAVA_INT, at + TenantMessages.ARG0, qpn);
            seg.set(ValueLayout.JAVA_INT, at + TenantMessages.ARG1, flowId);
        });
    }

    @Override
    public void modifyEqModeration(final int compVector, final CqModeration moderation)
    {
        if (moderation == null)
        {
            throw new VerbsException("an event queue's moderation cannot be null (use CqModeration.NONE)");
        }
        session("modify_eq_moderation", TenantMessages.MODIFY_EQ_MODERATION, TenantMessages.MODIFY_MODERATION_LENGTH,
            (seg, at) ->
            {
                seg.set(ValueLayout.JAVA_INT, at + TenantMessages.ARG0, compVector);
                TenantMessages.putModeration(seg, at + TenantMessages.MODERATION_OFFSET, moderation);
            });
    }

    @Override
    public void modifyQp(final int qpn, final IbvQpAttr attr, final int mask)
    {
        session("modify_qp", TenantMessages.MODIFY_QP, TenantMessages.MODIFY_QP_LENGTH, (seg, at) ->
        {
            seg.set(ValueLayout.JAVA_INT, at + TenantMessages.ARG0, qpn);
            seg.set(ValueLayout.JAVA_INT, at + TenantMessages.ARG1, mask);
            TenantMessages.putAttr(seg, at + TenantMessages.MODIFY_ATTR_OFFSET, attr);
        });
    }

    @Override
    public void queryQp(final int qpn, final IbvQpAttr attr)
    {
        final MemorySegment r = session("query_qp", TenantMessages.QUERY_QP, TenantMessages.ONE_ARG_LENGTH,
            (seg, at) -> seg.set(ValueLayout.JAVA_INT, at + TenantMessages.ARG0, qpn));
        TenantMessages.getAttr(r, 0, attr);
    }

    @Override
    public void destroyQp(final int qpn)
    {
        oneArg("destroy_qp", TenantMessages.DESTROY_QP, qpn);
    }

    @Override
    public DoorbellRing doorbell()
    {
        return doorbell;
    }

    /**
     * The engine runs in its own process: nothing to drive. Every poll comes here, so every
     * {@value #DRIVE_CHECK_MASK}+1 calls this looks at the engine's heartbeat and throws {@link VerbsException} once
     * the engine is dead (without allocating while it lives).
     */
    @Override
    public int drive()
    {
        if (engineDead != null)
        {
            throw new VerbsException(engineDead);
        }
        if ((++drives & DRIVE_CHECK_MASK) == 0)
        {
            checkEngine(System.nanoTime());
        }
        return 0;
    }

    @Override
    public synchronized CmControl cm()
    {
        if (cm == null)
        {
            cm = new TenantCm();
        }
        return cm;
    }

    private TenantCm cm;

    /**
     * The connection manager over the command channel. The master cannot block for one tenant, so each blocking call
     * is split into requests it answers at once (start, then poll), and this side waits: it polls with a back-off
     * from {@value #CM_FIRST_BACKOFF_NANOS} ns doubling up to {@value #CM_MAX_BACKOFF_NANOS} ns, bounded by its own
     * timeout (the engine's for a connect, plus {@value #CM_GRACE_MILLIS} ms). Errors are those of the embedded CM:
     * a REJ or a connect that timed out throws {@link CmException} with the reason.
     */
    private final class TenantCm implements CmControl
    {
        @Override
        public int listen(final int port)
        {
            return session("cm listen on port " + port, TenantMessages.CM_LISTEN, TenantMessages.ONE_ARG_LENGTH,
                (seg, at) -> seg.set(ValueLayout.JAVA_INT, at + TenantMessages.ARG0, port))
                .get(ValueLayout.JAVA_INT, 0);
        }

        @Override
        public void closeListener(final int listenerId)
        {
            if (!closed && engineDead == null)
            {
                oneArg("cm close listener", TenantMessages.CM_CLOSE_LISTENER, listenerId);
            }
        }

        @Override
        public CmRequest getRequest(final int listenerId, final long timeoutNanos)
        {
            final long deadline = System.nanoTime() + Math.max(0, timeoutNanos);
            long backoff = CM_FIRST_BACKOFF_NANOS;
            while (true)
            {
                final Response r = call(TenantMessages.CM_GET_REQUEST, TenantMessages.ONE_ARG_LENGTH, (seg, at) ->
                {
                    seg.set(ValueLayout.JAVA_LONG, at + TenantMessages.SESSION_OFFSET, session);
                    seg.set(ValueLayout.JAVA_INT, at + TenantMessages.ARG0, listenerId);
                });
                final MemorySegment p = ok("cm get request", r);
                if (r.length() >= TenantMessages.CM_REQUEST_DATA_OFFSET)
                {
                    final int[] v = new int[10];
                    for (int i = 0; i < v.length; i++)
                    {
                        v[i] = p.get(ValueLayout.JAVA_INT, 8 + 4L * i);
                    }
                    return new CmRequest(p.get(ValueLayout.JAVA_LONG, 0), v[0], v[1], v[2], v[3], v[4], v[5], v[6],
                        v[7], v[8], v[9], TenantMessages.getBytes(p, TenantMessages.CM_REQUEST_DATA_OFFSET,
                        p.get(ValueLayout.JAVA_INT, TenantMessages.CM_REQUEST_DATA_OFFSET - 4)));
                }
                if (System.nanoTime() - deadline >= 0)
                {
                    return null;
                }
                backoff = backOff(backoff, deadline);
            }
        }

        @Override
        public void accept(final long requestId, final int qpn, final CmParams params)
        {
            checkPrivateData(params);
            session("cm accept", TenantMessages.CM_ACCEPT, TenantMessages.CM_ACCEPT_LENGTH, (seg, at) ->
            {
                seg.set(ValueLayout.JAVA_INT, at + TenantMessages.ARG0, qpn);
                seg.set(ValueLayout.JAVA_LONG, at + TenantMessages.CM_ACCEPT_REQUEST_ID_OFFSET, requestId);
                TenantMessages.putParams(seg, at + TenantMessages.CM_ACCEPT_PARAMS_OFFSET, params);
            });
        }

        @Override
        public void reject(final long requestId, final int reason)
        {
            session("cm reject", TenantMessages.CM_REJECT, TenantMessages.CM_REJECT_LENGTH, (seg, at) ->
            {
                seg.set(ValueLayout.JAVA_INT, at + TenantMessages.ARG0, reason);
                seg.set(ValueLayout.JAVA_LONG, at + TenantMessages.CM_ACCEPT_REQUEST_ID_OFFSET, requestId);
            });
        }

        @Override
        public CmPeer connect(final int qpn, final int remoteIpv4, final int port, final CmParams params,
            final long timeoutNanos)
        {
            checkPrivateData(params);
            if (timeoutNanos <= 0)
            {
                throw new VerbsException("connect: timeout must be positive: " + timeoutNanos + " ns");
            }
            final int handle = session("cm connect", TenantMessages.CM_CONNECT, TenantMessages.CM_CONNECT_LENGTH,
                (seg, at) ->
                {
                    seg.set(ValueLayout.JAVA_INT, at + TenantMessages.ARG0, qpn);
                    seg.set(ValueLayout.JAVA_INT, at + TenantMessages.ARG1, remoteIpv4);
                    seg.set(ValueLayout.JAVA_INT, at + TenantMessages.ARG2, port);
                    seg.set(ValueLayout.JAVA_LONG, at + TenantMessages.CM_CONNECT_TIMEOUT_OFFSET, timeoutNanos);
                    TenantMessages.putParams(seg, at + TenantMessages.CM_CONNECT_PARAMS_OFFSET, params);
                }).get(ValueLayout.JAVA_INT, 0);
            // the engine gives up at its deadline when polled; this side's own bound is for an engine that does not
            final long deadline = System.nanoTime() + timeoutNanos + TimeUnit.MILLISECONDS.toNanos(CM_GRACE_MILLIS);
            long backoff = CM_FIRST_BACKOFF_NANOS;
            while (true)
            {
                final MemorySegment p = session("cm connect", TenantMessages.CM_CONNECT_POLL,
                    TenantMessages.ONE_ARG_LENGTH, (seg, at) -> seg.set(ValueLayout.JAVA_INT,
                        at + TenantMessages.ARG0, handle));
                final int outcome = p.get(ValueLayout.JAVA_INT, 0);
                switch (outcome)
                {
                    case TenantMessages.CM_PENDING ->
                    {
                        if (System.nanoTime() - deadline >= 0)
                        {
                            throw new CmException("connect: no outcome from the engine within " +
                                TimeUnit.NANOSECONDS.toMillis(timeoutNanos) + " ms (+" + CM_GRACE_MILLIS + " ms)",
                                CmException.TIMEOUT);
                        }
                        backoff = backOff(backoff, deadline);
                    }
                    case TenantMessages.CM_ESTABLISHED ->
                    {
                        return new CmPeer(p.get(ValueLayout.JAVA_INT, 8), p.get(ValueLayout.JAVA_INT, 12),
                            p.get(ValueLayout.JAVA_INT, 16), p.get(ValueLayout.JAVA_INT, 20),
                            TenantMessages.getBytes(p, TenantMessages.CM_PEER_DATA_OFFSET,
                                p.get(ValueLayout.JAVA_INT, 24)));
                    }
                    default ->
                    {
                        final int n = Math.max(0, Math.min(p.get(ValueLayout.JAVA_INT, 8),
                            CommandRing.PAYLOAD_CAPACITY - 12));
                        final String message = new String(p.asSlice(12, n).toArray(ValueLayout.JAVA_BYTE),
                            StandardCharsets.UTF_8);
                        if (outcome == TenantMessages.CM_REJECTED)
                        {
                            throw new CmException(message, p.get(ValueLayout.JAVA_INT, 4));
                        }
                        throw new VerbsException(message.isEmpty() ? "connect failed" : message);
                    }
                }
            }
        }

        @Override
        public void disconnect(final int qpn, final long timeoutNanos)
        {
            oneArg("cm disconnect", TenantMessages.CM_DISCONNECT, qpn);
            final long deadline = System.nanoTime() + Math.max(0, timeoutNanos);
            long backoff = CM_FIRST_BACKOFF_NANOS;
            while (true)
            {
                final boolean giveUp = System.nanoTime() - deadline >= 0;
                final MemorySegment p = session("cm disconnect", TenantMessages.CM_DISCONNECT_POLL,
                    TenantMessages.CM_DISCONNECT_POLL_LENGTH, (seg, at) ->
                    {
                        seg.set(ValueLayout.JAVA_INT, at + TenantMessages.ARG0, qpn);
                        seg.set(ValueLayout.JAVA_INT, at + TenantMessages.ARG1, giveUp ? 1 : 0);
                    });
                if (p.get(ValueLayout.JAVA_INT, 0) != 0 || giveUp)
                {
                    return;
                }
                backoff = backOff(backoff, deadline);
            }
        }

        @Override
        public int state(final int qpn)
        {
            return session("cm state", TenantMessages.CM_STATE, TenantMessages.ONE_ARG_LENGTH,
                (seg, at) -> seg.set(ValueLayout.JAVA_INT, at + TenantMessages.ARG0, qpn))
                .get(ValueLayout.JAVA_INT, 0);
        }

        private static void checkPrivateData(final CmParams params)
        {
            if (params.privateData() != null && params.privateData().length > TenantMessages.CM_MAX_PRIVATE_DATA)
            {
                throw new VerbsException("private data of " + params.privateData().length + " bytes (at most " +
                    TenantMessages.CM_MAX_PRIVATE_DATA + ")");
            }
        }

        /** Sleeps the back-off (never past the deadline by much) and returns the next one. */
        private static long backOff(final long backoff, final long deadline)
        {
            final long left = deadline - System.nanoTime();
            LockSupport.parkNanos(Math.max(1, Math.min(backoff, left)));
            return Math.min(backoff * 2, CM_MAX_BACKOFF_NANOS);
        }
    }

    /** Detaches (the engine frees what this tenant held and deletes its files), then unmaps. */
    @Override
    public void close()
    {
        synchronized (this)
        {
            if (closed)
            {
                return;
            }
            closed = true;
        }
        try
        {
            if (engineDead == null && alive(ring.enginePid()))
            {
                session("detach", TenantMessages.DETACH, TenantMessages.SESSION_LENGTH, (seg, at) -> { });
            }
        }
        finally
        {
            stopBeating = true;
            LockSupport.unpark(heartbeatThread);
            try
            {
                heartbeatThread.join(TimeUnit.SECONDS.toMillis(5));
            }
            catch (final InterruptedException ex)
            {
                Thread.currentThread().interrupt();
            }
            arena.close();
            controlMapping.close();
        }
    }

    @Override
    public String toString()
    {
        return "vNIC " + vnicName + " of " + engineDir;
    }
}
