package io.softnic.verbs;

/** A verb refused: wrong state, bad argument, quota, or a device that is gone. The message says which. */
public class VerbsException extends RuntimeException
{
    public VerbsException(final String message)
    {
        super(message);
    }

    public VerbsException(final String message, final Throwable cause)
    {
        super(message, cause);
    }
}
