package io.softnic.verbs;

/**
 * Interrupt moderation of a CQ or of all CQs of an event queue, in the manner of {@code ethtool -C} and
 * {@code ibv_modify_cq}: an armed CQ posts its event when {@code frames} completions have arrived since it fired
 * the batch, or {@code usecs} after the first of them, whichever comes first.
 *
 * @param mode   {@link #OFF} (an event per armed completion), {@link #FIXED} (the thresholds as given),
 *               {@link #ADAPTIVE} (the device picks thresholds from profiles by sampling the completion rate, as
 *               Linux DIM does) or {@link #OUTSTANDING} (the count threshold follows half the requests outstanding on
 *               the completing connection, at most {@code frames}, as iSCSI offload drivers do)
 * @param usecs  time threshold in microseconds; 0 turns moderation off
 * @param frames count threshold; 1 or less turns moderation off
 */
public record CqModeration(int mode, int usecs, int frames)
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
        if (usecs < 0 || usecs > 1_000_000 || frames < 0 || frames > 65535)
        {
            throw new VerbsException("moderation out of range: usecs 0..1000000, frames 0..65535 (" + usecs + ", " +
                frames + ")");
        }
    }

    public static CqModeration fixed(final int usecs, final int frames)
    {
        return new CqModeration(FIXED, usecs, frames);
    }

    public static CqModeration adaptive()
    {
        return new CqModeration(ADAPTIVE, 0, 0);
    }

    public static CqModeration outstanding(final int usecs, final int maxFrames)
    {
        return new CqModeration(OUTSTANDING, usecs, maxFrames);
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
