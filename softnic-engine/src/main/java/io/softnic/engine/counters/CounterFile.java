package io.softnic.engine.counters;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The layout of a counters region, shared by the engine that writes it and any process that reads it:
 * a header (magic, count, pid), then per counter a 64-byte record of an 8-byte value and a 56-byte label. One
 * counter per cache line keeps the TX and RX pipelines from sharing lines when they count.
 */
public final class CounterFile
{
    public static final int MAGIC = 0x534E4331; // "SNC1"
    public static final int MAGIC_OFFSET = 0;
    public static final int COUNT_OFFSET = 4;
    public static final int PID_OFFSET = 8;
    /** A one-slot administration channel in the header: see {@link io.softnic.engine.control.AdminChannel}. */
    public static final int ADMIN_REQUEST_OFFSET = 16;
    public static final int ADMIN_RESPONSE_OFFSET = 24;
    public static final int HEADER_LENGTH = 64;
    public static final int RECORD_LENGTH = 64;
    public static final int LABEL_OFFSET = 8;
    public static final int LABEL_LENGTH = RECORD_LENGTH - LABEL_OFFSET;

    private CounterFile()
    {
    }

    public static long bytesFor(final int capacity)
    {
        return HEADER_LENGTH + (long)capacity * RECORD_LENGTH;
    }

    public static long valueOffset(final int id)
    {
        return HEADER_LENGTH + (long)id * RECORD_LENGTH;
    }

    /** Maps a new owner-only counters file of the given capacity (replacing a stale one). */
    public static MemorySegment create(final Path file, final int capacity, final Arena arena) throws IOException
    {
        Files.createDirectories(file.getParent());
        Files.deleteIfExists(file);
        Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE))
        {
            return ch.map(FileChannel.MapMode.READ_WRITE, 0, bytesFor(capacity), arena);
        }
    }

    /** Reads every counter of a counters file written by a (possibly running) engine. */
    public static Map<String, Long> read(final Path file) throws IOException
    {
        final Map<String, Long> values = new LinkedHashMap<>();
        try (Arena arena = Arena.ofConfined(); FileChannel ch = FileChannel.open(file, StandardOpenOption.READ))
        {
            final long size = ch.size();
            if (size < HEADER_LENGTH)
            {
                throw new IOException(file + " is not a softnic counters file (too short)");
            }
            final MemorySegment seg = ch.map(FileChannel.MapMode.READ_ONLY, 0, size, arena);
            if (seg.get(ValueLayout.JAVA_INT, MAGIC_OFFSET) != MAGIC)
            {
                throw new IOException(file + " is not a softnic counters file (bad magic)");
            }
            final int count = seg.get(ValueLayout.JAVA_INT, COUNT_OFFSET);
            if (count < 0 || bytesFor(count) > size)
            {
                throw new IOException(file + " is truncated or corrupt (count " + count + ")");
            }
            for (int i = 0; i < count; i++)
            {
                final long at = valueOffset(i);
                values.put(label(seg, at), (long)ValueLayout.JAVA_LONG.varHandle().getVolatile(seg, at));
            }
        }
        return values;
    }

    static String label(final MemorySegment seg, final long recordOffset)
    {
        final byte[] bytes = new byte[LABEL_LENGTH];
        MemorySegment.copy(seg, ValueLayout.JAVA_BYTE, recordOffset + LABEL_OFFSET, bytes, 0, LABEL_LENGTH);
        int n = 0;
        while (n < bytes.length && bytes[n] != 0)
        {
            n++;
        }
        return new String(bytes, 0, n, StandardCharsets.US_ASCII);
    }

    static void putLabel(final MemorySegment seg, final long recordOffset, final String label)
    {
        final byte[] bytes = label.getBytes(StandardCharsets.US_ASCII);
        final int n = Math.min(bytes.length, LABEL_LENGTH - 1);
        MemorySegment.copy(bytes, 0, seg, ValueLayout.JAVA_BYTE, recordOffset + LABEL_OFFSET, n);
    }
}
