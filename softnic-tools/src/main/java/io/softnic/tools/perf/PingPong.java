package io.softnic.tools.perf;

import java.lang.foreign.ValueLayout;

/**
 * A latency exchange in turns (write_lat, send_lat): the active side sends and waits for the answer, the passive
 * side waits for the message and answers. Each message's last byte carries the exchange's tag.
 */
abstract class PingPong extends LatencyProbe
{
    final ControlChannel control;
    final Watchdog watchdog;
    final boolean active;
    private long srcTag;

    PingPong(final QpLink link, final BufferLayout layout, final SendTracker sends, final ControlChannel control,
        final Watchdog watchdog, final boolean active)
    {
        super(link, layout, sends);
        this.control = control;
        this.watchdog = watchdog;
        this.active = active;
    }

    /** Sets up the work request that sends {@code size} bytes, the message, from the first slot. */
    final void message(final int opcode, final int size)
    {
        final long src = layout.slotOffset(size, 0);
        srcTag = src + size - 1;
        request(opcode, src, size);
    }

    /**
     * Waits for the peer's message i carrying {@code tag}; false when a passive side learns from a control message
     * that the round ended.
     */
    abstract boolean awaitPeer(long i, byte tag);

    /** Notes, once the exchange is done, what arrived in it. */
    abstract void exchanged();

    @Override
    public final boolean exchange(final long i)
    {
        final byte tag = Integrity.tag(i);
        if (active)
        {
            post(i, tag);
            awaitPeer(i, tag);
            completedAt = System.nanoTime();
        }
        else
        {
            if (!awaitPeer(i, tag))
            {
                return false;
            }
            post(i, tag);
        }
        exchanged();
        sends.reap();
        return true;
    }

    private void post(final long i, final byte tag)
    {
        sends.awaitRoom();
        buffer.set(ValueLayout.JAVA_BYTE, srcTag, tag);
        post(i);
    }
}
