package io.softnic.tools.perf;

import java.lang.foreign.ValueLayout;

/**
 * A latency exchange in turns (write_lat, send_lat): the active side sends and waits for the answer, the passive
 * side waits for the message and answers. Each message's last byte carries the exchange's tag. With {@code -e} a side
 * that learns of the peer's message from its memory (write_lat) first sleeps until its own request completed, as
 * perftest does, so each exchange takes an event on each side.
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
            awaitOwnCompletion();
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
            awaitOwnCompletion();
        }
        exchanged();
        sends.reap();
        return true;
    }

    /** Whether the exchange waits for its own request's completion before looking for the peer's message. */
    boolean awaitsOwnCompletion()
    {
        return false;
    }

    private void awaitOwnCompletion()
    {
        if (awaitsOwnCompletion())
        {
            sends.awaitAll();
        }
    }

    private void post(final long i, final byte tag)
    {
        sends.awaitRoom();
        buffer.set(ValueLayout.JAVA_BYTE, srcTag, tag);
        post(i);
    }
}
