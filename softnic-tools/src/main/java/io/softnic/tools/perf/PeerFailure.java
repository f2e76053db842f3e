package io.softnic.tools.perf;

import io.softnic.tools.ToolFailure;

/** This side stopped because the other side of an in-process session failed first. */
final class PeerFailure extends ToolFailure
{
    PeerFailure(final String message, final Throwable cause)
    {
        super(message, cause);
    }
}
