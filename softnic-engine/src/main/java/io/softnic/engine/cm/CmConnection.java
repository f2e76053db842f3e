package io.softnic.engine.cm;

import io.softnic.cm.CmParams;
import io.softnic.cm.CmPeer;
import io.softnic.cm.CmRequest;
import io.softnic.cm.CmState;
import io.softnic.engine.rc.QueuePair;
import io.softnic.wire.cm.Mad;

import java.lang.foreign.MemorySegment;

/**
 * One connection as the CM tracks it (an ib_cm "cm_id"): who it is with, the QP it drives, its state in the IB CM
 * state machine ({@link CmState} values), the last MAD it sent (resent as is on a retry) and its retry timer.
 *
 * <p>Active side: IDLE -> REQ_SENT -> ESTABLISHED (REP applied, RTU sent) or REJECTED (REJ) or IDLE (timed out).
 * Passive side: REQ_RCVD (queued on a listener) -> REP_SENT (accepted) -> ESTABLISHED (RTU, or the first data
 * packet), or REJECTED (the consumer rejected it, or the peer withdrew). Both: ESTABLISHED -> DREQ_SENT ->
 * DISCONNECTED, or ESTABLISHED -> DISCONNECTED on a DREQ. Terminal connections linger in time-wait so that late
 * duplicates are answered (a DREQ gets its DREP again) and then are forgotten.
 *
 * <p>Mutated only under the connection manager's lock; {@link #state} and {@link #outcome} are also read without it
 * by callers waiting for a change.
 */
final class CmConnection
{
    /** Outcome of the establishment, for the caller of connect: still open, or how it ended. */
    static final int PENDING = 0;
    static final int ESTABLISHED = 1;
    static final int REJECTED = 2;
    static final int TIMED_OUT = 3;
    static final int FAILED = 4;

    final boolean active;
    final int localCommId;
    final int portIndex;
    final int remoteIpv4;
    /** The MAD this side sent last, kept for retransmission. */
    final MemorySegment lastMad = MemorySegment.ofArray(new byte[Mad.MAD_LENGTH]);

    volatile int state = CmState.IDLE;
    volatile int outcome = PENDING;
    int remoteCommId;
    long transactionId;
    /** The attribute id of {@link #lastMad}, 0 when nothing is to be resent. */
    int lastAttribute;

    int qpn;
    QueuePair qp;
    CmParams params;
    int startingPsn;
    int remoteQpn;
    int remoteStartingPsn;
    int mtu;
    CmPeer peer;
    int rejectReason;
    String failure;
    /** Active side: the service port asked for, and when a connect not yet answered gives up. */
    int servicePort;
    long connectTimeoutNanos;
    long connectDeadline = Long.MAX_VALUE;

    // What a REQ said, kept by the passive side for accept.
    CmListener listener;
    CmRequest request;
    int reqMtuCode;
    int reqResponderResources;
    int reqInitiatorDepth;
    int reqRetryCount;
    int reqRnrRetryCount;
    int reqLocalAckTimeout;

    // Alternate path (APM), agreed after establishment: the passive side sends a LAP, the active side answers APR.
    /** The alternate path is not agreed (yet, or ever: one side has a single port). */
    static final int AP_NONE = 0;
    /** Passive side: LAP sent, waiting for the APR (retried on the connection's timer). */
    static final int AP_LAP_SENT = 1;
    /** Both sides: the alternate path is loaded into the QP and armed. */
    static final int AP_LOADED = 2;
    /** Refused by the peer (an APR with another status) or by this side's checks, or the LAP went unanswered. */
    static final int AP_FAILED = 3;

    int apState = AP_NONE;
    /** Passive side: when to offer the alternate path again after a migration left the QP disarmed. */
    long nextRearmAt;
    /** The local port of the alternate path: offered in the REQ (active), chosen for the LAP (passive); -1: none. */
    int altPortIndex = -1;
    /** The peer's alternate GID (IPv4): from the REQ's alternate path (passive) or from the LAP (active); 0: none. */
    int altRemoteIpv4;
    /** Once an alternate path was agreed, MADs from the peer's alternate address belong to this connection. */
    boolean altAgreed;
    /** Passive side: the path the LAP in flight proposes (local port, peer GID), loaded when the APR accepts it. */
    int lapPortIndex = -1;
    int lapRemoteIpv4;
    /** The LAP's transaction: the APR must carry it, and a LAP repeated with it is answered with the same APR. */
    long apTransactionId;
    /** The last LAP (passive) or APR (active) sent, kept apart from {@link #lastMad} so that both can be resent. */
    final MemorySegment apMad = MemorySegment.ofArray(new byte[Mad.MAD_LENGTH]);
    /** The attribute of {@link #apMad}; 0 when none. */
    int apAttribute;
    /** The AP status of the last APR sent or received. */
    int apStatus = -1;

    // Retry timer.
    long deadline = Long.MAX_VALUE;
    long timeoutNanos;
    int retries;
    /** When a terminal connection is forgotten. */
    long forgetAt = Long.MAX_VALUE;

    CmConnection(final boolean active, final int localCommId, final int portIndex, final int remoteIpv4)
    {
        this.active = active;
        this.localCommId = localCommId;
        this.portIndex = portIndex;
        this.remoteIpv4 = remoteIpv4;
    }

    /** Starts the retry timer for the MAD just sent. */
    void arm(final long now, final long firstTimeoutNanos)
    {
        retries = 0;
        timeoutNanos = firstTimeoutNanos;
        deadline = now + firstTimeoutNanos;
    }

    /** After a resend: the next wait is twice as long, up to {@code maxTimeoutNanos}. */
    void backoff(final long now, final long maxTimeoutNanos)
    {
        retries++;
        timeoutNanos = Math.min(timeoutNanos * 2, maxTimeoutNanos);
        deadline = now + timeoutNanos;
    }

    void disarm()
    {
        deadline = Long.MAX_VALUE;
    }

    boolean due(final long now)
    {
        return deadline != Long.MAX_VALUE && now - deadline >= 0;
    }

    boolean isTerminal()
    {
        final int s = state;
        return s == CmState.IDLE || s == CmState.DISCONNECTED || s == CmState.REJECTED || s == CmState.TIMEWAIT;
    }

    /** Key of a passive connection by the peer's address and communication id (duplicate REQ detection). */
    static long remoteKey(final int remoteIpv4, final int remoteCommId)
    {
        return (long)remoteIpv4 << 32 | (remoteCommId & 0xFFFF_FFFFL);
    }

    @Override
    public String toString()
    {
        return (active ? "active" : "passive") + " connection 0x" + Integer.toHexString(localCommId) + " (QP " + qpn +
            ", " + CmState.name(state) + ")";
    }
}
