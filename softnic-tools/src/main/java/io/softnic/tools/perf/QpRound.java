package io.softnic.tools.perf;

import java.util.Arrays;

/** What one QP did in a round, for the checks at its end: requests the client issued, messages this side took in. */
final class QpRound
{
    long ops;
    long received;
    int lastSlot = -1;
    final boolean[] touched;

    QpRound(final int recvSlots)
    {
        touched = new boolean[Math.max(recvSlots, 1)];
    }

    void reset()
    {
        ops = 0;
        received = 0;
        lastSlot = -1;
        Arrays.fill(touched, false);
    }

    void receivedInto(final int slot)
    {
        received++;
        lastSlot = slot;
        touched[slot] = true;
    }
}
