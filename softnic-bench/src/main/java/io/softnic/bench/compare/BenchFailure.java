package io.softnic.bench.compare;

/** A measurement that could not be made; the table shows the cell as failed and the command exits with 1. */
public final class BenchFailure extends RuntimeException
{
    public BenchFailure(final String message)
    {
        super(message);
    }

    public BenchFailure(final String message, final Throwable cause)
    {
        super(message, cause);
    }
}
