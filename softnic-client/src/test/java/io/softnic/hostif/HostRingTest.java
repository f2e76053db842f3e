package io.softnic.hostif;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

@Timeout(10)
class HostRingTest
{
    @Test
    void indicesWrapOntoSlotsAndDoorbellWordIsOneShot()
    {
        try (Arena arena = Arena.ofConfined())
        {
            final HostRing ring = new HostRing(arena.allocate(HostRing.bytesFor(64, 8), 64), 64, 8);
            assertEquals(HostRing.HEADER_LENGTH, ring.entryOffset(0));
            assertEquals(ring.entryOffset(3), ring.entryOffset(11), "free-running index maps onto capacity slots");
            ring.producerRelease(5);
            ring.consumerRelease(2);
            assertEquals(5, ring.producerAcquire());
            assertEquals(2, ring.consumerAcquire());
            assertTrue(ring.markDoorbellPending(), "first post rings");
            assertFalse(ring.markDoorbellPending(), "later posts ride on the pending doorbell");
            ring.clearDoorbellPending();
            assertTrue(ring.markDoorbellPending());
        }
    }

    @Test
    void refusesBadGeometry()
    {
        try (Arena arena = Arena.ofConfined())
        {
            final MemorySegment small = arena.allocate(HostRing.bytesFor(64, 8) - 1, 64);
            assertThrows(IllegalArgumentException.class, () -> new HostRing(small, 64, 8));
            final MemorySegment ok = arena.allocate(HostRing.bytesFor(64, 8), 64);
            assertThrows(IllegalArgumentException.class, () -> new HostRing(ok, 64, 6));
            assertThrows(IllegalArgumentException.class, () -> new HostRing(ok.asSlice(8), 64, 4));
        }
        assertEquals(1, HostRing.roundUpToPowerOfTwo(0));
        assertEquals(128, HostRing.roundUpToPowerOfTwo(100));
        assertEquals(128, HostRing.roundUpToPowerOfTwo(128));
    }

    @Test
    void sendWqeStrideKeepsEntriesCacheLineAligned()
    {
        assertEquals(128, SendWqe.stride(4, 0));
        assertEquals(128, SendWqe.stride(1, 64));
        assertEquals(64 + 1024, SendWqe.stride(1, 1024));
        assertEquals(0, SendWqe.stride(3, 100) % 64);
    }
}
