package io.softnic.cm;

/** The IB CM's connection states, as far as a user sees them. */
public final class CmState
{
    public static final int IDLE = 0;
    public static final int REQ_SENT = 1;
    public static final int REQ_RCVD = 2;
    public static final int REP_SENT = 3;
    public static final int ESTABLISHED = 4;
    public static final int DREQ_SENT = 5;
    public static final int DREQ_RCVD = 6;
    public static final int TIMEWAIT = 7;
    public static final int DISCONNECTED = 8;
    public static final int REJECTED = 9;

    private CmState()
    {
    }

    public static String name(final int state)
    {
        return switch (state)
        {
            case IDLE -> "IDLE";
            case REQ_SENT -> "REQ_SENT";
            case REQ_RCVD -> "REQ_RCVD";
            case REP_SENT -> "REP_SENT";
            case ESTABLISHED -> "ESTABLISHED";
            case DREQ_SENT -> "DREQ_SENT";
            case DREQ_RCVD -> "DREQ_RCVD";
            case TIMEWAIT -> "TIMEWAIT";
            case DISCONNECTED -> "DISCONNECTED";
            case REJECTED -> "REJECTED";
            default -> "UNKNOWN(" + state + ")";
        };
    }
}
