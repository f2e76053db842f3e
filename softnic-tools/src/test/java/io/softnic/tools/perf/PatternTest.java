package io.softnic.tools.perf;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

@Timeout(10)
class PatternTest
{
    @Test
    void fillsAndFindsTheFirstWrongByte()
    {
        try (Arena arena = Arena.ofConfined())
        {
            final MemorySegment seg = arena.allocate(1024);
            final long seed = Pattern.seed(1, 0);
            Pattern.fill(seg, 64, 101, seed, 256);
            assertEquals(-1, Pattern.firstMismatch(seg, 64, 101, seed, 256));
            for (int i = 0; i < 101; i++)
            {
                assertEquals(Pattern.byteAt(seed, 256 + i), seg.get(ValueLayout.JAVA_BYTE, 64 + i));
            }
            seg.set(ValueLayout.JAVA_BYTE, 64 + 37, (byte)~seg.get(ValueLayout.JAVA_BYTE, 64 + 37));
            assertEquals(37, Pattern.firstMismatch(seg, 64, 101, seed, 256));
            seg.set(ValueLayout.JAVA_BYTE, 64 + 100, (byte)~seg.get(ValueLayout.JAVA_BYTE, 64 + 100));
            assertEquals(37, Pattern.firstMismatch(seg, 64, 101, seed, 256));
            assertNotEquals(-1, Pattern.firstMismatch(seg, 64, 8, Pattern.seed(2, 0), 256));
            assertNotEquals(-1, Pattern.firstMismatch(seg, 64, 8, seed, 264));
            assertThrows(IllegalArgumentException.class, () -> Pattern.fill(seg, 0, 8, seed, 3));
        }
    }

    @Test
    void pingPongTagsNeverRepeatBackToBackNorVanish()
    {
        for (long i = 1; i < 2000; i++)
        {
            assertNotEquals(0, Integrity.tag(i));
            assertNotEquals(Integrity.tag(i), Integrity.tag(i + 1));
        }
    }

    @Test
    void layoutsFitEverySize()
    {
        for (final PerfTest test : PerfTest.values())
        {
            final BufferLayout layout = new BufferLayout(test, 2, 128, PerfTest.MAX_SIZE);
            for (int size = 1; size <= PerfTest.MAX_SIZE; size <<= 1)
            {
                final long end = layout.slotOffset(size, layout.slots(size) - 1) + size;
                assertEquals(true, end <= layout.length(), test + " " + size);
            }
            if (layout.recvSlots() > 0)
            {
                assertEquals(true, layout.recvOffset(layout.recvSlots() - 1) + PerfTest.MAX_SIZE <= layout.length());
            }
        }
    }
}
