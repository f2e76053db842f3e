package io.softnic.hostif;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;
import java.nio.charset.StandardCharsets;

/**
 * The command channel between tools (and, later, tenants) and a running engine (the master): a fixed array of
 * request/response slots in a shared mapped file ({@code DIR/control}). Many producers, one consumer (the engine).
 * <p>
 * A client claims a FREE slot by CAS (FREE → CLAIMED), writes its pid, a correlation id, an opcode and a payload,
 * publishes it (state REQUEST, release) and bumps the header's doorbell count. The engine scans the slots only when
 * the doorbell count moved, copies each request out before checking it, and answers in the same slot: status,
 * the correlation id echoed, a response payload, then state RESPONSE (release). The client reads the answer and frees
 * the slot. A slot gives each request its own response place, so a slow client blocks nobody else; slots claimed by
 * a client that died (or held CLAIMED too long) are reclaimed by the engine.
 * <p>
 * Everything a client writes is untrusted: the engine checks state, lengths and every field, and answers a malformed
 * request with {@link #MALFORMED}; a slot in an unknown state is reset to FREE.
 * <p>
 * The engine's heartbeat is a counter in the header that the master bumps every few milliseconds from its duty cycle:
 * a client that sees it stand still for a bounded time knows the engine is gone or stopped answering, without a
 * system call (an engine restarted on the same directory makes a new file, so a stale mapping stands still too).
 *
 * <pre>
 * header (128 bytes): magic "SNCR" | version | slot count | slot length | engine pid (8) |
 *                     @32 engine heartbeat (8) | ... |
 *                     @64 doorbell count (8) | @72 next correlation id (8)
 * slot (SLOT_LENGTH bytes): state | opcode | correlation (8) | client pid (8) | request length | status |
 *                           response length | reserved | @64 payload (PAYLOAD_CAPACITY bytes)
 * </pre>
 */
public final class CommandRing
{
    public static final int MAGIC = 0x534E4352; // "SNCR"
    public static final int VERSION = 1;

    public static final int MAGIC_OFFSET = 0;
    public static final int VERSION_OFFSET = 4;
    public static final int SLOT_COUNT_OFFSET = 8;
    public static final int SLOT_LENGTH_OFFSET = 12;
    public static final int ENGINE_PID_OFFSET = 16;
    public static final int ENGINE_HEARTBEAT_OFFSET = 32;
    public static final int DOORBELL_OFFSET = 64;
    public static final int CORRELATION_OFFSET = 72;
    public static final int HEADER_LENGTH = 128;

    public static final int STATE_OFFSET = 0;
    public static final int OPCODE_OFFSET = 4;
    public static final int SLOT_CORRELATION_OFFSET = 8;
    public static final int CLIENT_PID_OFFSET = 16;
    public static final int REQUEST_LENGTH_OFFSET = 24;
    public static final int STATUS_OFFSET = 28;
    public static final int RESPONSE_LENGTH_OFFSET = 32;
    public static final int PAYLOAD_OFFSET = 64;
    public static final int SLOT_LENGTH = 1024;
    public static final int PAYLOAD_CAPACITY = SLOT_LENGTH - PAYLOAD_OFFSET;
    public static final int DEFAULT_SLOTS = 32;

    public static final int FREE = 0;
    public static final int CLAIMED = 1;
    public static final int REQUEST = 2;
    public static final int RESPONSE = 3;

    // status codes of a response
    public static final int OK = 0;
    public static final int MALFORMED = 1;
    public static final int UNKNOWN_OPCODE = 2;
    public static final int BAD_VALUE = 3;
    public static final int EXISTS = 4;
    public static final int NOT_FOUND = 5;
    public static final int LIMIT = 6;
    public static final int INTERNAL = 7;
    /** Refused by the engine's policy (e.g. a tenant asking for a vNIC the engine does not let tenants create). */
    public static final int DENIED = 8;

    private static final VarHandle INT = ValueLayout.JAVA_INT.varHandle();
    private static final VarHandle LONG = ValueLayout.JAVA_LONG.varHandle();

    private final MemorySegment region;
    private final int slots;

    private CommandRing(final MemorySegment region, final int slots)
    {
        this.region = region;
        this.slots = slots;
    }

    public static long bytesFor(final int slots)
    {
        return HEADER_LENGTH + (long)slots * SLOT_LENGTH;
    }

    /** Engine side: formats a new region (zeroed, as a fresh file is) and returns the ring over it. */
    public static CommandRing format(final MemorySegment region, final int slots, final long enginePid)
    {
        if (slots <= 0 || region.byteSize() < bytesFor(slots))
        {
            throw new IllegalArgumentException("command ring of " + slots + " slots needs " + bytesFor(slots) +
                " bytes, has " + region.byteSize());
        }
        region.set(ValueLayout.JAVA_INT, VERSION_OFFSET, VERSION);
        region.set(ValueLayout.JAVA_INT, SLOT_COUNT_OFFSET, slots);
        region.set(ValueLayout.JAVA_INT, SLOT_LENGTH_OFFSET, SLOT_LENGTH);
        region.set(ValueLayout.JAVA_LONG, ENGINE_PID_OFFSET, enginePid);
        INT.setRelease(region, (long)MAGIC_OFFSET, MAGIC);
        return new CommandRing(region, slots);
    }

    /** Client side: checks the header of a mapped control file; throws with a clear message if it is not one. */
    public static CommandRing attach(final MemorySegment region)
    {
        if (region.byteSize() < HEADER_LENGTH || (int)INT.getAcquire(region, (long)MAGIC_OFFSET) != MAGIC)
        {
            throw new IllegalStateException("not a softnic control file (bad magic)");
        }
        final int version = region.get(ValueLayout.JAVA_INT, VERSION_OFFSET);
        final int slots = region.get(ValueLayout.JAVA_INT, SLOT_COUNT_OFFSET);
        final int slotLength = region.get(ValueLayout.JAVA_INT, SLOT_LENGTH_OFFSET);
        if (version != VERSION || slotLength != SLOT_LENGTH || slots <= 0 || region.byteSize() < bytesFor(slots))
        {
            throw new IllegalStateException("unsupported softnic control file (version " + version + ", " + slots +
                " slots of " + slotLength + " bytes)");
        }
        return new CommandRing(region, slots);
    }

    public int slots()
    {
        return slots;
    }

    public MemorySegment region()
    {
        return region;
    }

    public long enginePid()
    {
        return region.get(ValueLayout.JAVA_LONG, ENGINE_PID_OFFSET);
    }

    /** The engine's heartbeat counter (acquire): moves every few milliseconds while the master runs. */
    public long engineHeartbeat()
    {
        return (long)LONG.getAcquire(region, (long)ENGINE_HEARTBEAT_OFFSET);
    }

    /** Engine side: one heartbeat (single writer: the master's agent). */
    public void beat()
    {
        LONG.setRelease(region, (long)ENGINE_HEARTBEAT_OFFSET,
            region.get(ValueLayout.JAVA_LONG, ENGINE_HEARTBEAT_OFFSET) + 1);
    }

    public long slotOffset(final int slot)
    {
        return HEADER_LENGTH + (long)slot * SLOT_LENGTH;
    }

    public long payloadOffset(final int slot)
    {
        return slotOffset(slot) + PAYLOAD_OFFSET;
    }

    public int state(final int slot)
    {
        return (int)INT.getAcquire(region, slotOffset(slot) + STATE_OFFSET);
    }

    public void state(final int slot, final int state)
    {
        INT.setRelease(region, slotOffset(slot) + STATE_OFFSET, state);
    }

    public boolean casState(final int slot, final int expected, final int state)
    {
        return INT.compareAndSet(region, slotOffset(slot) + STATE_OFFSET, expected, state);
    }

    public long doorbell()
    {
        return (long)LONG.getVolatile(region, (long)DOORBELL_OFFSET);
    }

    public int opcode(final int slot)
    {
        return region.get(ValueLayout.JAVA_INT, slotOffset(slot) + OPCODE_OFFSET);
    }

    public long correlation(final int slot)
    {
        return region.get(ValueLayout.JAVA_LONG, slotOffset(slot) + SLOT_CORRELATION_OFFSET);
    }

    public long clientPid(final int slot)
    {
        return region.get(ValueLayout.JAVA_LONG, slotOffset(slot) + CLIENT_PID_OFFSET);
    }

    public int requestLength(final int slot)
    {
        return region.get(ValueLayout.JAVA_INT, slotOffset(slot) + REQUEST_LENGTH_OFFSET);
    }

    public int status(final int slot)
    {
        return region.get(ValueLayout.JAVA_INT, slotOffset(slot) + STATUS_OFFSET);
    }

    public int responseLength(final int slot)
    {
        return region.get(ValueLayout.JAVA_INT, slotOffset(slot) + RESPONSE_LENGTH_OFFSET);
    }

    // ---- client side ----

    /** Claims a free slot for a request; -1 when every slot is busy. */
    public int claim()
    {
        for (int i = 0; i < slots; i++)
        {
            if (state(i) == FREE && casState(i, FREE, CLAIMED))
            {
                return i;
            }
        }
        return -1;
    }

    /**
     * Publishes a request in a claimed slot whose payload the caller wrote at {@link #payloadOffset}; returns its
     * correlation id.
     */
    public long publish(final int slot, final int opcode, final int length)
    {
        if (length < 0 || length > PAYLOAD_CAPACITY)
        {
            throw new IllegalArgumentException("request payload of " + length + " bytes (at most " +
                PAYLOAD_CAPACITY + ")");
        }
        final long correlation = (long)LONG.getAndAdd(region, (long)CORRELATION_OFFSET, 1L) + 1;
        final long at = slotOffset(slot);
        region.set(ValueLayout.JAVA_INT, at + OPCODE_OFFSET, opcode);
        region.set(ValueLayout.JAVA_LONG, at + SLOT_CORRELATION_OFFSET, correlation);
        region.set(ValueLayout.JAVA_LONG, at + CLIENT_PID_OFFSET, ProcessHandle.current().pid());
        region.set(ValueLayout.JAVA_INT, at + REQUEST_LENGTH_OFFSET, length);
        region.set(ValueLayout.JAVA_INT, at + STATUS_OFFSET, 0);
        region.set(ValueLayout.JAVA_INT, at + RESPONSE_LENGTH_OFFSET, 0);
        state(slot, REQUEST);
        LONG.getAndAdd(region, (long)DOORBELL_OFFSET, 1L);
        return correlation;
    }

    /** Client side: whether the engine answered the request with this correlation id in this slot. */
    public boolean answered(final int slot, final long correlation)
    {
        return state(slot) == RESPONSE && correlation(slot) == correlation;
    }

    /** Client side: gives the slot back after reading the answer (or giving up on it). */
    public void release(final int slot)
    {
        state(slot, FREE);
    }

    // ---- engine side ----

    /** Engine side: answers the request in {@code slot} (its payload already written at {@link #payloadOffset}). */
    public void answer(final int slot, final long correlation, final int status, final int length)
    {
        final long at = slotOffset(slot);
        region.set(ValueLayout.JAVA_LONG, at + SLOT_CORRELATION_OFFSET, correlation);
        region.set(ValueLayout.JAVA_INT, at + STATUS_OFFSET, status);
        region.set(ValueLayout.JAVA_INT, at + RESPONSE_LENGTH_OFFSET, length);
        state(slot, RESPONSE);
    }

    /** Engine side: answers with an error status and a message as payload. */
    public void answerError(final int slot, final long correlation, final int status, final String message)
    {
        answer(slot, correlation, status, putString(payloadOffset(slot), PAYLOAD_CAPACITY, message));
    }

    /** Writes a string as a 2-byte length and UTF-8 bytes (cut to fit); returns the bytes written. */
    public int putString(final long offset, final int capacity, final String s)
    {
        final byte[] bytes = s.getBytes(StandardCharsets.UTF_8);
        final int n = Math.max(0, Math.min(bytes.length, Math.min(capacity - 2, 0xFFFF)));
        region.set(ValueLayout.JAVA_SHORT, offset, (short)n);
        MemorySegment.copy(bytes, 0, region, ValueLayout.JAVA_BYTE, offset + 2, n);
        return n + 2;
    }

    /** Reads a string written by {@link #putString}, checking its length against {@code capacity}. */
    public String getString(final long offset, final int capacity)
    {
        if (capacity < 2)
        {
            return "";
        }
        final int n = Math.min(region.get(ValueLayout.JAVA_SHORT, offset) & 0xFFFF, capacity - 2);
        final byte[] bytes = new byte[n];
        MemorySegment.copy(region, ValueLayout.JAVA_BYTE, offset + 2, bytes, 0, n);
        return new String(bytes, StandardCharsets.UTF_8);
    }

    /** The name a status code stands for. */
    public static String statusName(final int status)
    {
        return switch (status)
        {
            case OK -> "ok";
            case MALFORMED -> "malformed request";
            case UNKNOWN_OPCODE -> "unknown operation";
            case BAD_VALUE -> "bad value";
            case EXISTS -> "already exists";
            case NOT_FOUND -> "not found";
            case LIMIT -> "limit exceeded";
            case INTERNAL -> "internal error";
            case DENIED -> "not allowed by the engine's policy";
            default -> "status " + status;
        };
    }
}
