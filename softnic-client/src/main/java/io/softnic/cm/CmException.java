package io.softnic.cm;

import io.softnic.verbs.VerbsException;

/** A connection attempt that failed: rejected by the peer (with the IB CM reason) or timed out. */
public final class CmException extends VerbsException
{
    /** Reason code used when no REP or REJ came back after every retry. */
    public static final int TIMEOUT = 4;

    private final int reason;

    public CmException(final String message, final int reason)
    {
        super(message);
        this.reason = reason;
    }

    public int reason()
    {
        return reason;
    }
}
