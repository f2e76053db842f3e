package io.softnic.tools;

/**
 * A run that went wrong for a reason the user should read: a data check that failed, a completion in error, a peer
 * that went away, an engine that would not start. Commands print the message on one line and exit with 1.
 */
public class ToolFailure extends RuntimeException
{
    public ToolFailure(final String message)
    {
        super(message);
    }

    public ToolFailure(final String message, final Throwable cause)
    {
        super(message, cause);
    }

    /** A one-line description of any throwable: its message, or its class when it has none. */
    public static String describe(final Throwable t)
    {
        if (t instanceof ToolFailure)
        {
            return t.getMessage();
        }
        Throwable root = t;
        while (root.getCause() != null && root.getCause() != root && root.getMessage() == null)
        {
            root = root.getCause();
        }
        final String message = root.getMessage();
        final String type = root.getClass().getSimpleName();
        return message == null || message.isBlank() ? type : type + ": " + message;
    }
}
