package io.softnic.tools.perf;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * What each test's data must look like, on each side. Before a round the side that sends data writes the pattern
 * into its source (perftest's buffers hold garbage; ours say where each byte belongs) and the side that receives
 * clears its target; after the round each side checks what it can see: written or received bytes against the
 * sender's pattern, fetched bytes against the target's, atomic counters against the number of operations, the
 * ping-pong tag of the last message. The checks run outside the measured loops.
 */
final class Integrity
{
    static final int CLIENT = 1;
    static final int SERVER = 2;

    private final PerfTest test;
    private final BufferLayout layout;
    private final boolean client;

    Integrity(final PerfTest test, final BufferLayout layout, final boolean client)
    {
        this.test = test;
        this.layout = layout;
        this.client = client;
    }

    static long seed(final int side, final int qp)
    {
        return Pattern.seed(side, qp);
    }

    /** The ping-pong tag of message i (1-based): never zero, never equal to its predecessor's. */
    static byte tag(final long i)
    {
        return (byte)((i - 1) % 255 + 1);
    }

    private long mySeed(final int qp)
    {
        return seed(client ? CLIENT : SERVER, qp);
    }

    private long peerSeed(final int qp)
    {
        return seed(client ? SERVER : CLIENT, qp);
    }

    void prepare(final QpLink link, final int size)
    {
        final MemorySegment b = link.buffer;
        final int q = link.index;
        link.round.reset();
        clear(b);
        switch (test)
        {
            case WRITE_BW -> fillIf(client, b, seed(CLIENT, q));
            case READ_BW, READ_LAT -> fillIf(!client, b, seed(SERVER, q));
            case SEND_BW ->
            {
                if (client)
                {
                    for (int s = 0; s < layout.slots(size); s++)
                    {
                        Pattern.fill(b, layout.slotOffset(size, s), size, seed(CLIENT, q), 0);
                    }
                }
            }
            case WRITE_LAT, SEND_LAT -> Pattern.fill(b, layout.slotOffset(size, 0), size, mySeed(q), 0);
            case ATOMIC_BW, ATOMIC_LAT ->
            {
                // counters and fetch targets start at zero
            }
        }
    }

    private void clear(final MemorySegment b)
    {
        b.asSlice(0, layout.dataLength()).fill((byte)0);
    }

    private void fillIf(final boolean source, final MemorySegment b, final long seed)
    {
        if (source)
        {
            Pattern.fill(b, 0, layout.dataLength(), seed, 0);
        }
    }

    /** Checks this side's memory after a round in which the client issued {@code ops} requests on the QP. */
    String verify(final QpLink link, final int size, final long ops)
    {
        final MemorySegment b = link.buffer;
        final int q = link.index;
        final QpRound round = link.round;
        return switch (test)
        {
            case WRITE_BW -> client ? null : slots(b, q, size, ops, seed(CLIENT, q), "written");
            case READ_BW, READ_LAT -> slots(b, q, size, ops, seed(SERVER, q), client ? "read" : "read from");
            case SEND_BW -> client ? null : received(b, q, size, ops, round);
            case ATOMIC_BW, ATOMIC_LAT -> atomics(b, q, ops);
            case WRITE_LAT, SEND_LAT -> lastMessage(b, q, size, ops, round);
        };
    }

    private String slots(final MemorySegment b, final int q, final int size, final long ops, final long seed,
        final String what)
    {
        final int slots = layout.slots(size);
        final long stride = BufferLayout.stride(size);
        for (int s = 0; s < Math.min(slots, ops); s++)
        {
            final long bad = Pattern.firstMismatch(b, layout.slotOffset(size, s), size, seed, s * stride);
            if (bad >= 0)
            {
                return mismatch(b, q, "slot " + s + " " + what, layout.slotOffset(size, s), bad, seed, s * stride,
                    size);
            }
        }
        return null;
    }

    private String received(final MemorySegment b, final int q, final int size, final long ops, final QpRound round)
    {
        if (round.received != ops)
        {
            return "QP #" + q + ": received " + round.received + " SENDs, the client sent " + ops;
        }
        for (int s = 0; s < layout.recvSlots(); s++)
        {
            if (round.touched[s])
            {
                final long at = layout.recvOffset(s);
                final long bad = Pattern.firstMismatch(b, at, size, seed(CLIENT, q), 0);
                if (bad >= 0)
                {
                    return mismatch(b, q, "receive slot " + s, at, bad, seed(CLIENT, q), 0, size);
                }
            }
        }
        return null;
    }

    private String atomics(final MemorySegment b, final int q, final long ops)
    {
        final int slots = layout.slots(PerfTest.ATOMIC_SIZE);
        for (int s = 0; s < slots; s++)
        {
            final long count = ops > s ? (ops - 1 - s) / slots + 1 : 0;
            final long expected = client ? Math.max(count - 1, 0) : count;
            final long actual = b.get(ValueLayout.JAVA_LONG, layout.slotOffset(PerfTest.ATOMIC_SIZE, s));
            if (actual != expected)
            {
                return String.format("QP #%d slot %d: %s is %d, expected %d after %d atomics on %d slots", q, s,
                    client ? "the last fetched value" : "the target word", actual, expected, ops, slots);
            }
        }
        return null;
    }

    private String lastMessage(final MemorySegment b, final int q, final int size, final long ops,
        final QpRound round)
    {
        if (round.received != ops)
        {
            return "QP #" + q + ": " + round.received + " messages arrived, " + ops + " were exchanged";
        }
        if (ops == 0)
        {
            return null;
        }
        final long at = layout.recvOffset(Math.max(round.lastSlot, 0));
        final long bad = Pattern.firstMismatch(b, at, size - 1, peerSeed(q), 0);
        if (bad >= 0)
        {
            return mismatch(b, q, "last message", at, bad, peerSeed(q), 0, size);
        }
        final byte last = b.get(ValueLayout.JAVA_BYTE, at + size - 1);
        if (last != tag(ops))
        {
            return String.format("QP #%d: the last message ends in tag 0x%02x, expected 0x%02x (message %d)", q,
                last & 0xFF, tag(ops) & 0xFF, ops);
        }
        return null;
    }

    private static String mismatch(final MemorySegment b, final int q, final String where, final long at,
        final long bad, final long seed, final long base, final int size)
    {
        return String.format("QP #%d %s: byte %d of %d is 0x%02x, expected 0x%02x", q, where, bad, size,
            b.get(ValueLayout.JAVA_BYTE, at + bad) & 0xFF, Pattern.byteAt(seed, base + bad) & 0xFF);
    }
}
