package io.softnic.hostif;

import io.softnic.cm.CmParams;
import io.softnic.verbs.CqModeration;
import io.softnic.verbs.IbvAhAttr;
import io.softnic.verbs.IbvMigState;
import io.softnic.verbs.IbvQpAttr;
import io.softnic.verbs.IbvQpCap;
import io.softnic.verbs.IbvQpState;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.regex.Pattern;

/**
 * The control operations of an attached tenant on the {@link CommandRing}, as named offsets. Every request but
 * ATTACH starts with the session the ATTACH answer gave (8 bytes: generation in the high half, vNIC id in the low),
 * so a request names its vNIC and a stale tenant cannot act on a vNIC attached again since.
 * <p>
 * A vNIC's shared files lie in {@code DIR/vnic-NAME/}: {@code doorbell} (its own doorbell ring), {@code ring-N} (CQ and
 * QP rings the engine creates; N in the answers), {@code mem-PID-N} (memory the tenant creates for MRs) and
 * {@code heartbeat} (the engine creates it at attach: @0 the tenant's heartbeat counter (8), @8 the tenant's pid (8),
 * both written by the tenant; the master reclaims the vNIC's resources when the counter stands still too long).
 *
 * <pre>
 * ATTACH     request: name (NAME_FIELD) | response: @0 session (8) | @8 doorbell capacity | device attributes
 *            (@12 max QPs, max QP WRs, max SGEs, max CQs, max CQEs, max MRs, max PDs, max rd atomic, max inline,
 *            comp vectors, ports, GID @56) | @64 max MR size (8)
 * DETACH     request: session
 * ALLOC_PD   request: session | response: @0 pdn
 * DEALLOC_PD request: session | @8 pdn
 * REG_MR     request: session | @8 pdn | @12 access | @16 offset in file (8) | @24 length (8) | @32 iova (8) |
 *            @40 file name (NAME_FIELD) | response: @0 lkey | @4 rkey
 * DEREG_MR   request: session | @8 lkey
 * CREATE_CQ  request: session | @8 cqe | @12 comp vector | response: @0 cqn | @4 capacity | @8 ring file N
 * DESTROY_CQ request: session | @8 cqn
 * CREATE_QP  request: session | @8 pdn | @12 send cqn | @16 recv cqn | @20 sq_sig_all | @24 cap (CAP_LENGTH)
 *            response: @0 qpn | @4 send capacity | @8 send stride | @12 recv capacity | @16 recv stride |
 *            @20 send ring file N | @24 recv ring file N | @28 granted cap (CAP_LENGTH)
 *            extended (seed 5, a CQ set): ... | @44 receive CQ policy (RecvCqPolicy) | @48 CQ set count N
 *            (1..the vNIC's EQs) | @52 N CQNs, one per completion vector; length createQpLength(N). The plain
 *            CREATE_QP_LENGTH request is a QP without a CQ set (policy FIXED).
 * MODIFY_QP  request: session | @8 qpn | @12 mask | @16 attributes (ATTR_LENGTH)
 * QUERY_QP   request: session | @8 qpn | response: @0 attributes (ATTR_LENGTH)
 * DESTROY_QP request: session | @8 qpn
 * </pre>
 * The connection manager, split into requests the master answers at once (the tenant waits by polling):
 * <pre>
 * CM_LISTEN          request: session | @8 service port | response: @0 listener id
 * CM_CLOSE_LISTENER  request: session | @8 listener id
 * CM_GET_REQUEST     request: session | @8 listener id | response: empty (none pending) or CM_REQUEST_LENGTH:
 *                    @0 request id (8) | @8 remote IPv4 | remote port | remote QPN | starting PSN | MTU |
 *                    responder resources | initiator depth | retry | RNR retry | timeout | @48 private data length |
 *                    @52 private data
 * CM_ACCEPT          request: session | @8 qpn | @16 request id (8) | @24 params (CM_PARAMS_LENGTH)
 * CM_REJECT          request: session | @8 reason | @16 request id (8)
 * CM_CONNECT         request: session | @8 qpn | @12 remote IPv4 | @16 service port | @24 timeout ns (8) |
 *                    @32 params (CM_PARAMS_LENGTH) | response: @0 handle
 * CM_CONNECT_POLL    request: session | @8 handle | response: @0 outcome (CM_PENDING, CM_ESTABLISHED, CM_REJECTED
 *                    (REJ or timeout), CM_FAILED) | @4 reject reason (CmException's) | established: @8 remote IPv4 | remote QPN |
 *                    remote starting PSN | MTU | @24 private data length | @28 private data; otherwise @8 message
 *                    length | @12 message (UTF-8)
 * CM_DISCONNECT      request: session | @8 qpn (QP to ERR, DREQ sent)
 * CM_DISCONNECT_POLL request: session | @8 qpn | @12 give up (0/1) | response: @0 done (0/1)
 * CM_STATE           request: session | @8 qpn | response: @0 CM state
 * </pre>
 * Events (the EQ rings are files {@code eq-V}, one per completion vector of the vNIC, created by the engine at attach;
 * arming is the arm word in the CQ ring's header, no message):
 * <pre>
 * MODIFY_CQ_MODERATION request: session | @8 cqn | @12 set (0: back to the EQ's) | @16 moderation (MODERATION_LENGTH)
 * MODIFY_EQ_MODERATION request: session | @8 comp vector | @16 moderation (MODERATION_LENGTH)
 * ATTACH_CREATE        request: name | @40 max QPs | max CQs | max MRs | EQs | @56 max MR bytes (8) (VnicMessages'
 *                      create layout; 0: the engine's default) | response: as ATTACH. Creates the vNIC when it does
 *                      not exist and the engine allows it (else DENIED), then attaches.
 * moderation: mode | rx usecs | rx frames | tx usecs | tx frames
 * </pre>
 * Bus flows (seed 3):
 * <pre>
 * CREATE_FLOW request: session | @8 priority class | @12 weight | @16 name (NAME_FIELD) | response: @0 flow id
 * SET_QP_FLOW request: session | @8 qpn | @12 flow id (both the vNIC's own)
 * </pre>
 * <pre>
 * params: responder resources | initiator depth | retry | RNR retry | timeout | min RNR timer | MTU |
 *         private data length | @32 private data (up to CM_MAX_PRIVATE_DATA)
 * </pre>
 */
public final class TenantMessages
{
    public static final int ATTACH = 20;
    public static final int DETACH = 21;
    public static final int ALLOC_PD = 22;
    public static final int DEALLOC_PD = 23;
    public static final int REG_MR = 24;
    public static final int DEREG_MR = 25;
    public static final int CREATE_CQ = 26;
    public static final int DESTROY_CQ = 27;
    public static final int CREATE_QP = 28;
    public static final int MODIFY_QP = 29;
    public static final int QUERY_QP = 30;
    public static final int DESTROY_QP = 31;
    public static final int CM_LISTEN = 32;
    public static final int CM_CLOSE_LISTENER = 33;
    public static final int CM_GET_REQUEST = 34;
    public static final int CM_ACCEPT = 35;
    public static final int CM_REJECT = 36;
    public static final int CM_CONNECT = 37;
    public static final int CM_CONNECT_POLL = 38;
    public static final int CM_DISCONNECT = 39;
    public static final int CM_DISCONNECT_POLL = 40;
    public static final int CM_STATE = 41;
    public static final int MODIFY_CQ_MODERATION = 42;
    public static final int MODIFY_EQ_MODERATION = 43;
    public static final int ATTACH_CREATE = 44;
    public static final int CREATE_FLOW = 45;
    public static final int SET_QP_FLOW = 46;
    public static final int FLOW_NAME_OFFSET = 16;
    public static final int CREATE_FLOW_LENGTH = FLOW_NAME_OFFSET + VnicMessages.NAME_FIELD;
    public static final int SET_QP_FLOW_LENGTH = 16;

    public static final int MODERATION_OFFSET = 16;
    public static final int MODERATION_LENGTH = 20;
    public static final int MODIFY_MODERATION_LENGTH = MODERATION_OFFSET + MODERATION_LENGTH;
    public static final int ATTACH_CREATE_LENGTH = VnicMessages.CREATE_LENGTH;
    /** EQ ring files: eq-V for completion vector V. */
    public static final String EQ_FILE_PREFIX = "eq-";

    /** Outcomes of CM_CONNECT_POLL. */
    public static final int CM_PENDING = 0;
    public static final int CM_ESTABLISHED = 1;
    public static final int CM_REJECTED = 2;
    public static final int CM_FAILED = 3;

    /** The most private data any CM message carries (a REP's 196 bytes). */
    public static final int CM_MAX_PRIVATE_DATA = 196;
    public static final int CM_PARAMS_DATA_OFFSET = 32;
    public static final int CM_PARAMS_LENGTH = CM_PARAMS_DATA_OFFSET + CM_MAX_PRIVATE_DATA;
    public static final int CM_ACCEPT_REQUEST_ID_OFFSET = 16;
    public static final int CM_ACCEPT_PARAMS_OFFSET = 24;
    public static final int CM_ACCEPT_LENGTH = CM_ACCEPT_PARAMS_OFFSET + CM_PARAMS_LENGTH;
    public static final int CM_REJECT_LENGTH = 24;
    public static final int CM_CONNECT_TIMEOUT_OFFSET = 24;
    public static final int CM_CONNECT_PARAMS_OFFSET = 32;
    public static final int CM_CONNECT_LENGTH = CM_CONNECT_PARAMS_OFFSET + CM_PARAMS_LENGTH;
    public static final int CM_REQUEST_DATA_OFFSET = 52;
    public static final int CM_REQUEST_LENGTH = CM_REQUEST_DATA_OFFSET + CM_MAX_PRIVATE_DATA;
    public static final int CM_PEER_DATA_OFFSET = 28;
    public static final int CM_DISCONNECT_POLL_LENGTH = 16;

    public static final int SESSION_OFFSET = 0;
    public static final int SESSION_LENGTH = 8;
    /** The first argument after the session. */
    public static final int ARG0 = 8;
    public static final int ARG1 = 12;
    public static final int ARG2 = 16;
    public static final int ARG3 = 20;

    public static final int ATTACH_LENGTH = VnicMessages.NAME_FIELD;
    public static final int ATTACH_DOORBELL_CAPACITY_OFFSET = 8;
    public static final int ATTACH_ATTRS_OFFSET = 12;
    public static final int ATTACH_GID_OFFSET = 56;
    public static final int ATTACH_MAX_MR_SIZE_OFFSET = 64;
    /** Capacity of each of the vNIC's EQ rings (files eq-0 .. eq-(comp vectors - 1)). */
    public static final int ATTACH_EQ_CAPACITY_OFFSET = 72;
    public static final int ATTACH_RESPONSE_LENGTH = 80;

    public static final int ONE_ARG_LENGTH = 12;

    public static final int MR_PDN_OFFSET = 8;
    public static final int MR_ACCESS_OFFSET = 12;
    public static final int MR_FILE_OFFSET_OFFSET = 16;
    public static final int MR_LENGTH_OFFSET = 24;
    public static final int MR_IOVA_OFFSET = 32;
    public static final int MR_FILE_NAME_OFFSET = 40;
    public static final int REG_MR_LENGTH = MR_FILE_NAME_OFFSET + VnicMessages.NAME_FIELD;

    public static final int CREATE_CQ_LENGTH = 16;

    public static final int QP_PDN_OFFSET = 8;
    public static final int QP_SEND_CQ_OFFSET = 12;
    public static final int QP_RECV_CQ_OFFSET = 16;
    public static final int QP_SIG_ALL_OFFSET = 20;
    public static final int QP_CAP_OFFSET = 24;
    public static final int CAP_LENGTH = 20;
    public static final int CREATE_QP_LENGTH = QP_CAP_OFFSET + CAP_LENGTH;
    public static final int QP_RECV_POLICY_OFFSET = CREATE_QP_LENGTH;
    public static final int QP_CQ_SET_COUNT_OFFSET = QP_RECV_POLICY_OFFSET + 4;
    public static final int QP_CQ_SET_OFFSET = QP_CQ_SET_COUNT_OFFSET + 4;
    /** The most CQNs a CREATE_QP request can carry (the vNIC's EQ count bounds it further). */
    public static final int MAX_CQ_SET = (CommandRing.PAYLOAD_CAPACITY - QP_CQ_SET_OFFSET) / 4;
    public static final int QP_RESPONSE_GRANTED_OFFSET = 28;
    public static final int CREATE_QP_RESPONSE_LENGTH = QP_RESPONSE_GRANTED_OFFSET + CAP_LENGTH;

    public static final int MODIFY_ATTR_OFFSET = 16;
    /** 38 ints: the scalar fields of ibv_qp_attr, its cap and both address vectors. */
    public static final int ATTR_LENGTH = 38 * 4;
    public static final int MODIFY_QP_LENGTH = MODIFY_ATTR_OFFSET + ATTR_LENGTH;

    public static final String DOORBELL_FILE = "doorbell";
    public static final String HEARTBEAT_FILE = "heartbeat";
    public static final int HEARTBEAT_COUNTER_OFFSET = 0;
    public static final int HEARTBEAT_PID_OFFSET = 8;
    public static final int HEARTBEAT_FILE_LENGTH = 64;
    public static final String RING_FILE_PREFIX = "ring-";
    /** Tenant memory files: mem-PID-N, nothing else is registered. */
    public static final Pattern MEM_FILE = Pattern.compile("mem-[0-9]{1,10}-[0-9]{1,10}");

    private TenantMessages()
    {
    }

    /** Length of a CREATE_QP request carrying a CQ set of {@code count} CQs. */
    public static int createQpLength(final int count)
    {
        return QP_CQ_SET_OFFSET + 4 * count;
    }

    public static boolean isTenantOp(final int opcode)
    {
        return opcode >= ATTACH && opcode <= SET_QP_FLOW;
    }

    /** Writes CM params at {@code at}; throws IllegalArgumentException if the private data does not fit. */
    public static void putParams(final MemorySegment seg, final long at, final CmParams p)
    {
        final byte[] data = p.privateData() == null ? new byte[0] : p.privateData();
        if (data.length > CM_MAX_PRIVATE_DATA)
        {
            throw new IllegalArgumentException("private data of " + data.length + " bytes (at most " +
                CM_MAX_PRIVATE_DATA + ")");
        }
        final int[] ints = {p.responderResources(), p.initiatorDepth(), p.retryCount(), p.rnrRetryCount(),
            p.timeout(), p.minRnrTimer(), p.mtu(), data.length};
        for (int i = 0; i < ints.length; i++)
        {
            seg.set(ValueLayout.JAVA_INT, at + 4L * i, ints[i]);
        }
        MemorySegment.copy(data, 0, seg, ValueLayout.JAVA_BYTE, at + CM_PARAMS_DATA_OFFSET, data.length);
    }

    /** Reads CM params a tenant wrote; throws IllegalArgumentException on a private data length out of range. */
    public static CmParams getParams(final MemorySegment seg, final long at)
    {
        final int[] v = new int[8];
        for (int i = 0; i < v.length; i++)
        {
            v[i] = seg.get(ValueLayout.JAVA_INT, at + 4L * i);
        }
        return new CmParams(v[0], v[1], v[2], v[3], v[4], v[5], v[6],
            getBytes(seg, at + CM_PARAMS_DATA_OFFSET, v[7]));
    }

    /** {@code length} bytes at {@code at}; throws IllegalArgumentException if more than any CM message carries. */
    public static byte[] getBytes(final MemorySegment seg, final long at, final int length)
    {
        if (length < 0 || length > CM_MAX_PRIVATE_DATA)
        {
            throw new IllegalArgumentException("private data length " + length + " out of range 0.." +
                CM_MAX_PRIVATE_DATA);
        }
        final byte[] data = new byte[length];
        MemorySegment.copy(seg, ValueLayout.JAVA_BYTE, at, data, 0, length);
        return data;
    }

    public static String vnicDirName(final String vnic)
    {
        return "vnic-" + vnic;
    }

    public static long session(final int vnicId, final int generation)
    {
        return ((long)generation << 32) | (vnicId & 0xFFFFFFFFL);
    }

    public static int sessionVnic(final long session)
    {
        return (int)session;
    }

    public static int sessionGeneration(final long session)
    {
        return (int)(session >>> 32);
    }

    public static void putModeration(final MemorySegment seg, final long at, final CqModeration m)
    {
        seg.set(ValueLayout.JAVA_INT, at, m.mode());
        seg.set(ValueLayout.JAVA_INT, at + 4, m.rxUsecs());
        seg.set(ValueLayout.JAVA_INT, at + 8, m.rxFrames());
        seg.set(ValueLayout.JAVA_INT, at + 12, m.txUsecs());
        seg.set(ValueLayout.JAVA_INT, at + 16, m.txFrames());
    }

    /** Reads a moderation a tenant wrote; throws {@link io.softnic.verbs.VerbsException} when out of range. */
    public static CqModeration getModeration(final MemorySegment seg, final long at)
    {
        return new CqModeration(seg.get(ValueLayout.JAVA_INT, at), seg.get(ValueLayout.JAVA_INT, at + 4),
            seg.get(ValueLayout.JAVA_INT, at + 8), seg.get(ValueLayout.JAVA_INT, at + 12),
            seg.get(ValueLayout.JAVA_INT, at + 16));
    }

    public static void putCap(final MemorySegment seg, final long at, final IbvQpCap cap)
    {
        seg.set(ValueLayout.JAVA_INT, at, cap.maxSendWr);
        seg.set(ValueLayout.JAVA_INT, at + 4, cap.maxRecvWr);
        seg.set(ValueLayout.JAVA_INT, at + 8, cap.maxSendSge);
        seg.set(ValueLayout.JAVA_INT, at + 12, cap.maxRecvSge);
        seg.set(ValueLayout.JAVA_INT, at + 16, cap.maxInlineData);
    }

    public static IbvQpCap getCap(final MemorySegment seg, final long at, final IbvQpCap cap)
    {
        cap.maxSendWr = seg.get(ValueLayout.JAVA_INT, at);
        cap.maxRecvWr = seg.get(ValueLayout.JAVA_INT, at + 4);
        cap.maxSendSge = seg.get(ValueLayout.JAVA_INT, at + 8);
        cap.maxRecvSge = seg.get(ValueLayout.JAVA_INT, at + 12);
        cap.maxInlineData = seg.get(ValueLayout.JAVA_INT, at + 16);
        return cap;
    }

    private static long putAh(final MemorySegment seg, final long at, final IbvAhAttr ah)
    {
        seg.set(ValueLayout.JAVA_INT, at, ah.dgidIpv4);
        seg.set(ValueLayout.JAVA_INT, at + 4, ah.dport);
        seg.set(ValueLayout.JAVA_INT, at + 8, ah.portNum);
        seg.set(ValueLayout.JAVA_INT, at + 12, ah.hopLimit);
        seg.set(ValueLayout.JAVA_INT, at + 16, ah.trafficClass);
        seg.set(ValueLayout.JAVA_INT, at + 20, ah.sgidIndex);
        return at + 24;
    }

    private static long getAh(final MemorySegment seg, final long at, final IbvAhAttr ah)
    {
        ah.dgidIpv4 = seg.get(ValueLayout.JAVA_INT, at);
        ah.dport = seg.get(ValueLayout.JAVA_INT, at + 4);
        ah.portNum = seg.get(ValueLayout.JAVA_INT, at + 8);
        ah.hopLimit = seg.get(ValueLayout.JAVA_INT, at + 12);
        ah.trafficClass = seg.get(ValueLayout.JAVA_INT, at + 16);
        ah.sgidIndex = seg.get(ValueLayout.JAVA_INT, at + 20);
        return at + 24;
    }

    public static void putAttr(final MemorySegment seg, final long at, final IbvQpAttr a)
    {
        final int[] ints = {a.qpState.ordinal(), a.curQpState.ordinal(), a.pathMtu, a.qkey, a.rqPsn, a.sqPsn,
            a.destQpNum, a.qpAccessFlags, a.pkeyIndex, a.altPkeyIndex, a.sqDraining, a.maxDestRdAtomic, a.maxRdAtomic,
            a.minRnrTimer, a.portNum, a.timeout, a.retryCnt, a.rnrRetry, a.altPortNum, a.altTimeout,
            a.pathMigState.ordinal()};
        long p = at;
        for (final int v : ints)
        {
            seg.set(ValueLayout.JAVA_INT, p, v);
            p += 4;
        }
        putCap(seg, p, a.cap);
        p += CAP_LENGTH;
        p = putAh(seg, p, a.ahAttr);
        putAh(seg, p, a.altAhAttr);
    }

    /** Reads attributes a tenant wrote; throws IllegalArgumentException on an enum code out of range. */
    public static IbvQpAttr getAttr(final MemorySegment seg, final long at, final IbvQpAttr a)
    {
        final int[] v = new int[21];
        for (int i = 0; i < v.length; i++)
        {
            v[i] = seg.get(ValueLayout.JAVA_INT, at + 4L * i);
        }
        final IbvMigState[] mig = IbvMigState.values();
        if (v[0] < 0 || v[0] >= IbvQpState.values().length || v[1] < 0 || v[1] >= IbvQpState.values().length ||
            v[20] < 0 || v[20] >= mig.length)
        {
            throw new IllegalArgumentException("QP state or migration state code out of range");
        }
        a.qpState = IbvQpState.values()[v[0]];
        a.curQpState = IbvQpState.values()[v[1]];
        a.pathMtu = v[2];
        a.qkey = v[3];
        a.rqPsn = v[4];
        a.sqPsn = v[5];
        a.destQpNum = v[6];
        a.qpAccessFlags = v[7];
        a.pkeyIndex = v[8];
        a.altPkeyIndex = v[9];
        a.sqDraining = v[10];
        a.maxDestRdAtomic = v[11];
        a.maxRdAtomic = v[12];
        a.minRnrTimer = v[13];
        a.portNum = v[14];
        a.timeout = v[15];
        a.retryCnt = v[16];
        a.rnrRetry = v[17];
        a.altPortNum = v[18];
        a.altTimeout = v[19];
        a.pathMigState = mig[v[20]];
        long p = at + 4L * v.length;
        getCap(seg, p, a.cap);
        p += CAP_LENGTH;
        p = getAh(seg, p, a.ahAttr);
        getAh(seg, p, a.altAhAttr);
        return a;
    }
}
