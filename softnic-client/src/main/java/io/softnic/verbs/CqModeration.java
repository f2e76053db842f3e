package io.softnic.verbs;

/**
 * Interrupt moderation of a CQ or of all CQs of an event queue, in the manner of {@code ethtool -C} and
 * {@code ibv_modify_cq}. Completions are coalesced per connection: each connection (QP) that completes onto an armed
 * CQ keeps its own batch there, and the batch posts one event when, counted from its first armed completion,
 * {@code frames} completions of a kind have arrived or {@code usecs} have passed since the first of them, whichever
 * comes first. The two kinds have their own pair, as ethtool's rx-usecs/rx-frames and tx-usecs/tx-frames: the rx pair
 * applies to receive completions, the tx pair to send completions (SEND, WRITE, READ, atomics); the event carries both
 * kinds of the connection's batch. A pair with {@code usecs} 0 or {@code frames} 1 or less is off for its kind: a
 * completion of that kind posts the batch at once.
 *
 * @param mode     {@link #OFF} (an event per armed completion), {@link #FIXED} (the thresholds as given),
 *                 {@link #ADAPTIVE} (the device picks thresholds from profiles by sampling the completion rate, as
 *                 Linux DIM does; both kinds follow the profile) or {@link #OUTSTANDING} (the count threshold follows
 *                 half the requests outstanding on the completing connection, at most the kind's frames, as iSCSI
 *                 offload drivers do)
 * @param rxUsecs  time threshold of receive completions in microseconds
 * @param rxFrames count threshold of receive completions
 * @param txUsecs  time threshold of send completions in microseconds
 * @param txFrames count threshold of send completions
 */
public record CqModeration(int mode, int rxUsecs, int rxFrames, int txUsecs, int txFrames)
{
    public static final int OFF = 0;
    public static final int FIXED = 1;
    public static final int ADAPTIVE = 2;
    public static final int OUTSTANDING = 3;

    public static final CqModeration NONE = new CqModeration(OFF, 0, 1);

    public CqModeration
    {
        if (mode < OFF || mode > OUTSTANDING)
        {
            throw new VerbsException("unknown moderation mode " + mode);
        }
        check(rxUsecs, rxFrames);
        check(txUsecs, txFrames);
    }

    /** One pair for both kinds. */
    public CqModeration(final int mode, final int usecs, final int frames)
    {
        this(mode, usecs, frames, usecs, frames);
    }

    private static void check(final int usecs, final int frames)
    {
        if (usecs < 0 || usecs > 1_000_000 || frames < 0 || frames > 65535)
        {
            throw new VerbsException("moderation out of range: usecs 0..1000000, frames 0..65535 (" + usecs + ", " +
                frames + ")");
        }
    }

    /** The time threshold as one number: the receive pair's (both kinds have it when set as one pair). */
    public int usecs()
    {
        return rxUsecs;
    }

    /** The count threshold as one number: the receive pair's (both kinds have it when set as one pair). */
    public int frames()
    {
        return rxFrames;
    }

    /** The time threshold of send ({@code send}) or receive completions. */
    public int usecs(final boolean send)
    {
        return send ? txUsecs : rxUsecs;
    }

    /** The count threshold of send ({@code send}) or receive completions. */
    public int frames(final boolean send)
    {
        return send ? txFrames : rxFrames;
    }

    /** True if both kinds have the same pair. */
    public boolean symmetric()
    {
        return rxUsecs == txUsecs && rxFrames == txFrames;
    }

    /** {@code ethtool -C rx-usecs N rx-frames M}: the same with another receive pair. */
    public CqModeration withRx(final int usecs, final int frames)
    {
        return new CqModeration(mode, usecs, frames, txUsecs, txFrames);
    }

    /** {@code ethtool -C tx-usecs N tx-frames M}: the same with another send pair. */
    public CqModeration withTx(final int usecs, final int frames)
    {
        return new CqModeration(mode, rxUsecs, rxFrames, usecs, frames);
    }

    /** Fixed thresholds, one pair for both kinds. */
    public static CqModeration fixed(final int usecs, final int frames)
    {
        return new CqModeration(FIXED, usecs, frames);
    }

    /** Fixed thresholds, a pair for receive and one for send completions. */
    public static CqModeration fixed(final int rxUsecs, final int rxFrames, final int txUsecs, final int txFrames)
    {
        return new CqModeration(FIXED, rxUsecs, rxFrames, txUsecs, txFrames);
    }

    public static CqModeration adaptive()
    {
        return new CqModeration(ADAPTIVE, 0, 0);
    }

    public static CqModeration outstanding(final int usecs, final int maxFrames)
    {
        return new CqModeration(OUTSTANDING, usecs, maxFrames);
    }

    public static CqModeration outstanding(
        final int rxUsecs, final int rxMaxFrames, final int txUsecs, final int txMaxFrames)
    {
        return new CqModeration(OUTSTANDING, rxUsecs, rxMaxFrames, txUsecs, txMaxFrames);
    }

    public static String modeName(final int mode)
    {
        return switch (mode)
        {
            case OFF -> "off";
            case FIXED -> "fixed";
            case ADAPTIVE -> "adaptive";
            case OUTSTANDING -> "outstanding";
            default -> "mode " + mode;
        };
    }
}
