package io.softnic.tools;

import io.softnic.engine.SoftnicEngine;
import io.softnic.engine.counters.EngineCounters;

import java.io.PrintStream;
import java.util.Locale;
import java.util.Map;

/** Engine counters as the commands print them: in full (ethtool -S style) or as a few wrapped name=value lines. */
public final class CounterReport
{
    private static final int WIDTH = 100;

    private CounterReport()
    {
    }

    public static void full(final PrintStream out, final LocalEngine engine, final String role)
    {
        EngineCounters.print(title(engine, role), engine.counters(), out);
    }

    public static void concise(final PrintStream out, final LocalEngine engine, final String role)
    {
        out.println(title(engine, role));
        out.print(concise(engine.counters(), "   "));
    }

    /** The non-zero counters as name=value, wrapped, each line starting with indent. */
    public static String concise(final Map<String, Long> counters, final String indent)
    {
        final StringBuilder all = new StringBuilder();
        StringBuilder line = new StringBuilder(indent);
        for (final Map.Entry<String, Long> e : counters.entrySet())
        {
            if (e.getValue() == 0)
            {
                continue;
            }
            final String item = e.getKey() + "=" + e.getValue();
            if (line.length() > indent.length() && line.length() + 1 + item.length() > WIDTH)
            {
                all.append(line).append('\n');
                line = new StringBuilder(indent);
            }
            if (line.length() > indent.length())
            {
                line.append(' ');
            }
            line.append(item);
        }
        if (line.length() > indent.length())
        {
            all.append(line).append('\n');
        }
        return all.isEmpty() ? indent + "(all zero)\n" : all.toString();
    }

    /** For an engine with several ports: what each carried, whether it is up, and how many QPs left it. */
    public static void ports(final PrintStream out, final LocalEngine engine)
    {
        final SoftnicEngine device = engine.engine();
        if (device.portCount() < 2)
        {
            return;
        }
        final Map<String, Long> c = engine.counters();
        for (int i = 0; i < device.portCount(); i++)
        {
            final String p = "port" + (i + 1) + "_";
            out.printf(Locale.ROOT, " port %d %-15s %-4s tx %10.1f MiB  rx %10.1f MiB  migrations %d%n", i + 1,
                device.port(i).address().getHostAddress(), device.port(i).isUp() ? "up" : "DOWN",
                c.getOrDefault(p + "tx_bytes", 0L) / 1048576.0, c.getOrDefault(p + "rx_bytes", 0L) / 1048576.0,
                c.getOrDefault(p + "migrations", 0L));
        }
    }

    private static String title(final LocalEngine engine, final String role)
    {
        return "Counters of " + role + " engine " + engine.name() + " (" + String.join(", ", engine.ports()) + "):";
    }
}
