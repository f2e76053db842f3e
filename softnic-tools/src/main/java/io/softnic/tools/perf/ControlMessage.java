package io.softnic.tools.perf;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;

/**
 * A control message of the perf protocol, read and written in place in the endpoint's control area (the inbox the
 * peer writes, the outbox this side sends from). The client drives: START a round (size, iterations or duration), DONE
 * with what it did and measured; the server answers READY and RESULT (its checks and measurements); FINISH ends the
 * session. A message is a fixed part of {@link #FIXED_BYTES} followed by one 64-bit count per QP (the requests the
 * client issued on it in the round), so its length follows the number of QPs ({@link #bytesFor}).
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

    /** QPs a session may have: WrIds keeps 14 bits for the QP index. */
    static final int MAX_QPS = 16384;
    static final int STATS = 8;
    static final int FIXED_BYTES = 2048;

    private static final long TYPE = 0;
    private static final long ROUND = 4;
    private static final long STATUS = 8;
    private static final long SIZE = 12;
    private static final long ITERS = 16;
    private static final long DURATION = 24;
    private static final long WARM_UP = 28;
    private static final long STATS_AT = 64;
    private static final long DETAIL_LENGTH = STATS_AT + STATS * 8;
    private static final long DETAIL_AT = DETAIL_LENGTH + 4;
    private static final int DETAIL_MAX = (int)(FIXED_BYTES - DETAIL_AT);
    private static final long QP_OPS_AT = FIXED_BYTES;

    private final MemorySegment segment;
    private final long offset;
    private final int bytes;

    ControlMessage(final MemorySegment segment, final long offset, final int bytes)
    {
        this.segment = segment;
        this.offset = offset;
        this.bytes = bytes;
    }

    /** The length of a message of a session with {@code qps} QPs: the fixed part and a count per QP. */
    static int bytesFor(final int qps)
    {
        return FIXED_BYTES + 8 * qps;
    }

    ControlMessage clear()
    {
        segment.asSlice(offset, bytes).fill((byte)0);
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
        checkQp(qp);
        return segment.get(ValueLayout.JAVA_LONG_UNALIGNED, offset + QP_OPS_AT + 8L * qp);
    }

    ControlMessage qpOps(final int qp, final long v)
    {
        checkQp(qp);
        segment.set(ValueLayout.JAVA_LONG_UNALIGNED, offset + QP_OPS_AT + 8L * qp, v);
        return this;
    }

    private void checkQp(final int qp)
    {
        if (qp < 0 || QP_OPS_AT + 8L * qp + 8 > bytes)
        {
            throw new IndexOutOfBoundsException("QP #" + qp + " has no count in a message of " + bytes + " bytes");
        }
    }

    /** Bytes of this message: what goes over the wire. */
    int bytes()
    {
        return bytes;
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
