package io.softnic.wire.cm;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.softnic.wire.Bytes;
import java.lang.foreign.MemorySegment;
import java.util.function.IntConsumer;
import java.util.function.IntSupplier;

/**
 * Checks one field of a flyweight against its spec position: setting its maximum on a zeroed
 * buffer must set exactly the field's bits, and setting 0 on an all-ones buffer must clear exactly
 * them, so a field can neither land in the wrong place nor spill into its neighbours.
 */
final class FieldCheck {
    private final MemorySegment segment;
    private final int size;

    FieldCheck(final MemorySegment segment, final int size) {
        this.segment = segment;
        this.size = size;
    }

    /**
     * @param offset first byte of the field
     * @param mask   the field's bits over {@code (bits + 7) / 8} bytes from offset, big-endian
     * @param bits   width of the field in bits
     */
    void field(final String name, final int offset, final long mask, final int bits,
               final IntConsumer set, final IntSupplier get) {
        final int bytes = Math.max(1, (64 - Long.numberOfLeadingZeros(mask) + 7) / 8);
        final int max = bits == 32 ? -1 : (1 << bits) - 1;

        segment.fill((byte) 0);
        set.accept(max);
        assertEquals(max, get.getAsInt(), name + " max round trip");
        assertArrayEquals(expected((byte) 0, offset, bytes, mask), Bytes.bytes(segment, 0, size), name + " set bits");

        segment.fill((byte) 0xFF);
        set.accept(0);
        assertEquals(0, get.getAsInt(), name + " zero round trip");
        assertArrayEquals(expected((byte) 0xFF, offset, bytes, ~mask), Bytes.bytes(segment, 0, size), name + " cleared bits");

        final int mid = bits == 1 ? 1 : (int) (0x5A5A5A5AL & (max & 0xFFFFFFFFL));
        set.accept(mid);
        assertEquals(mid, get.getAsInt(), name + " pattern round trip");
    }

    void bit(final String name, final int offset, final int bit,
             final java.util.function.Consumer<Boolean> set, final java.util.function.BooleanSupplier get) {
        field(name, offset, 1L << bit, 1, v -> set.accept(v != 0), () -> get.getAsBoolean() ? 1 : 0);
    }

    private byte[] expected(final byte fill, final int offset, final int bytes, final long pattern) {
        final byte[] out = new byte[size];
        java.util.Arrays.fill(out, fill);
        for (int i = 0; i < bytes; i++) {
            final int shift = 8 * (bytes - 1 - i);
            final byte patternByte = (byte) (pattern >>> shift);
            out[offset + i] = fill == 0 ? patternByte : (byte) (fill & patternByte);
        }
        return out;
    }
}
