package io.softnic.tools.perf;

import io.softnic.tools.ToolFailure;
import io.softnic.verbs.IbvWc;
import io.softnic.verbs.IbvWcOpcode;
import io.softnic.verbs.IbvWrOpcode;

import java.lang.foreign.ValueLayout;

/**
 * send_lat: SEND and receive in turns. Each receive completion is checked (opcode, length, the exchange's tag in the
 * message's last byte) and replaced by a fresh receive before answering.
 */
final class SendPingPong extends PingPong
{
    private final Completions recvCq;
    private int size;

    SendPingPong(final QpLink link, final BufferLayout layout, final Completions recvCq, final SendTracker sends,
        final ControlChannel control, final Watchdog watchdog, final boolean active)
    {
        super(link, layout, sends, control, watchdog, active);
        this.recvCq = recvCq;
    }

    @Override
    public void prepare(final int size)
    {
        this.size = size;
        message(IbvWrOpcode.SEND, size);
    }

    @Override
    boolean awaitPeer(final long i, final byte tag)
    {
        int spins = 0;
        while (recvCq.poll(1) == 0)
        {
            if (recvCq.eventDriven())
            {
                recvCq.awaitEvent();
                sends.reap();
                watchdog.check(true, "waiting for the peer's SEND");
                continue;
            }
            if ((++spins & 255) == 0)
            {
                sends.reap();
                watchdog.check(true, "waiting for the peer's SEND");
            }
            SpinWait.pause(spins);
        }
        final IbvWc wc = recvCq.wc(0);
        if (control.accept(wc))
        {
            if (active)
            {
                throw new ToolFailure("protocol error: control message in the middle of a send_lat round");
            }
            return false;
        }
        final int slot = link.ring.slotOf(wc.wrId);
        final byte got = buffer.get(ValueLayout.JAVA_BYTE, layout.recvOffset(slot) + size - 1);
        if (wc.opcode != IbvWcOpcode.RECV || wc.byteLen != size || got != tag)
        {
            throw new ToolFailure(String.format("send_lat message %d: %s of %d bytes ending in 0x%02x, expected " +
                "RECV of %d bytes ending in 0x%02x", i, IbvWcOpcode.name(wc.opcode), wc.byteLen, got & 0xFF, size,
                tag & 0xFF));
        }
        link.round.receivedInto(slot);
        link.ring.repost();
        watchdog.progress();
        return true;
    }

    @Override
    void exchanged()
    {
        // the receive was counted as it completed: its slot is known only then
    }
}
