package io.softnic.engine.counters;

import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The engine's counters, in the spirit of {@code ethtool -S} and {@code rdma statistic}: engine-wide counters are
 * fixed ids (the constants below); per-port counters are allocated as ports are opened. Values live in memory that
 * can be a file, so {@code softnic stat} in another process reads a running engine.
 */
public final class EngineCounters implements AutoCloseable
{
    private static final VarHandle LONG = ValueLayout.JAVA_LONG.varHandle();
    private static final int CAPACITY = 512;

    private static final String[] FIXED = {
        "acks_sent", "acks_received",
        "nak_seq_err_sent", "nak_seq_err_received",
        "rnr_nak_sent", "rnr_nak_received",
        "nak_inv_req_sent", "nak_inv_req_received",
        "nak_rem_access_sent", "nak_rem_access_received",
        "nak_rem_op_sent", "nak_rem_op_received",
        "retransmitted_packets", "retransmit_timeouts", "rnr_retries",
        "duplicate_requests", "duplicate_responses", "read_replays", "atomic_replays",
        "out_of_sequence_requests",
        "icrc_errors", "malformed_dropped", "bad_pkey_dropped", "unknown_qp_dropped", "bad_opcode_sequence",
        "doorbells", "wqe_fetched", "qp_errors",
        "bus_bytes_to_host", "bus_bytes_from_host",
        "fault_dropped", "fault_duplicated", "fault_reordered", "fault_corrupted",
        "cm_mads_sent", "cm_mads_received", "cm_retries", "cm_rejects_sent", "cm_rejects_received",
        "rx_buffers_exhausted", "tx_send_errors", "qp_internal_errors",
        "cq_events", "cq_event_completions", "eq_wakes", "eq_overflows", "cq_moderation_timeouts",
        "cq_profile_changes", "cm_path_rearms", "loopback_packets", "loopback_dropped",
        "context_accesses", "context_hits", "context_loads", "context_write_backs", "context_evictions",
        "lookahead_batches", "lookahead_work_requests",
        "bus_turns", "bus_turn_bytes", "bus_turns_refused",
    };

    public static final int ACKS_SENT = 0;
    public static final int ACKS_RECEIVED = 1;
    public static final int NAK_SEQ_SENT = 2;
    public static final int NAK_SEQ_RECEIVED = 3;
    public static final int RNR_NAK_SENT = 4;
    public static final int RNR_NAK_RECEIVED = 5;
    public static final int NAK_INV_REQ_SENT = 6;
    public static final int NAK_INV_REQ_RECEIVED = 7;
    public static final int NAK_REM_ACCESS_SENT = 8;
    public static final int NAK_REM_ACCESS_RECEIVED = 9;
    public static final int NAK_REM_OP_SENT = 10;
    public static final int NAK_REM_OP_RECEIVED = 11;
    public static final int RETRANSMITTED_PACKETS = 12;
    public static final int RETRANSMIT_TIMEOUTS = 13;
    public static final int RNR_RETRIES = 14;
    public static final int DUPLICATE_REQUESTS = 15;
    public static final int DUPLICATE_RESPONSES = 16;
    public static final int READ_REPLAYS = 17;
    public static final int ATOMIC_REPLAYS = 18;
    public static final int OUT_OF_SEQUENCE_REQUESTS = 19;
    public static final int ICRC_ERRORS = 20;
    public static final int MALFORMED_DROPPED = 21;
    public static final int BAD_PKEY_DROPPED = 22;
    public static final int UNKNOWN_QP_DROPPED = 23;
    public static final int BAD_OPCODE_SEQUENCE = 24;
    public static final int DOORBELLS = 25;
    public static final int WQE_FETCHED = 26;
    public static final int QP_ERRORS = 27;
    public static final int BUS_BYTES_TO_HOST = 28;
    public static final int BUS_BYTES_FROM_HOST = 29;
    public static final int FAULT_DROPPED = 30;
    public static final int FAULT_DUPLICATED = 31;
    public static final int FAULT_REORDERED = 32;
    public static final int FAULT_CORRUPTED = 33;
    public static final int CM_MADS_SENT = 34;
    public static final int CM_MADS_RECEIVED = 35;
    public static final int CM_RETRIES = 36;
    public static final int CM_REJECTS_SENT = 37;
    public static final int CM_REJECTS_RECEIVED = 38;
    public static final int RX_BUFFERS_EXHAUSTED = 39;
    public static final int TX_SEND_ERRORS = 40;
    public static final int QP_INTERNAL_ERRORS = 41;
    /** Events (EQEs) armed CQs posted. */
    public static final int CQ_EVENTS = 42;
    /** Completions those events stood for (coalesced per event): divided by EQ_WAKES, completions per interrupt. */
    public static final int CQ_EVENT_COMPLETIONS = 43;
    /** Sleeping handlers the device woke (interrupts); an event for an awake handler wakes nothing. */
    public static final int EQ_WAKES = 44;
    /** Events that found their EQ full (the handler then polls every CQ of the EQ). */
    public static final int EQ_OVERFLOWS = 45;
    /** Events posted by the time threshold rather than the count threshold. */
    public static final int CQ_MODERATION_TIMEOUTS = 46;
    /** Profile changes of the adaptive moderation. */
    public static final int CQ_PROFILE_CHANGES = 47;
    /** LAPs offering a migrated connection its old path again as the alternate. */
    public static final int CM_PATH_REARMS = 48;
    /** Packets between two QPs of this engine, handed from TX to RX inside the engine (no UDP). */
    public static final int LOOPBACK_PACKETS = 49;
    /** Such packets dropped: the internal ring was full, or a port on the way is down. */
    public static final int LOOPBACK_DROPPED = 50;
    /** Uses of a connection context by the pipelines, timers and control plane (each a cache hit or a load). */
    public static final int CONTEXT_ACCESSES = 51;
    public static final int CONTEXT_HITS = 52;
    /** Contexts read from host memory into the context cache (misses). */
    public static final int CONTEXT_LOADS = 53;
    /** Changed contexts written back to host memory. */
    public static final int CONTEXT_WRITE_BACKS = 54;
    /** Cache lines taken from one context for another. */
    public static final int CONTEXT_EVICTIONS = 55;
    /** Batches the look-ahead scheduler took: each one QP's work requests, run under one context acquire. */
    public static final int LOOKAHEAD_BATCHES = 56;
    /** Work requests taken in those batches (divided by the batches: the grouping achieved). */
    public static final int LOOKAHEAD_WORK_REQUESTS = 57;
    /** Turns the bus granted to QPs (each up to one chunk of bytes when flows are arbitrated). */
    public static final int BUS_TURNS = 58;
    /** Bytes of packets those turns produced. */
    public static final int BUS_TURN_BYTES = 59;
    /** Turns a full flow queue refused (back-pressure on that flow; the QP tries again next cycle). */
    public static final int BUS_TURNS_REFUSED = 60;
    /** Completions by ibv_wc_status: COMPLETIONS_BASE + status code. */
    public static final int COMPLETIONS_BASE = FIXED.length;
    private static final int COMPLETION_STATUSES = 22;

    private final Arena arena;
    private final MemorySegment values;
    private final Path file;
    private int allocated;

    private EngineCounters(final Arena arena, final MemorySegment values, final Path file)
    {
        this.arena = arena;
        this.values = values;
        this.file = file;
        values.set(ValueLayout.JAVA_INT, CounterFile.MAGIC_OFFSET, CounterFile.MAGIC);
        values.set(ValueLayout.JAVA_LONG, CounterFile.PID_OFFSET, ProcessHandle.current().pid());
        for (final String label : FIXED)
        {
            allocate(label);
        }
        final String[] statuses = {
            "success", "loc_len_err", "loc_qp_op_err", "loc_eec_op_err", "loc_prot_err", "wr_flush_err",
            "mw_bind_err", "bad_resp_err", "loc_access_err", "rem_inv_req_err", "rem_access_err", "rem_op_err",
            "retry_exc_err", "rnr_retry_exc_err", "loc_rdd_viol_err", "rem_inv_rd_req_err", "rem_abort_err",
            "inv_eecn_err", "inv_eec_state_err", "fatal_err", "resp_timeout_err", "general_err"};
        for (int i = 0; i < COMPLETION_STATUSES; i++)
        {
            allocate("completions_" + statuses[i]);
        }
    }

    /** Counters in private memory, or in a file another process can read when {@code file} is not null. */
    public static EngineCounters create(final Path file)
    {
        final Arena arena = Arena.ofShared();
        try
        {
            final MemorySegment seg = file == null ?
                arena.allocate(CounterFile.bytesFor(CAPACITY), 64) :
                CounterFile.create(file, CAPACITY, arena);
            return new EngineCounters(arena, seg, file);
        }
        catch (final IOException ex)
        {
            arena.close();
            throw new UncheckedIOException("cannot create counters file " + file, ex);
        }
    }

    /** Counters that can still be allocated. */
    public synchronized int free()
    {
        return CAPACITY - allocated;
    }

    /** Allocates a counter at start-up (ports); not for the data path. */
    public synchronized int allocate(final String label)
    {
        if (allocated == CAPACITY)
        {
            throw new IllegalStateException("out of counters");
        }
        final int id = allocated++;
        CounterFile.putLabel(values, CounterFile.valueOffset(id), label);
        values.set(ValueLayout.JAVA_INT, CounterFile.COUNT_OFFSET, allocated);
        return id;
    }

    /** Gives an allocated counter a new label (a reused vNIC slot); not for the data path. */
    public synchronized void relabel(final int id, final String label)
    {
        if (id < 0 || id >= allocated)
        {
            throw new IllegalArgumentException("counter " + id + " is not allocated");
        }
        final long at = CounterFile.valueOffset(id);
        values.asSlice(at + CounterFile.LABEL_OFFSET, CounterFile.LABEL_LENGTH).fill((byte)0);
        CounterFile.putLabel(values, at, label);
    }

    /** Sets a counter back to zero (a reused vNIC slot). */
    public void reset(final int id)
    {
        LONG.setRelease(values, CounterFile.valueOffset(id), 0L);
    }

    /** The latest request an administration tool left in the header (0: none yet). */
    public long adminRequest()
    {
        return (long)LONG.getVolatile(values, (long)CounterFile.ADMIN_REQUEST_OFFSET);
    }

    public void adminResponse(final long response)
    {
        LONG.setRelease(values, (long)CounterFile.ADMIN_RESPONSE_OFFSET, response);
    }

    public void increment(final int id)
    {
        LONG.getAndAdd(values, CounterFile.valueOffset(id), 1L);
    }

    public void add(final int id, final long delta)
    {
        LONG.getAndAdd(values, CounterFile.valueOffset(id), delta);
    }

    public void set(final int id, final long value)
    {
        LONG.setRelease(values, CounterFile.valueOffset(id), value);
    }

    public long get(final int id)
    {
        return (long)LONG.getVolatile(values, CounterFile.valueOffset(id));
    }

    public void completion(final int status)
    {
        increment(COMPLETIONS_BASE + Math.min(Math.max(status, 0), COMPLETION_STATUSES - 1));
    }

    public long completions(final int status)
    {
        return get(COMPLETIONS_BASE + status);
    }

    public Path file()
    {
        return file;
    }

    public synchronized Map<String, Long> snapshot()
    {
        final Map<String, Long> map = new LinkedHashMap<>();
        for (int i = 0; i < allocated; i++)
        {
            map.put(CounterFile.label(values, CounterFile.valueOffset(i)), get(i));
        }
        return map;
    }

    /** Prints the non-zero counters, one per line, as {@code ethtool -S} does. */
    public static void print(final String title, final Map<String, Long> counters, final PrintStream out)
    {
        out.println(title);
        counters.forEach((k, v) ->
        {
            if (v != 0)
            {
                out.printf("     %-40s %d%n", k + ":", v);
            }
        });
    }

    @Override
    public void close()
    {
        arena.close();
        if (file != null)
        {
            try
            {
                Files.deleteIfExists(file);
            }
            catch (final IOException ignore)
            {
                // best effort: a stale file is replaced by the next engine of that name
            }
        }
    }
}
