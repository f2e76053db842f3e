package io.softnic.tools;

import io.softnic.engine.EngineContext;
import io.softnic.engine.SoftnicEngine;
import io.softnic.engine.ThreadingMode;
import io.softnic.engine.control.CommandServer;
import io.softnic.engine.vnic.TenantPlane;
import io.softnic.engine.vnic.VnicTable;
import io.softnic.hostif.CommandRing;
import io.softnic.hostif.VnicMessages;
import org.agrona.concurrent.IdleStrategy;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipal;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * A running engine daemon: its directory (owner-only), the lock that keeps a second engine off it, the engine with
 * its counters file, and the command channel (the master) served in the engine's duty cycle. {@link #close()} stops
 * the agents, closes the ports and removes every file it created; it is idempotent and safe from a shutdown hook.
 */
final class EngineDaemon implements AutoCloseable
{
    static final String LOCK_FILE = "engine.lock";
    static final String CONTROL_FILE = "control";
    private static final Set<PosixFilePermission> OWNER_ONLY = PosixFilePermissions.fromString("rwx------");

    private final EngineConfig config;
    private final Path dir;
    private final boolean createdDir;
    private final FileChannel lockChannel;
    private final FileLock lock;
    private final SoftnicEngine engine;
    private final CommandServer server;
    private final VnicTable vnics;
    private final CountDownLatch stopped = new CountDownLatch(1);
    private boolean closed;

    private EngineDaemon(final EngineConfig config, final Path dir, final boolean createdDir,
        final FileChannel lockChannel, final FileLock lock, final SoftnicEngine engine, final CommandServer server,
        final VnicTable vnics)
    {
        this.config = config;
        this.dir = dir;
        this.createdDir = createdDir;
        this.lockChannel = lockChannel;
        this.lock = lock;
        this.engine = engine;
        this.server = server;
        this.vnics = vnics;
    }

    /** Takes the directory and starts the engine; throws {@link ToolFailure} with a clear message if it cannot. */
    static EngineDaemon start(final EngineConfig config)
    {
        final Path dir = config.dir.toAbsolutePath().normalize();
        final boolean created = prepareDir(dir);
        final Path lockFile = dir.resolve(LOCK_FILE);
        FileChannel ch = null;
        FileLock lock = null;
        try
        {
            ch = FileChannel.open(lockFile, Set.of(StandardOpenOption.CREATE, StandardOpenOption.READ,
                StandardOpenOption.WRITE), PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString(
                "rw-------")));
            try
            {
                lock = ch.tryLock();
            }
            catch (final OverlappingFileLockException ex)
            {
                lock = null; // held by another engine of this JVM
            }
            if (lock == null)
            {
                final String pid = readPid(ch);
                ch.close();
                throw new ToolFailure(dir + " is in use by a running engine (pid " + pid + "); stop it first " +
                    "(kill " + pid + ") or give another --dir");
            }
            ch.truncate(0);
            ch.write(ByteBuffer.wrap((ProcessHandle.current().pid() + "\n").getBytes(StandardCharsets.US_ASCII)), 0);
            ch.force(false);
        }
        catch (final IOException ex)
        {
            closeQuietly(ch);
            throw new ToolFailure("cannot lock " + lockFile + ": " + ToolFailure.describe(ex), ex);
        }

        final VnicTable[] table = new VnicTable[1];
        final CommandServer[] server = new CommandServer[1];
        final EngineContext ctx = new EngineContext().name(config.name).threadingMode(config.threading)
            .idle(config.idle).portIo(config.portIo).maxQps(config.maxQps).maxCqs(config.maxCqs)
            .maxMrs(config.maxMrs).numCompVectors(config.compVectors)
            .countersFile(dir.resolve(config.name + ".counters"))
            .extraAgent(e ->
            {
                table[0] = new VnicTable(new VnicTable.Limits(config.maxVnics, config.maxQps, config.maxCqs,
                    config.maxMrs, config.maxMemory, config.compVectors), e.counters());
                final TenantPlane tenants = new TenantPlane(dir, e.controlPlane(), table[0], e.counters(),
                    e.context().maxQps()).tenantTimeout(TimeUnit.MILLISECONDS.toNanos(config.tenantTimeoutMillis))
                    .allowAttachCreate(config.allowAttachCreate, new VnicMessages.Quota(256, 256, 1024, 1L << 30, 1));
                server[0] = CommandServer.create(dir.resolve(CONTROL_FILE), CommandRing.DEFAULT_SLOTS, table[0],
                    e.counters()).tenants(tenants);
                return server[0];
            });
        config.ports.forEach(ctx::port);
        try
        {
            final SoftnicEngine engine = SoftnicEngine.launch(ctx);
            return new EngineDaemon(config, dir, created, ch, lock, engine, server[0], table[0]);
        }
        catch (final RuntimeException | LinkageError ex)
        {
            if (server[0] != null)
            {
                server[0].close();
            }
            release(lockFile, ch);
            removeDir(dir, created);
            throw new ToolFailure("cannot start engine on " + String.join(", ", config.ports) + ": " +
                ToolFailure.describe(ex), ex);
        }
    }

    /** Creates the directory (and its parent) owner-only, or makes an existing one of ours owner-only. */
    private static boolean prepareDir(final Path dir)
    {
        try
        {
            final Path parent = dir.getParent();
            if (parent != null && !Files.isDirectory(parent))
            {
                Files.createDirectories(parent, PosixFilePermissions.asFileAttribute(OWNER_ONLY));
            }
            if (!Files.exists(dir))
            {
                Files.createDirectory(dir, PosixFilePermissions.asFileAttribute(OWNER_ONLY));
                Files.setPosixFilePermissions(dir, OWNER_ONLY); // whatever the umask did
                return true;
            }
            if (!Files.isDirectory(dir))
            {
                throw new ToolFailure(dir + " exists and is not a directory");
            }
            final UserPrincipal me = dir.getFileSystem().getUserPrincipalLookupService()
                .lookupPrincipalByName(System.getProperty("user.name"));
            if (!Files.getOwner(dir).equals(me))
            {
                throw new ToolFailure(dir + " belongs to " + Files.getOwner(dir).getName() + ", not to " +
                    me.getName() + "; give another --dir");
            }
            if (!Files.getPosixFilePermissions(dir).equals(OWNER_ONLY))
            {
                Files.setPosixFilePermissions(dir, OWNER_ONLY);
            }
            return false;
        }
        catch (final IOException ex)
        {
            throw new ToolFailure("cannot prepare engine directory " + dir + ": " + ToolFailure.describe(ex), ex);
        }
    }

    private static String readPid(final FileChannel ch)
    {
        try
        {
            final ByteBuffer b = ByteBuffer.allocate(32);
            ch.read(b, 0);
            final String s = new String(b.array(), 0, b.position(), StandardCharsets.US_ASCII).strip();
            return s.matches("\\d{1,19}") ? s : "unknown";
        }
        catch (final IOException ex)
        {
            return "unknown";
        }
    }

    private static void release(final Path lockFile, final FileChannel ch)
    {
        try
        {
            Files.deleteIfExists(lockFile); // while still locked: no other engine can be between
        }
        catch (final IOException ignore)
        {
            // best effort
        }
        closeQuietly(ch); // releases the lock
    }

    private static void removeDir(final Path dir, final boolean created)
    {
        if (created)
        {
            try
            {
                Files.deleteIfExists(dir);
            }
            catch (final DirectoryNotEmptyException ignore)
            {
                // someone else put files there: leave it
            }
            catch (final IOException ignore)
            {
                // best effort
            }
        }
    }

    private static void closeQuietly(final FileChannel ch)
    {
        if (ch != null)
        {
            try
            {
                ch.close();
            }
            catch (final IOException ignore)
            {
                // closing anyway
            }
        }
    }

    Path dir()
    {
        return dir;
    }

    SoftnicEngine engine()
    {
        return engine;
    }

    VnicTable vnics()
    {
        return vnics;
    }

    CommandServer server()
    {
        return server;
    }

    /** The line printed when the engine is ready. */
    String readyLine()
    {
        return "softnic engine ready: " + dir + ", ports " + String.join(" ", config.ports) + ", pid " +
            ProcessHandle.current().pid();
    }

    /**
     * Blocks until {@link #close()} ran (from a shutdown hook or another thread). In INVOKER threading the calling
     * thread drives the engine meanwhile.
     */
    void awaitStop() throws InterruptedException
    {
        if (config.threading == ThreadingMode.INVOKER)
        {
            final IdleStrategy idle = engine.context().idleStrategy().get();
            while (stopped.getCount() > 0)
            {
                idle.idle(engine.drive());
            }
            return;
        }
        stopped.await();
    }

    @Override
    public synchronized void close()
    {
        if (closed)
        {
            return;
        }
        closed = true;
        try
        {
            server.tenants().close(); // frees what tenants hold and removes their vnic-NAME directories
            engine.close(); // stops the agents, closes the ports, removes the counters file
        }
        finally
        {
            server.close(); // unmaps and removes the control file
            release(dir.resolve(LOCK_FILE), lockChannel);
            removeDir(dir, createdDir);
            stopped.countDown();
        }
    }
}
