package io.softnic.tools.perf;

import io.softnic.verbs.CqModeration;

/**
 * How a perf side takes its completions: busy polling (perftest's default) or sleeping on CQ events through a
 * completion channel ({@code -e}), the CQ moderation of the bandwidth loop ({@code --cq-mod}: a completion asked for
 * every n-th request; 0 keeps perftest's rule) and the interrupt moderation applied to the CQs in event mode
 * ({@code --moder-usecs/--moder-frames}, {@code --adaptive}; null: none, an event per armed completion).
 */
public record CqOptions(boolean useEvent, int cqMod, CqModeration moderation)
{
    public static final CqOptions POLLING = new CqOptions(false, 0, null);

    public CqOptions
    {
        if (cqMod < 0)
        {
            throw new IllegalArgumentException("cqMod must be 0 (perftest's rule) or positive, not " + cqMod);
        }
        if (moderation != null && !useEvent)
        {
            throw new IllegalArgumentException("interrupt moderation acts on CQ events: it needs useEvent");
        }
    }

    public static CqOptions events(final CqModeration moderation)
    {
        return new CqOptions(true, 0, moderation);
    }

    public CqOptions withCqMod(final int n)
    {
        return new CqOptions(useEvent, n, moderation);
    }

    /** What the report calls the moderation: off, usecs/frames, or adaptive. */
    public String moderationName()
    {
        if (moderation == null || moderation.mode() == CqModeration.OFF)
        {
            return "off";
        }
        return switch (moderation.mode())
        {
            case CqModeration.ADAPTIVE -> "adaptive";
            case CqModeration.OUTSTANDING -> "outstanding, at most " + moderation.frames() + " frames";
            default -> moderation.usecs() + " usecs / " + moderation.frames() + " frames";
        };
    }
}
