package io.softnic.engine.vnic;

/** A vNIC operation the master refused, with the command channel's status code and a message for the user. */
public final class VnicException extends RuntimeException
{
    private final int status;

    public VnicException(final int status, final String message)
    {
        super(message);
        this.status = status;
    }

    /** A {@link io.softnic.hostif.CommandRing} status code. */
    public int status()
    {
        return status;
    }
}
