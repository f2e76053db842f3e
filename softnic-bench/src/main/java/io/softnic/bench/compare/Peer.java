package io.softnic.bench.compare;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/** The columns of the comparison: softnic and what it is measured against, in the order they are printed. */
public enum Peer
{
    SOFTNIC("softnic", "softnic"),
    /** Two QPs of one engine: set against Aeron IPC. */
    SOFTNIC_SAME_ENGINE("softnic-1engine", "softnic 1-engine"),
    AERON_UDP("aeron-udp", "Aeron UDP"),
    AERON_IPC("aeron-ipc", "Aeron IPC"),
    NIO_TCP("nio-tcp", "NIO TCP"),
    GSO_CEILING("gso", "GSO ceiling");

    private final String option;
    private final String label;

    Peer(final String option, final String label)
    {
        this.option = option;
        this.label = label;
    }

    /** The name {@code --only} takes. */
    public String option()
    {
        return option;
    }

    /** The column heading. */
    public String label()
    {
        return label;
    }

    /** By {@code --only} name (case-insensitive); null when there is none. */
    public static Peer byOption(final String name)
    {
        final String n = name.trim().toLowerCase(Locale.ROOT);
        for (final Peer p : values())
        {
            if (p.option.equals(n))
            {
                return p;
            }
        }
        return null;
    }

    public static String options()
    {
        return Arrays.stream(values()).map(Peer::option).collect(Collectors.joining(", "));
    }
}
