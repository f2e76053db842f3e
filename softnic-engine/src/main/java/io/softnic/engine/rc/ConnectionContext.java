package io.softnic.engine.rc;

import io.softnic.verbs.IbvMigState;
import io.softnic.verbs.IbvQpState;

import java.lang.foreign.MemorySegment;

/**
 * The connection context of one RC QP (seed 4): a fixed-size record in its vNIC's context table in host memory,
 * read and written here through the cache line that holds it. It has everything of the connection that changes as
 * it runs: state and attributes, both paths, the send queue's indices and PSNs, the requester's retry and timer
 * state, and the responder's position in the receive queue and in the message it is taking.
 * <p>
 * Kept out of the record, in the engine's QP object: what is fixed when the QP is created (its rings, CQs and
 * capacities) and what is per work request or per responder resource rather than per connection (the engine's
 * checked copies of fetched WQEs with their PSN ranges, the scatter list of the receive being filled, the saved
 * READ/atomic requests): a NIC keeps those in WQE buffers and responder-resource tables, not in the QP context.
 */
public final class ConnectionContext extends CachedContext
{
    // longs first, 8-byte aligned
    static final int SQ_FETCH_INDEX = 0;
    static final int SQ_SEND_INDEX = 8;
    static final int SQ_COMPLETE_INDEX = 16;
    static final int SQ_SEND_OFFSET = 24;
    static final int RETRANSMIT_DEADLINE = 32;
    static final int RNR_DEADLINE = 40;
    static final int RQ_INDEX = 48;
    static final int RECV_WR_ID = 56;
    static final int RECV_OFFSET = 64;
    static final int WRITE_ADDRESS = 72;
    static final int WRITE_REMAINING = 80;
    static final int WRITE_TOTAL = 88;
    // ints
    static final int STATE = 96;
    static final int PDN = 100;
    static final int ACCESS_FLAGS = 104;
    static final int PATH_MTU = 108;
    static final int DEST_QPN = 112;
    static final int PKEY = 116;
    static final int TIMEOUT = 120;
    static final int RETRY_CNT = 124;
    static final int RNR_RETRY = 128;
    static final int MIN_RNR_TIMER = 132;
    static final int MAX_RD_ATOMIC = 136;
    static final int MAX_DEST_RD_ATOMIC = 140;
    static final int SQ_PSN = 144;
    static final int RQ_PSN = 148;
    static final int MIG_STATE = 152;
    /** Primary path: port index, destination IPv4, destination UDP port, source UDP port. */
    static final int PRIMARY_PATH = 156;
    /** Alternate path, the same four words. */
    static final int ALTERNATE_PATH = 172;
    static final int NEXT_PSN = 188;
    static final int HIGH_PSN = 192;
    static final int UNACKED_PSN = 196;
    static final int OUTSTANDING_RD_ATOMIC = 200;
    static final int RETRIES_LEFT = 204;
    static final int RNR_RETRIES_LEFT = 208;
    static final int RNR_WAITING = 212;
    static final int RNR_PSN = 216;
    static final int EXPECTED_PSN = 220;
    static final int MSN = 224;
    static final int IN_PROGRESS = 228;
    static final int SEQUENCE_NAK_SENT = 232;
    static final int RESPONDER_FAILED = 236;
    static final int RECV_VECTOR = 240;
    static final int RECV_LOADED = 244;
    // 248: free
    static final int ACK_PENDING = 252;
    static final int ACK_PSN = 256;
    static final int ACK_SYNDROME = 260;
    static final int PACKETS_SINCE_ACK = 264;
    static final int ERROR_AFTER_ACK = 268;
    static final int LAST_RESPONSE_PSN = 272;
    static final int ANY_RESPONSE = 276;
    static final int NEXT_RESOURCE = 280;
    static final int RESPONSE_QUEUE_HEAD = 284;
    static final int RESPONSE_QUEUE_TAIL = 288;
    static final int RECV_ROUND_ROBIN = 292;
    /** Bytes per record: what is used above, rounded up to a multiple of 64 with room to grow. */
    public static final int RECORD_SIZE = 320;

    static final int PATH_PORT = 0;
    static final int PATH_DEST_IPV4 = 4;
    static final int PATH_DEST_UDP = 8;
    static final int PATH_SOURCE_UDP = 12;

    private static final IbvQpState[] STATES = IbvQpState.values();
    private static final IbvMigState[] MIG_STATES = IbvMigState.values();

    public ConnectionContext(final MemorySegment table, final long home)
    {
        super(table, home);
    }

    IbvQpState state()
    {
        return STATES[getInt(STATE)];
    }

    void state(final IbvQpState state)
    {
        putInt(STATE, state.ordinal());
    }

    IbvMigState migState()
    {
        return MIG_STATES[getInt(MIG_STATE)];
    }

    void migState(final IbvMigState state)
    {
        putInt(MIG_STATE, state.ordinal());
    }

    long fetchIndex()
    {
        return getLong(SQ_FETCH_INDEX);
    }

    void fetchIndex(final long value)
    {
        putLong(SQ_FETCH_INDEX, value);
    }

    long sendIndex()
    {
        return getLong(SQ_SEND_INDEX);
    }

    void sendIndex(final long value)
    {
        putLong(SQ_SEND_INDEX, value);
    }

    long completeIndex()
    {
        return getLong(SQ_COMPLETE_INDEX);
    }

    void completeIndex(final long value)
    {
        putLong(SQ_COMPLETE_INDEX, value);
    }

    long sendOffset()
    {
        return getLong(SQ_SEND_OFFSET);
    }

    void sendOffset(final long value)
    {
        putLong(SQ_SEND_OFFSET, value);
    }

    long retransmitDeadline()
    {
        return getLong(RETRANSMIT_DEADLINE);
    }

    void retransmitDeadline(final long value)
    {
        putLong(RETRANSMIT_DEADLINE, value);
    }

    long rnrDeadline()
    {
        return getLong(RNR_DEADLINE);
    }

    void rnrDeadline(final long value)
    {
        putLong(RNR_DEADLINE, value);
    }

    long recvIndex()
    {
        return getLong(RQ_INDEX);
    }

    void recvIndex(final long value)
    {
        putLong(RQ_INDEX, value);
    }

    long recvWrId()
    {
        return getLong(RECV_WR_ID);
    }

    void recvWrId(final long value)
    {
        putLong(RECV_WR_ID, value);
    }

    long recvOffset()
    {
        return getLong(RECV_OFFSET);
    }

    void recvOffset(final long value)
    {
        putLong(RECV_OFFSET, value);
    }

    long writeAddress()
    {
        return getLong(WRITE_ADDRESS);
    }

    void writeAddress(final long value)
    {
        putLong(WRITE_ADDRESS, value);
    }

    long writeRemaining()
    {
        return getLong(WRITE_REMAINING);
    }

    void writeRemaining(final long value)
    {
        putLong(WRITE_REMAINING, value);
    }

    long writeTotal()
    {
        return getLong(WRITE_TOTAL);
    }

    void writeTotal(final long value)
    {
        putLong(WRITE_TOTAL, value);
    }

    int pdn()
    {
        return getInt(PDN);
    }

    void pdn(final int value)
    {
        putInt(PDN, value);
    }

    int accessFlags()
    {
        return getInt(ACCESS_FLAGS);
    }

    void accessFlags(final int value)
    {
        putInt(ACCESS_FLAGS, value);
    }

    int pathMtu()
    {
        return getInt(PATH_MTU);
    }

    void pathMtu(final int value)
    {
        putInt(PATH_MTU, value);
    }

    int destQpn()
    {
        return getInt(DEST_QPN);
    }

    void destQpn(final int value)
    {
        putInt(DEST_QPN, value);
    }

    int pkey()
    {
        return getInt(PKEY);
    }

    void pkey(final int value)
    {
        putInt(PKEY, value);
    }

    int timeoutCode()
    {
        return getInt(TIMEOUT);
    }

    void timeoutCode(final int value)
    {
        putInt(TIMEOUT, value);
    }

    int retryCnt()
    {
        return getInt(RETRY_CNT);
    }

    void retryCnt(final int value)
    {
        putInt(RETRY_CNT, value);
    }

    int rnrRetry()
    {
        return getInt(RNR_RETRY);
    }

    void rnrRetry(final int value)
    {
        putInt(RNR_RETRY, value);
    }

    int minRnrTimer()
    {
        return getInt(MIN_RNR_TIMER);
    }

    void minRnrTimer(final int value)
    {
        putInt(MIN_RNR_TIMER, value);
    }

    int maxRdAtomic()
    {
        return getInt(MAX_RD_ATOMIC);
    }

    void maxRdAtomic(final int value)
    {
        putInt(MAX_RD_ATOMIC, value);
    }

    int maxDestRdAtomic()
    {
        return getInt(MAX_DEST_RD_ATOMIC);
    }

    void maxDestRdAtomic(final int value)
    {
        putInt(MAX_DEST_RD_ATOMIC, value);
    }

    int sqPsn()
    {
        return getInt(SQ_PSN);
    }

    void sqPsn(final int value)
    {
        putInt(SQ_PSN, value);
    }

    int rqPsn()
    {
        return getInt(RQ_PSN);
    }

    void rqPsn(final int value)
    {
        putInt(RQ_PSN, value);
    }

    int nextPsn()
    {
        return getInt(NEXT_PSN);
    }

    void nextPsn(final int value)
    {
        putInt(NEXT_PSN, value);
    }

    int highPsn()
    {
        return getInt(HIGH_PSN);
    }

    void highPsn(final int value)
    {
        putInt(HIGH_PSN, value);
    }

    int unackedPsn()
    {
        return getInt(UNACKED_PSN);
    }

    void unackedPsn(final int value)
    {
        putInt(UNACKED_PSN, value);
    }

    int outstandingReadAtomic()
    {
        return getInt(OUTSTANDING_RD_ATOMIC);
    }

    void outstandingReadAtomic(final int value)
    {
        putInt(OUTSTANDING_RD_ATOMIC, value);
    }

    int retriesLeft()
    {
        return getInt(RETRIES_LEFT);
    }

    void retriesLeft(final int value)
    {
        putInt(RETRIES_LEFT, value);
    }

    int rnrRetriesLeft()
    {
        return getInt(RNR_RETRIES_LEFT);
    }

    void rnrRetriesLeft(final int value)
    {
        putInt(RNR_RETRIES_LEFT, value);
    }

    boolean rnrWaiting()
    {
        return getBoolean(RNR_WAITING);
    }

    void rnrWaiting(final boolean value)
    {
        putBoolean(RNR_WAITING, value);
    }

    int rnrPsn()
    {
        return getInt(RNR_PSN);
    }

    void rnrPsn(final int value)
    {
        putInt(RNR_PSN, value);
    }

    int expectedPsn()
    {
        return getInt(EXPECTED_PSN);
    }

    void expectedPsn(final int value)
    {
        putInt(EXPECTED_PSN, value);
    }

    int msn()
    {
        return getInt(MSN);
    }

    void msn(final int value)
    {
        putInt(MSN, value);
    }

    int inProgress()
    {
        return getInt(IN_PROGRESS);
    }

    void inProgress(final int value)
    {
        putInt(IN_PROGRESS, value);
    }

    boolean sequenceNakSent()
    {
        return getBoolean(SEQUENCE_NAK_SENT);
    }

    void sequenceNakSent(final boolean value)
    {
        putBoolean(SEQUENCE_NAK_SENT, value);
    }

    boolean responderFailed()
    {
        return getBoolean(RESPONDER_FAILED);
    }

    void responderFailed(final boolean value)
    {
        putBoolean(RESPONDER_FAILED, value);
    }

    int recvVector()
    {
        return getInt(RECV_VECTOR);
    }

    void recvVector(final int value)
    {
        putInt(RECV_VECTOR, value);
    }

    boolean recvLoaded()
    {
        return getBoolean(RECV_LOADED);
    }

    void recvLoaded(final boolean value)
    {
        putBoolean(RECV_LOADED, value);
    }

    boolean ackPending()
    {
        return getBoolean(ACK_PENDING);
    }

    void ackPending(final boolean value)
    {
        putBoolean(ACK_PENDING, value);
    }

    int ackPsn()
    {
        return getInt(ACK_PSN);
    }

    void ackPsn(final int value)
    {
        putInt(ACK_PSN, value);
    }

    int ackSyndrome()
    {
        return getInt(ACK_SYNDROME);
    }

    void ackSyndrome(final int value)
    {
        putInt(ACK_SYNDROME, value);
    }

    int packetsSinceAck()
    {
        return getInt(PACKETS_SINCE_ACK);
    }

    void packetsSinceAck(final int value)
    {
        putInt(PACKETS_SINCE_ACK, value);
    }

    boolean errorAfterAck()
    {
        return getBoolean(ERROR_AFTER_ACK);
    }

    void errorAfterAck(final boolean value)
    {
        putBoolean(ERROR_AFTER_ACK, value);
    }

    int lastResponsePsn()
    {
        return getInt(LAST_RESPONSE_PSN);
    }

    void lastResponsePsn(final int value)
    {
        putInt(LAST_RESPONSE_PSN, value);
    }

    boolean anyResponse()
    {
        return getBoolean(ANY_RESPONSE);
    }

    void anyResponse(final boolean value)
    {
        putBoolean(ANY_RESPONSE, value);
    }

    int nextResource()
    {
        return getInt(NEXT_RESOURCE);
    }

    void nextResource(final int value)
    {
        putInt(NEXT_RESOURCE, value);
    }

    int responseQueueHead()
    {
        return getInt(RESPONSE_QUEUE_HEAD);
    }

    void responseQueueHead(final int value)
    {
        putInt(RESPONSE_QUEUE_HEAD, value);
    }

    int responseQueueTail()
    {
        return getInt(RESPONSE_QUEUE_TAIL);
    }

    void responseQueueTail(final int value)
    {
        putInt(RESPONSE_QUEUE_TAIL, value);
    }

    int recvRoundRobin()
    {
        return getInt(RECV_ROUND_ROBIN);
    }

    void recvRoundRobin(final int value)
    {
        putInt(RECV_ROUND_ROBIN, value);
    }

    /** A word of the primary ({@link #PRIMARY_PATH}) or alternate ({@link #ALTERNATE_PATH}) path. */
    int pathWord(final int path, final int word)
    {
        return getInt(path + word);
    }

    void pathWord(final int path, final int word, final int value)
    {
        putInt(path + word, value);
    }
}
