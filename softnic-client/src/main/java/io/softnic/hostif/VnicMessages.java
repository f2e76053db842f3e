package io.softnic.hostif;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.util.regex.Pattern;

/**
 * The payloads of the master's vNIC operations on the {@link CommandRing}, as named offsets. A name is a 2-byte
 * length and up to {@link #MAX_NAME_LENGTH} ASCII bytes in a {@link #NAME_FIELD}-byte field.
 *
 * <pre>
 * VNIC_CREATE request (CREATE_LENGTH): name | @40 max QPs | max CQs | max MRs | EQs | @56 max MR bytes (8)
 *             response: @0 vNIC id
 * VNIC_DELETE request (DELETE_LENGTH): name
 * VNIC_LIST   request (LIST_LENGTH): @0 first index; response: @0 total | @4 count | @8 count entries of
 *             ENTRY_LENGTH: the create fields | @64 used QPs | CQs | MRs | @80 used MR bytes (8) |
 *             @88 control ops (8) | @96 data ops (8) | @104 id
 * PING        request (0 bytes); response: @0 engine pid (8) | @8 vNICs
 * </pre>
 */
public final class VnicMessages
{
    public static final int PING = 1;
    public static final int VNIC_CREATE = 10;
    public static final int VNIC_DELETE = 11;
    public static final int VNIC_LIST = 12;

    public static final int MAX_NAME_LENGTH = 32;
    public static final int NAME_FIELD = 40;

    public static final int NAME_OFFSET = 0;
    public static final int MAX_QPS_OFFSET = 40;
    public static final int MAX_CQS_OFFSET = 44;
    public static final int MAX_MRS_OFFSET = 48;
    public static final int EQS_OFFSET = 52;
    public static final int MAX_MR_BYTES_OFFSET = 56;
    public static final int CREATE_LENGTH = 64;
    public static final int DELETE_LENGTH = NAME_FIELD;

    public static final int LIST_START_OFFSET = 0;
    public static final int LIST_LENGTH = 4;
    public static final int LIST_TOTAL_OFFSET = 0;
    public static final int LIST_COUNT_OFFSET = 4;
    public static final int LIST_ENTRIES_OFFSET = 8;
    public static final int USED_QPS_OFFSET = 64;
    public static final int USED_CQS_OFFSET = 68;
    public static final int USED_MRS_OFFSET = 72;
    public static final int USED_MR_BYTES_OFFSET = 80;
    public static final int CONTROL_OPS_OFFSET = 88;
    public static final int DATA_OPS_OFFSET = 96;
    public static final int ID_OFFSET = 104;
    public static final int ENTRY_LENGTH = 112;
    public static final int ENTRIES_PER_PAGE = (CommandRing.PAYLOAD_CAPACITY - LIST_ENTRIES_OFFSET) / ENTRY_LENGTH;

    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]{0,31}");

    /** The quotas of a vNIC, as asked for at create. */
    public record Quota(int maxQps, int maxCqs, int maxMrs, long maxMrBytes, int eqs)
    {
    }

    /** One row of {@code vnic list}. */
    public record Info(String name, int id, Quota quota, int usedQps, int usedCqs, int usedMrs, long usedMrBytes,
        long controlOps, long dataOps)
    {
    }

    private VnicMessages()
    {
    }

    /** Whether {@code name} is a valid vNIC name: 1..32 of letters, digits, '_', '.', '-', starting alphanumeric. */
    public static boolean validName(final String name)
    {
        return name != null && NAME.matcher(name).matches();
    }

    public static void putName(final MemorySegment seg, final long at, final String name)
    {
        final byte[] bytes = name.getBytes(StandardCharsets.US_ASCII);
        if (bytes.length > MAX_NAME_LENGTH)
        {
            throw new IllegalArgumentException("vNIC name longer than " + MAX_NAME_LENGTH + ": " + name);
        }
        seg.asSlice(at, NAME_FIELD).fill((byte)0);
        seg.set(ValueLayout.JAVA_SHORT, at, (short)bytes.length);
        MemorySegment.copy(bytes, 0, seg, ValueLayout.JAVA_BYTE, at + 2, bytes.length);
    }

    /** Reads a name field; null if its length is out of range (the caller answers MALFORMED). */
    public static String getName(final MemorySegment seg, final long at)
    {
        final int n = seg.get(ValueLayout.JAVA_SHORT, at) & 0xFFFF;
        if (n > MAX_NAME_LENGTH)
        {
            return null;
        }
        final byte[] bytes = new byte[n];
        MemorySegment.copy(seg, ValueLayout.JAVA_BYTE, at + 2, bytes, 0, n);
        return new String(bytes, StandardCharsets.ISO_8859_1);
    }

    public static void putQuota(final MemorySegment seg, final long at, final Quota q)
    {
        seg.set(ValueLayout.JAVA_INT, at + MAX_QPS_OFFSET, q.maxQps());
        seg.set(ValueLayout.JAVA_INT, at + MAX_CQS_OFFSET, q.maxCqs());
        seg.set(ValueLayout.JAVA_INT, at + MAX_MRS_OFFSET, q.maxMrs());
        seg.set(ValueLayout.JAVA_INT, at + EQS_OFFSET, q.eqs());
        seg.set(ValueLayout.JAVA_LONG, at + MAX_MR_BYTES_OFFSET, q.maxMrBytes());
    }

    public static Quota getQuota(final MemorySegment seg, final long at)
    {
        return new Quota(seg.get(ValueLayout.JAVA_INT, at + MAX_QPS_OFFSET),
            seg.get(ValueLayout.JAVA_INT, at + MAX_CQS_OFFSET),
            seg.get(ValueLayout.JAVA_INT, at + MAX_MRS_OFFSET),
            seg.get(ValueLayout.JAVA_LONG, at + MAX_MR_BYTES_OFFSET),
            seg.get(ValueLayout.JAVA_INT, at + EQS_OFFSET));
    }

    public static void putInfo(final MemorySegment seg, final long at, final Info info)
    {
        putName(seg, at, info.name());
        putQuota(seg, at, info.quota());
        seg.set(ValueLayout.JAVA_INT, at + USED_QPS_OFFSET, info.usedQps());
        seg.set(ValueLayout.JAVA_INT, at + USED_CQS_OFFSET, info.usedCqs());
        seg.set(ValueLayout.JAVA_INT, at + USED_MRS_OFFSET, info.usedMrs());
        seg.set(ValueLayout.JAVA_LONG, at + USED_MR_BYTES_OFFSET, info.usedMrBytes());
        seg.set(ValueLayout.JAVA_LONG, at + CONTROL_OPS_OFFSET, info.controlOps());
        seg.set(ValueLayout.JAVA_LONG, at + DATA_OPS_OFFSET, info.dataOps());
        seg.set(ValueLayout.JAVA_INT, at + ID_OFFSET, info.id());
    }

    public static Info getInfo(final MemorySegment seg, final long at)
    {
        final String name = getName(seg, at);
        return new Info(name == null ? "?" : name, seg.get(ValueLayout.JAVA_INT, at + ID_OFFSET), getQuota(seg, at),
            seg.get(ValueLayout.JAVA_INT, at + USED_QPS_OFFSET),
            seg.get(ValueLayout.JAVA_INT, at + USED_CQS_OFFSET),
            seg.get(ValueLayout.JAVA_INT, at + USED_MRS_OFFSET),
            seg.get(ValueLayout.JAVA_LONG, at + USED_MR_BYTES_OFFSET),
            seg.get(ValueLayout.JAVA_LONG, at + CONTROL_OPS_OFFSET),
            seg.get(ValueLayout.JAVA_LONG, at + DATA_OPS_OFFSET));
    }
}
