package io.softnic.tools;

import io.softnic.engine.counters.CounterFile;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A daemon's counters split into the engine's own and each vNIC's ({@code vnic_NAME_control_ops},
 * {@code vnic_NAME_data_ops}), printed ethtool -S style with a heading per vNIC.
 */
final class VnicCounters
{
    private static final String PREFIX = "vnic_";
    private static final List<String> PER_VNIC = List.of("control_ops", "data_ops");

    /** The engine-wide counters and, per vNIC in the order the engine created them, that vNIC's counters. */
    record Split(Map<String, Long> engine, Map<String, Map<String, Long>> vnics)
    {
    }

    private VnicCounters()
    {
    }

    static Split split(final Map<String, Long> counters)
    {
        final Map<String, Long> engine = new LinkedHashMap<>();
        final Map<String, Map<String, Long>> vnics = new LinkedHashMap<>();
        for (final Map.Entry<String, Long> e : counters.entrySet())
        {
            final String key = e.getKey();
            String vnic = null;
            String counter = null;
            if (key.startsWith(PREFIX))
            {
                for (final String suffix : PER_VNIC)
                {
                    if (key.endsWith("_" + suffix) && key.length() > PREFIX.length() + suffix.length() + 1)
                    {
                        vnic = key.substring(PREFIX.length(), key.length() - suffix.length() - 1);
                        counter = suffix;
                        break;
                    }
                }
            }
            if (vnic == null)
            {
                engine.put(key, e.getValue());
            }
            else
            {
                vnics.computeIfAbsent(vnic, k -> new LinkedHashMap<>()).put(counter, e.getValue());
            }
        }
        return new Split(engine, vnics);
    }

    /** Prints the vNICs' sections (every vNIC, even one whose counters are all zero). */
    static void printVnics(final Map<String, Map<String, Long>> vnics, final PrintStream out)
    {
        vnics.forEach((name, values) -> printVnic(name, values, out));
    }

    static void printVnic(final String name, final Map<String, Long> values, final PrintStream out)
    {
        out.println("  vNIC " + name + ":");
        boolean any = false;
        for (final Map.Entry<String, Long> e : values.entrySet())
        {
            if (e.getValue() != 0)
            {
                out.printf("     %-40s %d%n", e.getKey() + ":", e.getValue());
                any = true;
            }
        }
        if (!any)
        {
            out.println("     (all zero)");
        }
    }

    /** The counters file of the daemon running in {@code dir} (the first {@code *.counters} there), or null. */
    static Path daemonFile(final Path dir)
    {
        try
        {
            if (!Files.isDirectory(dir))
            {
                return null;
            }
            final List<Path> files = EngineFiles.all(dir);
            return files.stream().filter(f -> EngineFiles.header(f).alive()).findFirst()
                .orElse(files.isEmpty() ? null : files.getFirst());
        }
        catch (final IOException ex)
        {
            return null;
        }
    }

    /** The counters of vNIC {@code name} of the daemon in {@code dir}, or an empty map when they cannot be read. */
    static Map<String, Long> of(final Path dir, final String name)
    {
        final Path file = daemonFile(dir);
        if (file == null)
        {
            return Map.of();
        }
        try
        {
            return split(CounterFile.read(file)).vnics().getOrDefault(name, Map.of());
        }
        catch (final IOException | RuntimeException ex)
        {
            return Map.of();
        }
    }
}
