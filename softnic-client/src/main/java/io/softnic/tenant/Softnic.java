package io.softnic.tenant;

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
     * Not yet for attached contexts: the CM (connect QPs with {@code modify_qp}), CQ events and moderation.
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
}
