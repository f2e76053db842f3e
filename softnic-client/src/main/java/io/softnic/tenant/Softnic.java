package io.softnic.tenant;

import io.softnic.hostif.VnicMessages;
import io.softnic.verbs.IbvContext;

import java.nio.file.Path;

/**
 * Entry point for a tenant process: binds to a vNIC of a running engine ({@code softnic engine --dir DIR}) and hands
 * out the same {@link IbvContext} embedded code gets from {@code SoftnicEngine.open()}, so an application runs either
 * way unchanged. Control operations travel over the engine's command channel ({@code DIR/control}); the data path
 * (post, doorbell, poll) touches only the vNIC's rings in shared-memory files, never the engine's process.
 */
public final class Softnic
{
    private Softnic()
    {
    }

    /**
     * Attaches to vNIC {@code vnicName} of the engine running in {@code engineDir} (one tenant per vNIC at a time).
     * Memory to register must come from {@link IbvContext#allocateBuffer} (a shared-memory file the engine maps).
     * CQ events work as embedded: the vNIC's EQs (one per completion vector, {@code --eqs} at vnic create) are
     * files both sides map, {@link io.softnic.verbs.IbvCq#reqNotify} arms the CQ in its ring, and the engine wakes a
     * sleeping {@link io.softnic.verbs.EventDispatcher} handler through the futex word of the EQ.
     */
    public static IbvContext attach(final Path engineDir, final String vnicName)
    {
        return new IbvContext(AttachedDevice.attach(engineDir, vnicName));
    }

    /**
     * As {@link #attach(Path, String)}, with the time the engine's heartbeat may stand still before this context
     * takes the engine for dead (default 2 s): from then on its polls and control calls throw
     * {@link io.softnic.verbs.VerbsException}; close it and attach again once an engine runs on the directory.
     */
    public static IbvContext attach(final Path engineDir, final String vnicName, final java.time.Duration engineTimeout)
    {
        return new IbvContext(AttachedDevice.attach(engineDir, vnicName, engineTimeout.toNanos()));
    }

    /** Quotas meaning "the engine's defaults" for {@link #attach(Path, String, VnicMessages.Quota)}. */
    public static final VnicMessages.Quota DEFAULT_QUOTA = new VnicMessages.Quota(0, 0, 0, 0, 0);

    /**
     * Attaches to vNIC {@code vnicName}, asking the engine to create it first with quotas {@code createIfMissing}
     * ({@link #DEFAULT_QUOTA}, or any field 0: the engine's default for it) when there is no vNIC by that name. The
     * engine does so only where its policy allows ({@code softnic engine --allow-attach-create}); otherwise, and for
     * quotas beyond what the engine has left, this throws {@link io.softnic.verbs.VerbsException} saying why. A vNIC
     * created this way stays after detach, as one made by {@code softnic vnic create}.
     */
    public static IbvContext attach(final Path engineDir, final String vnicName,
        final VnicMessages.Quota createIfMissing)
    {
        return new IbvContext(AttachedDevice.attach(engineDir, vnicName, AttachedDevice.DEFAULT_ENGINE_TIMEOUT_NANOS,
            java.util.Objects.requireNonNull(createIfMissing, "createIfMissing")));
    }
}
