package io.softnic.tools;

import io.softnic.engine.counters.CounterFile;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.stream.Stream;

/** The counters files of engines in a directory, and whether the process that wrote each still runs. */
final class EngineFiles
{
    private static final String SUFFIX = ".counters";
    /** Where {@code ./softnic engine} keeps its files by default, inside the counters directory. */
    static final String DAEMON_SUBDIR = "engine";

    /** What a counters file's header says. */
    record Header(boolean valid, long pid)
    {
        boolean alive()
        {
            return valid && ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
        }
    }

    private EngineFiles()
    {
    }

    static String engineName(final Path file)
    {
        final String f = file.getFileName().toString();
        return f.endsWith(SUFFIX) ? f.substring(0, f.length() - SUFFIX.length()) : f;
    }

    static Path file(final Path dir, final String engine)
    {
        return dir.resolve(engine + SUFFIX);
    }

    /** Every counters file in {@code dir}, sorted by name. */
    static List<Path> all(final Path dir) throws IOException
    {
        try (Stream<Path> s = Files.list(dir))
        {
            return s.filter(p -> p.getFileName().toString().endsWith(SUFFIX)).sorted().toList();
        }
    }

    /**
     * Every counters file where engines started by softnic commands keep them: {@code dir} itself (perf, demo) and
     * the default daemon directory inside it ({@code ./softnic engine} without --dir).
     */
    static List<Path> allWithDaemon(final Path dir) throws IOException
    {
        final Path daemon = dir.resolve(DAEMON_SUBDIR);
        if (!Files.isDirectory(daemon))
        {
            return all(dir);
        }
        return java.util.stream.Stream.concat(all(dir).stream(), all(daemon).stream()).toList();
    }

    /** The counters files in {@code dir} whose engine is still running. */
    static List<Path> live(final Path dir) throws IOException
    {
        return all(dir).stream().filter(f -> header(f).alive()).toList();
    }

    static Header header(final Path file)
    {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ))
        {
            final ByteBuffer b = ByteBuffer.allocate(16).order(ByteOrder.nativeOrder());
            while (b.hasRemaining() && ch.read(b) > 0)
            {
                // read the header
            }
            if (b.position() < 16)
            {
                return new Header(false, 0);
            }
            return new Header(b.getInt(CounterFile.MAGIC_OFFSET) == CounterFile.MAGIC,
                b.getLong(CounterFile.PID_OFFSET));
        }
        catch (final IOException ex)
        {
            return new Header(false, 0);
        }
    }
}
