package io.softnic.tools.perf;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;

/**
 * A control message of the perf protocol, read and written in place in a control page (the inbox the peer writes,
 * the outbox this side sends from). The client drives: START a round (size, iterations or duration), DONE with what
 * it did and measured; the server answers READY and RESULT (its checks and measurements); FINISH ends the session.
 */
final class ControlMessage
{
    static final int START = 1;
    static final int READY = 2;
    static final int DONE = 3;
    static final int RESULT = 4;
    static final int FINISH = 5;

    static final int STATUS_OK = 0;
    static final int STATUS_FAILED = 1;

    static final int MAX_QPS = 64;
    static final int STATS = 8;

    private static final long TYPE = 0;
    private static final long ROUND = 4;
    private static final long STATUS = 8;
    private static final long SIZE = 12;
    private static final long ITERS = 16;
    private static final long DURATION = 24;
    private static final long WARM_UP = 28;
    private static final long STATS_AT = 64;
    private static final long QP_OPS_AT = STATS_AT + STATS * 8;
    private static final long DETAIL_LENGTH = QP_OPS_AT + MAX_QPS * 8;
    private static final long DETAIL_AT = DETAIL_LENGTH + 4;
    private static final int DETAIL_MAX = (int)(BufferLayout.MESSAGE_BYTES - DETAIL_AT);

    private final MemorySegment segment;
    private final long offset;

    ControlMessage(final MemorySegment segment, final long offset)
    {
        this.segment = segment;
        this.offset = offset;
    }

    ControlMessage clear()
    {
        segment.asSlice(offset, BufferLayout.MESSAGE_BYTES).fill((byte)0);
        return this;
    }

    int type()
    {
        return getInt(TYPE);
    }

    ControlMessage type(final int v)
    {
        return putInt(TYPE, v);
    }

    int round()
    {
        return getInt(ROUND);
    }

    ControlMessage round(final int v)
    {
        return putInt(ROUND, v);
    }

    int status()
    {
        return getInt(STATUS);
    }

    ControlMessage status(final int v)
    {
        return putInt(STATUS, v);
    }

    int size()
    {
        return getInt(SIZE);
    }

    ControlMessage size(final int v)
    {
        return putInt(SIZE, v);
    }

    long iters()
    {
        return segment.get(ValueLayout.JAVA_LONG_UNALIGNED, offset + ITERS);
    }

    ControlMessage iters(final long v)
    {
        segment.set(ValueLayout.JAVA_LONG_UNALIGNED, offset + ITERS, v);
        return this;
    }

    int duration()
    {
        return getInt(DURATION);
    }

    ControlMessage duration(final int v)
    {
        return putInt(DURATION, v);
    }

    boolean warmUp()
    {
        return getInt(WARM_UP) != 0;
    }

    ControlMessage warmUp(final boolean v)
    {
        return putInt(WARM_UP, v ? 1 : 0);
    }

    double stat(final int i)
    {
        return segment.get(ValueLayout.JAVA_DOUBLE_UNALIGNED, offset + STATS_AT + 8L * i);
    }

    ControlMessage stat(final int i, final double v)
    {
        segment.set(ValueLayout.JAVA_DOUBLE_UNALIGNED, offset + STATS_AT + 8L * i, v);
        return this;
    }

    long qpOps(final int qp)
    {
        return segment.get(ValueLayout.JAVA_LONG_UNALIGNED, offset + QP_OPS_AT + 8L * qp);
    }

    ControlMessage qpOps(final int qp, final long v)
    {
        segment.set(ValueLayout.JAVA_LONG_UNALIGNED, offset + QP_OPS_AT + 8L * qp, v);
        return this;
    }

    String detail()
    {
        final int n = Math.clamp(getInt(DETAIL_LENGTH), 0, DETAIL_MAX);
        final byte[] bytes = new byte[n];
        MemorySegment.copy(segment, ValueLayout.JAVA_BYTE, offset + DETAIL_AT, bytes, 0, n);
        return new String(bytes, StandardCharsets.UTF_8);
    }

    ControlMessage detail(final String text)
    {
        final byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        final int n = Math.min(bytes.length, DETAIL_MAX);
        MemorySegment.copy(bytes, 0, segment, ValueLayout.JAVA_BYTE, offset + DETAIL_AT, n);
        return putInt(DETAIL_LENGTH, n);
    }

    static String name(final int type)
    {
        return switch (type)
        {
            case START -> "START";
            case READY -> "READY";
            case DONE -> "DONE";
            case RESULT -> "RESULT";
            case FINISH -> "FINISH";
            default -> "unknown message " + type;
        };
    }

    private int getInt(final long at)
    {
        return segment.get(ValueLayout.JAVA_INT_UNALIGNED, offset + at);
    }

    private ControlMessage putInt(final long at, final int v)
    {
        segment.set(ValueLayout.JAVA_INT_UNALIGNED, offset + at, v);
        return this;
    }
}
