package io.softnic.hostif;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;

/**
 * The words of a CQ ring's header that concern events rather than entries: the arm word the tenant sets with
 * req_notify and the device clears when it posts the event (one-shot, as in ibverbs), and the CQ's event counters
 * and current moderation (a receive and a send pair) as the device last applied them, so the tenant can read them like {@code ethtool -c}.
 */
public final class CqNotify
{
    /** Arm word: 0 (disarmed), or {@link #ARM_NEXT} and/or {@link #ARM_SOLICITED}. */
    public static final int ARM_OFFSET = 144;
    public static final int EVENTS_OFFSET = 152;
    public static final int PROFILE_CHANGES_OFFSET = 160;
    public static final int USECS_OFFSET = 168;
    public static final int FRAMES_OFFSET = 172;
    public static final int PROFILE_OFFSET = 176;
    /** The send completions' thresholds ({@link #USECS_OFFSET}/{@link #FRAMES_OFFSET} hold the receive ones). */
    public static final int TX_USECS_OFFSET = 180;
    public static final int TX_FRAMES_OFFSET = 184;

    /** Event on the next completion of any kind. */
    public static final int ARM_NEXT = 1;
    /** Event on the next solicited (or unsuccessful) completion. */
    public static final int ARM_SOLICITED = 2;

    private static final VarHandle INT = ValueLayout.JAVA_INT.varHandle();
    private static final VarHandle LONG = ValueLayout.JAVA_LONG.varHandle();

    private CqNotify()
    {
    }

    /** Tenant: arms the CQ (adds to what is armed; NEXT covers SOLICITED). */
    public static void arm(final MemorySegment ring, final int how)
    {
        INT.getAndBitwiseOr(ring, (long)ARM_OFFSET, how);
    }

    public static int armed(final MemorySegment ring)
    {
        return (int)INT.getVolatile(ring, (long)ARM_OFFSET);
    }

    /** Device: takes the arm (one-shot) when it posts the event. */
    public static void disarm(final MemorySegment ring)
    {
        INT.setVolatile(ring, (long)ARM_OFFSET, 0);
    }

    /** Whether an arm word lets a completion fire an event. */
    public static boolean fires(final int arm, final boolean solicited)
    {
        return (arm & ARM_NEXT) != 0 || ((arm & ARM_SOLICITED) != 0 && solicited);
    }

    public static long events(final MemorySegment ring)
    {
        return (long)LONG.getVolatile(ring, (long)EVENTS_OFFSET);
    }

    public static long profileChanges(final MemorySegment ring)
    {
        return (long)LONG.getVolatile(ring, (long)PROFILE_CHANGES_OFFSET);
    }

    public static int usecs(final MemorySegment ring)
    {
        return (int)INT.getVolatile(ring, (long)USECS_OFFSET);
    }

    public static int frames(final MemorySegment ring)
    {
        return (int)INT.getVolatile(ring, (long)FRAMES_OFFSET);
    }

    public static int txUsecs(final MemorySegment ring)
    {
        return (int)INT.getVolatile(ring, (long)TX_USECS_OFFSET);
    }

    public static int txFrames(final MemorySegment ring)
    {
        return (int)INT.getVolatile(ring, (long)TX_FRAMES_OFFSET);
    }

    public static int profile(final MemorySegment ring)
    {
        return (int)INT.getVolatile(ring, (long)PROFILE_OFFSET);
    }

    /** Device, the CQ's one writer: counts an event. */
    public static void countEvent(final MemorySegment ring)
    {
        LONG.setRelease(ring, (long)EVENTS_OFFSET, (long)LONG.getOpaque(ring, (long)EVENTS_OFFSET) + 1);
    }

    /** Device: publishes the moderation now in force (after a change by ethtool-style setting or by the adaptive mode). */
    public static void moderation(final MemorySegment ring, final int usecs, final int frames, final int profile,
        final boolean profileChanged)
    {
        moderation(ring, usecs, frames, usecs, frames, profile, profileChanged);
    }

    /** As {@link #moderation(MemorySegment, int, int, int, boolean)} with a receive and a send pair. */
    public static void moderation(final MemorySegment ring, final int rxUsecs, final int rxFrames, final int txUsecs,
        final int txFrames, final int profile, final boolean profileChanged)
    {
        INT.setRelease(ring, (long)USECS_OFFSET, rxUsecs);
        INT.setRelease(ring, (long)FRAMES_OFFSET, rxFrames);
        INT.setRelease(ring, (long)TX_USECS_OFFSET, txUsecs);
        INT.setRelease(ring, (long)TX_FRAMES_OFFSET, txFrames);
        INT.setRelease(ring, (long)PROFILE_OFFSET, profile);
        if (profileChanged)
        {
            LONG.setRelease(ring, (long)PROFILE_CHANGES_OFFSET, (long)LONG.getOpaque(ring, (long)PROFILE_CHANGES_OFFSET) + 1);
        }
    }
}
