package io.softnic.wire;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.HexFormat;

/** Test helpers for building and inspecting buffers. */
public final class Bytes {
    private Bytes() {
    }

    public static MemorySegment segment(final int size) {
        return Arena.ofAuto().allocate(size, 8);
    }

    public static MemorySegment of(final byte[] bytes) {
        final MemorySegment segment = segment(bytes.length);
        MemorySegment.copy(bytes, 0, segment, ValueLayout.JAVA_BYTE, 0, bytes.length);
        return segment;
    }

    public static MemorySegment hex(final String hex) {
        return of(HexFormat.of().parseHex(hex.replaceAll("\\s+", "")));
    }

    public static byte[] bytes(final MemorySegment segment, final long offset, final int length) {
        final byte[] out = new byte[length];
        MemorySegment.copy(segment, ValueLayout.JAVA_BYTE, offset, out, 0, length);
        return out;
    }

    public static String toHex(final MemorySegment segment, final long offset, final int length) {
        return HexFormat.of().formatHex(bytes(segment, offset, length));
    }

    public static int u8(final MemorySegment segment, final long offset) {
        return segment.get(ValueLayout.JAVA_BYTE, offset) & 0xFF;
    }
}
