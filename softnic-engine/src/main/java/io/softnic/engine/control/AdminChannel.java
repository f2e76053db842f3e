package io.softnic.engine.control;

import io.softnic.engine.counters.CounterFile;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;

/**
 * How an administrator reaches a running engine today: one request word and one response word in the header of
 * its counters file (owner-only, in shared memory). A tool writes a request with a new sequence number; the engine
 * notices it within a duty cycle, acts, and writes the response with the same sequence number. One request at a time
 * per engine; a tool that finds no answer within its timeout reports the engine as not responding.
 * <p>
 * Request word: sequence (32 bits) | operation (16) | port number (16). Response word: sequence (32) | status (16) |
 * detail (16, e.g. how many QPs migrated).
 */
public final class AdminChannel
{
    public static final int PORT_DOWN = 1;
    public static final int PORT_UP = 2;

    public static final int OK = 0;
    public static final int NO_SUCH_PORT = 1;
    public static final int UNKNOWN_OPERATION = 2;

    private static final VarHandle LONG = ValueLayout.JAVA_LONG.varHandle();

    private AdminChannel()
    {
    }

    public static long request(final int sequence, final int operation, final int portNum)
    {
        return ((long)sequence << 32) | ((operation & 0xFFFFL) << 16) | (portNum & 0xFFFFL);
    }

    public static long response(final int sequence, final int status, final int detail)
    {
        return ((long)sequence << 32) | ((status & 0xFFFFL) << 16) | (detail & 0xFFFFL);
    }

    public static int sequence(final long word)
    {
        return (int)(word >>> 32);
    }

    public static int operation(final long word)
    {
        return (int)(word >>> 16) & 0xFFFF;
    }

    public static int portNum(final long word)
    {
        return (int)word & 0xFFFF;
    }

    public static int status(final long word)
    {
        return (int)(word >>> 16) & 0xFFFF;
    }

    public static int detail(final long word)
    {
        return (int)word & 0xFFFF;
    }

    /** Tool side: the engine's last response, in a mapped counters file. */
    public static long lastResponse(final MemorySegment countersFile)
    {
        return (long)LONG.getVolatile(countersFile, (long)CounterFile.ADMIN_RESPONSE_OFFSET);
    }

    /** Tool side: posts a request after the last one answered; returns its sequence number. */
    public static int post(final MemorySegment countersFile, final int operation, final int portNum)
    {
        final int sequence = sequence(lastResponse(countersFile)) + 1;
        LONG.setRelease(countersFile, (long)CounterFile.ADMIN_REQUEST_OFFSET, request(sequence, operation, portNum));
        return sequence;
    }
}
