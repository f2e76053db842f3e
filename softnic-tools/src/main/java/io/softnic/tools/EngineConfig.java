package io.softnic.tools;

import io.softnic.engine.ThreadingMode;
import io.softnic.engine.port.PortIo;
import io.softnic.engine.vnic.VnicTable;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * What {@code softnic engine} runs with: defaults, then a config file of {@code key=value} lines (keys are the
 * long option names without dashes; {@code #} starts a comment), then the flags. Unknown keys, repeated keys and bad
 * values are errors naming the file and line.
 */
final class EngineConfig
{
    static final List<String> KEYS = List.of("dir", "name", "port", "threading", "idle", "port-io", "max-vnics",
        "max-qps", "max-cqs", "max-mrs", "max-memory", "comp-vectors", "tenant-timeout", "allow-attach-create");

    Path dir = defaultDir();
    String name = "engine";
    List<String> ports = new ArrayList<>(List.of("127.0.0.1"));
    ThreadingMode threading = ThreadingMode.SHARED;
    String idle = "backoff";
    PortIo portIo = PortIo.AUTO;
    int maxVnics = 16;
    int maxQps = 4096;
    int maxCqs = 4096;
    int maxMrs = 4096;
    long maxMemory = 16L << 30;
    int compVectors = Math.min(254, Runtime.getRuntime().availableProcessors());
    /** Milliseconds a tenant's heartbeat may stand still before the master reclaims its vNIC. */
    long tenantTimeoutMillis = 2000;
    /**
     * Whether a tenant may create the vNIC it attaches to by name ({@code Softnic.attach(dir, name, quota)}); such a
     * vNIC gets the quotas it asks for, or for any it leaves 0 those of {@code vnic create}'s defaults.
     */
    boolean allowAttachCreate;

    /** The per-user default: /dev/shm/softnic-$USER/engine (the temp directory without /dev/shm). */
    static Path defaultDir()
    {
        return LocalEngine.countersDir().resolve("engine");
    }

    /** Reads a config file; throws IllegalArgumentException with file and line for anything wrong in it. */
    EngineConfig load(final Path file)
    {
        final List<String> lines;
        try
        {
            lines = Files.readAllLines(file);
        }
        catch (final IOException ex)
        {
            throw new IllegalArgumentException("cannot read config file " + file + ": " + ToolFailure.describe(ex));
        }
        final Set<String> seen = new HashSet<>();
        for (int i = 0; i < lines.size(); i++)
        {
            final String line = lines.get(i).strip();
            final String where = "config " + file + " line " + (i + 1);
            if (line.isEmpty() || line.startsWith("#"))
            {
                continue;
            }
            final int eq = line.indexOf('=');
            if (eq <= 0)
            {
                throw new IllegalArgumentException(where + ": expected key=value, got '" + line + "'");
            }
            final String key = line.substring(0, eq).strip();
            final String value = line.substring(eq + 1).strip();
            if (!KEYS.contains(key))
            {
                throw new IllegalArgumentException(where + ": unknown key '" + key + "' (known: " +
                    String.join(", ", KEYS) + ")");
            }
            if (!seen.add(key))
            {
                throw new IllegalArgumentException(where + ": key '" + key + "' given twice");
            }
            try
            {
                set(key, value);
            }
            catch (final IllegalArgumentException ex)
            {
                throw new IllegalArgumentException(where + ": " + ex.getMessage());
            }
        }
        return this;
    }

    /** Sets one setting from its text; throws IllegalArgumentException naming the key for a bad value. */
    EngineConfig set(final String key, final String value)
    {
        switch (key)
        {
            case "dir" -> dir = Path.of(nonEmpty(key, value));
            case "name" -> name = name(value);
            case "port" ->
            {
                final List<String> list = new ArrayList<>();
                for (final String p : nonEmpty(key, value).split(","))
                {
                    list.add(address(p.strip()));
                }
                ports = list;
            }
            case "threading" -> threading = enumValue(key, value, ThreadingMode.class);
            case "idle" -> idle = idle(value);
            case "port-io" -> portIo = enumValue(key, value, PortIo.class);
            case "max-vnics" -> maxVnics = (int)number(key, value, 1, VnicTable.MAX_VNICS);
            case "max-qps" -> maxQps = (int)number(key, value, 1, 1 << 20);
            case "max-cqs" -> maxCqs = (int)number(key, value, 1, 1 << 20);
            case "max-mrs" -> maxMrs = (int)number(key, value, 1, 1 << 20);
            case "max-memory" -> maxMemory = bytes(key, value, 1, Long.MAX_VALUE);
            case "comp-vectors" -> compVectors = (int)number(key, value, 1, 254);
            case "tenant-timeout" -> tenantTimeoutMillis = number(key, value, 100, 3_600_000);
            case "allow-attach-create" -> allowAttachCreate = switch (value.toLowerCase(Locale.ROOT))
            {
                case "true", "yes", "on", "1" -> true;
                case "false", "no", "off", "0" -> false;
                default -> throw new IllegalArgumentException(key + ": '" + value + "' is not true or false");
            };
            default -> throw new IllegalArgumentException("unknown key '" + key + "'");
        }
        return this;
    }

    private static String nonEmpty(final String key, final String value)
    {
        if (value.isEmpty())
        {
            throw new IllegalArgumentException(key + ": empty value");
        }
        return value;
    }

    static String name(final String value)
    {
        if (!value.matches("[A-Za-z0-9][A-Za-z0-9_.-]{0,39}"))
        {
            throw new IllegalArgumentException("name: '" + value + "' is not a name (letters, digits, '_', '.', " +
                "'-', at most 40)");
        }
        return value;
    }

    static String address(final String value)
    {
        if (!Ipv4.isValid(value))
        {
            throw new IllegalArgumentException("port: '" + value + "' is not an IPv4 address");
        }
        return value;
    }

    static String idle(final String value)
    {
        if (!List.of("spin", "yield", "backoff", "park").contains(value))
        {
            throw new IllegalArgumentException("idle: '" + value + "' is not one of spin, yield, backoff, park");
        }
        return value;
    }

    private static <E extends Enum<E>> E enumValue(final String key, final String value, final Class<E> type)
    {
        for (final E e : type.getEnumConstants())
        {
            if (e.name().equalsIgnoreCase(value))
            {
                return e;
            }
        }
        final List<String> names = new ArrayList<>();
        for (final E e : type.getEnumConstants())
        {
            names.add(e.name());
        }
        throw new IllegalArgumentException(key + ": '" + value + "' is not one of " + String.join(", ", names));
    }

    static long number(final String key, final String value, final long min, final long max)
    {
        final long n;
        try
        {
            n = Long.parseLong(value);
        }
        catch (final NumberFormatException ex)
        {
            throw new IllegalArgumentException(key + ": '" + value + "' is not a number");
        }
        return range(key, n, min, max);
    }

    private static long range(final String key, final long n, final long min, final long max)
    {
        if (n < min || n > max)
        {
            throw new IllegalArgumentException(key + ": " + n + " out of range " + min + ".." + max);
        }
        return n;
    }

    /** A byte count: a number with an optional K, M, G or T suffix (powers of 1024). */
    static long bytes(final String key, final String value, final long min, final long max)
    {
        final String v = value.strip().toUpperCase(Locale.ROOT);
        int shift = 0;
        String digits = v;
        if (!v.isEmpty())
        {
            switch (v.charAt(v.length() - 1))
            {
                case 'K' -> shift = 10;
                case 'M' -> shift = 20;
                case 'G' -> shift = 30;
                case 'T' -> shift = 40;
                default -> shift = 0;
            }
            if (shift != 0)
            {
                digits = v.substring(0, v.length() - 1);
            }
        }
        final long n;
        try
        {
            n = Long.parseLong(digits);
        }
        catch (final NumberFormatException ex)
        {
            throw new IllegalArgumentException(key + ": '" + value + "' is not a byte count (e.g. 4096, 64K, 1G)");
        }
        if (n < 0 || (shift > 0 && n > (Long.MAX_VALUE >> shift)))
        {
            throw new IllegalArgumentException(key + ": '" + value + "' out of range " + min + ".." + max);
        }
        return range(key, n << shift, min, max);
    }
}
