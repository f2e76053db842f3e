package io.softnic.engine.control;

import io.softnic.engine.counters.EngineCounters;
import io.softnic.engine.vnic.TenantPlane;
import io.softnic.engine.vnic.Vnic;
import io.softnic.engine.vnic.VnicException;
import io.softnic.engine.vnic.VnicTable;
import io.softnic.hostif.CommandRing;
import io.softnic.hostif.TenantMessages;
import io.softnic.hostif.VnicMessages;
import org.agrona.concurrent.Agent;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The master's end of the command channel: an agent that serves the {@link CommandRing} in a shared control file.
 * It looks at the slots only when the ring's doorbell count moved, copies each request into its own memory before
 * checking it (a client cannot change what was checked), and answers every request, malformed ones with an error
 * status and a message. Once a second it reclaims slots whose client died or left them half written. Every
 * {@value #HEARTBEAT_INTERVAL_MILLIS} ms it bumps the engine's heartbeat in the ring's header (tenants and tools see
 * the engine alive without a system call), and every {@value #LIVENESS_INTERVAL_MILLIS} ms it has the
 * {@link TenantPlane} check every attached tenant's heartbeat and pid.
 */
public final class CommandServer implements Agent, AutoCloseable
{
    private static final long SWEEP_INTERVAL_NANOS = TimeUnit.SECONDS.toNanos(1);
    private static final long CLAIM_TIMEOUT_NANOS = TimeUnit.SECONDS.toNanos(5);
    private static final long RESPONSE_TIMEOUT_NANOS = TimeUnit.SECONDS.toNanos(30);
    static final long HEARTBEAT_INTERVAL_MILLIS = 10;
    static final long LIVENESS_INTERVAL_MILLIS = 100;
    private static final long HEARTBEAT_INTERVAL_NANOS = TimeUnit.MILLISECONDS.toNanos(HEARTBEAT_INTERVAL_MILLIS);
    private static final long LIVENESS_INTERVAL_NANOS = TimeUnit.MILLISECONDS.toNanos(LIVENESS_INTERVAL_MILLIS);

    private final Path file;
    private final Arena arena;
    private final CommandRing ring;
    private final VnicTable vnics;
    private final EngineCounters counters;
    private final MemorySegment request = Arena.ofAuto().allocate(CommandRing.PAYLOAD_CAPACITY, 8);
    private final int requestsCounter;
    private final int errorsCounter;
    private final int reclaimedCounter;
    private final int[] seenState;
    private final long[] seenCorrelation;
    private final long[] seenSince;
    private long seenDoorbell;
    private long lastSweep = System.nanoTime();
    private long lastBeat = lastSweep;
    private long lastLiveness = lastSweep;
    private boolean closed;
    /** Attached tenants' control operations; null where tenants cannot attach. */
    private TenantPlane tenants;

    private CommandServer(final Path file, final Arena arena, final MemorySegment region, final int slots,
        final VnicTable vnics, final EngineCounters counters)
    {
        this.file = file;
        this.arena = arena;
        this.ring = CommandRing.format(region, slots, ProcessHandle.current().pid());
        this.vnics = vnics;
        this.counters = counters;
        this.requestsCounter = counters.allocate("control_channel_requests");
        this.errorsCounter = counters.allocate("control_channel_errors");
        this.reclaimedCounter = counters.allocate("control_channel_reclaimed_slots");
        this.seenState = new int[slots];
        this.seenCorrelation = new long[slots];
        this.seenSince = new long[slots];
        ring.beat();
    }

    /** Creates the control file (owner-only, replacing a stale one) and the server over it. */
    public static CommandServer create(final Path file, final int slots, final VnicTable vnics,
        final EngineCounters counters)
    {
        final Arena mapping = Arena.ofShared();
        try
        {
            Files.deleteIfExists(file);
            Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            final MemorySegment region;
            try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE))
            {
                region = ch.map(FileChannel.MapMode.READ_WRITE, 0, CommandRing.bytesFor(slots), mapping);
            }
            return new CommandServer(file, mapping, region, slots, vnics, counters);
        }
        catch (final IOException | RuntimeException ex)
        {
            mapping.close();
            try
            {
                Files.deleteIfExists(file);
            }
            catch (final IOException ignore)
            {
                // reporting the first failure matters more
            }
            throw ex instanceof IOException io ? new UncheckedIOException("cannot create control file " + file, io) :
                (RuntimeException)ex;
        }
    }

    /** Serves tenants' control operations (attach and the verbs) through {@code tenants} from now on. */
    public CommandServer tenants(final TenantPlane tenants)
    {
        this.tenants = tenants;
        return this;
    }

    public TenantPlane tenants()
    {
        return tenants;
    }

    public Path file()
    {
        return file;
    }

    public CommandRing ring()
    {
        return ring;
    }

    @Override
    public String roleName()
    {
        return "command-server";
    }

    @Override
    public int doWork()
    {
        int work = 0;
        final long doorbell = ring.doorbell();
        if (doorbell != seenDoorbell)
        {
            seenDoorbell = doorbell;
            for (int i = 0; i < ring.slots(); i++)
            {
                if (ring.state(i) == CommandRing.REQUEST)
                {
                    serve(i);
                    work++;
                }
            }
        }
        final long now = System.nanoTime();
        if (now - lastBeat >= HEARTBEAT_INTERVAL_NANOS)
        {
            lastBeat = now;
            ring.beat();
        }
        if (tenants != null && now - lastLiveness >= LIVENESS_INTERVAL_NANOS)
        {
            lastLiveness = now;
            work += tenants.checkTenants(now);
        }
        if (now - lastSweep >= SWEEP_INTERVAL_NANOS)
        {
            lastSweep = now;
            work += sweep(now);
        }
        return work;
    }

    private void serve(final int slot)
    {
        counters.increment(requestsCounter);
        final long correlation = ring.correlation(slot);
        final int opcode = ring.opcode(slot);
        final int length = ring.requestLength(slot);
        if (length < 0 || length > CommandRing.PAYLOAD_CAPACITY)
        {
            error(slot, correlation, CommandRing.MALFORMED, "request length " + length + " out of range 0.." +
                CommandRing.PAYLOAD_CAPACITY);
            return;
        }
        MemorySegment.copy(ring.region(), ring.payloadOffset(slot), request, 0, length);
        try
        {
            switch (opcode)
            {
                case VnicMessages.PING -> ping(slot, correlation, length);
                case VnicMessages.VNIC_CREATE -> create(slot, correlation, length);
                case VnicMessages.VNIC_DELETE -> delete(slot, correlation, length);
                case VnicMessages.VNIC_LIST -> list(slot, correlation, length);
                default -> tenant(slot, correlation, opcode, length);
            }
        }
        catch (final VnicException ex)
        {
            error(slot, correlation, ex.status(), ex.getMessage());
        }
        catch (final RuntimeException ex)
        {
            error(slot, correlation, CommandRing.INTERNAL, "internal error: " + ex);
        }
    }

    private void tenant(final int slot, final long correlation, final int opcode, final int length)
    {
        if (tenants == null || !TenantMessages.isTenantOp(opcode))
        {
            error(slot, correlation, CommandRing.UNKNOWN_OPCODE, "unknown operation " + opcode);
            return;
        }
        final int n = tenants.serve(opcode, request, length,
            ring.region().asSlice(ring.payloadOffset(slot), CommandRing.PAYLOAD_CAPACITY), ring.clientPid(slot));
        ring.answer(slot, correlation, CommandRing.OK, n);
    }

    private void error(final int slot, final long correlation, final int status, final String message)
    {
        counters.increment(errorsCounter);
        ring.answerError(slot, correlation, status, message);
    }

    private static void expectLength(final String op, final int length, final int expected)
    {
        if (length != expected)
        {
            throw new VnicException(CommandRing.MALFORMED, op + " request of " + length + " bytes (expected " +
                expected + ")");
        }
    }

    private String name(final String op)
    {
        final String name = VnicMessages.getName(request, VnicMessages.NAME_OFFSET);
        if (name == null)
        {
            throw new VnicException(CommandRing.MALFORMED, op + " request: name length out of range 0.." +
                VnicMessages.MAX_NAME_LENGTH);
        }
        return name;
    }

    private void ping(final int slot, final long correlation, final int length)
    {
        expectLength("ping", length, 0);
        final long at = ring.payloadOffset(slot);
        ring.region().set(ValueLayout.JAVA_LONG, at, ProcessHandle.current().pid());
        ring.region().set(ValueLayout.JAVA_INT, at + 8, vnics.size());
        ring.answer(slot, correlation, CommandRing.OK, 12);
    }

    private void create(final int slot, final long correlation, final int length)
    {
        expectLength("vnic create", length, VnicMessages.CREATE_LENGTH);
        final Vnic vnic = vnics.create(name("vnic create"), VnicMessages.getQuota(request, 0));
        ring.region().set(ValueLayout.JAVA_INT, ring.payloadOffset(slot), vnic.id());
        ring.answer(slot, correlation, CommandRing.OK, 4);
    }

    private void delete(final int slot, final long correlation, final int length)
    {
        expectLength("vnic delete", length, VnicMessages.DELETE_LENGTH);
        final String name = name("vnic delete");
        if (tenants != null)
        {
            tenants.detach(name); // a deleted vNIC's tenant loses everything it held
        }
        vnics.delete(name);
        ring.answer(slot, correlation, CommandRing.OK, 0);
    }

    private void list(final int slot, final long correlation, final int length)
    {
        expectLength("vnic list", length, VnicMessages.LIST_LENGTH);
        final int start = request.get(ValueLayout.JAVA_INT, VnicMessages.LIST_START_OFFSET);
        final List<Vnic> all = vnics.list();
        if (start < 0 || start > all.size())
        {
            throw new VnicException(CommandRing.BAD_VALUE, "list start " + start + " out of range 0.." + all.size());
        }
        final long at = ring.payloadOffset(slot);
        final int count = Math.min(VnicMessages.ENTRIES_PER_PAGE, all.size() - start);
        for (int i = 0; i < count; i++)
        {
            VnicMessages.putInfo(ring.region(),
                at + VnicMessages.LIST_ENTRIES_OFFSET + (long)i * VnicMessages.ENTRY_LENGTH, all.get(start + i).info());
        }
        ring.region().set(ValueLayout.JAVA_INT, at + VnicMessages.LIST_TOTAL_OFFSET, all.size());
        ring.region().set(ValueLayout.JAVA_INT, at + VnicMessages.LIST_COUNT_OFFSET, count);
        ring.answer(slot, correlation, CommandRing.OK,
            VnicMessages.LIST_ENTRIES_OFFSET + count * VnicMessages.ENTRY_LENGTH);
    }

    /** Reclaims slots left CLAIMED too long, answers nobody collected, and slots in a state no client writes. */
    private int sweep(final long now)
    {
        int reclaimed = 0;
        for (int i = 0; i < ring.slots(); i++)
        {
            final int state = ring.state(i);
            final long correlation = ring.correlation(i);
            if (state < CommandRing.FREE || state > CommandRing.RESPONSE)
            {
                ring.state(i, CommandRing.FREE);
                reclaimed++;
                continue;
            }
            if (state != seenState[i] || correlation != seenCorrelation[i])
            {
                seenState[i] = state;
                seenCorrelation[i] = correlation;
                seenSince[i] = now;
                continue;
            }
            final long age = now - seenSince[i];
            final boolean stale = switch (state)
            {
                case CommandRing.CLAIMED -> age >= CLAIM_TIMEOUT_NANOS;
                case CommandRing.RESPONSE -> age >= RESPONSE_TIMEOUT_NANOS || !alive(ring.clientPid(i));
                default -> false;
            };
            if (stale && ring.casState(i, state, CommandRing.FREE))
            {
                seenState[i] = CommandRing.FREE;
                reclaimed++;
            }
        }
        counters.add(reclaimedCounter, reclaimed);
        return reclaimed;
    }

    private static boolean alive(final long pid)
    {
        return pid > 0 && ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
    }

    /** Unmaps and deletes the control file; call after the agent stopped running. */
    @Override
    public void close()
    {
        if (closed)
        {
            return;
        }
        closed = true;
        arena.close();
        try
        {
            Files.deleteIfExists(file);
        }
        catch (final IOException ignore)
        {
            // best effort: the next engine on this directory replaces a stale file
        }
    }
}
