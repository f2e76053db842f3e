package io.softnic.cm;

/**
 * The connection manager as the device offers it to a verbs context: the control-plane side of {@link RdmaCm}.
 * The device's CM agent speaks the IB CM protocol (REQ/REP/RTU, REJ, DREQ/DREP) in MADs on QP1 and moves the QPs
 * through their states, as rdma_cm does for its users.
 */
public interface CmControl
{
    /** Starts listening on a service port of the device's address; refused if the port is taken. */
    int listen(int port);

    void closeListener(int listenerId);

    /** The next connection request for a listener, or null if none arrived within the timeout. */
    CmRequest getRequest(int listenerId, long timeoutNanos);

    /**
     * Moves the QP (RESET or INIT) to RTS with the requester's parameters and sends REP. The connection is
     * established when the RTU arrives (or the first packet from the peer, as IBTA allows).
     */
    void accept(long requestId, int qpn, CmParams params);

    void reject(long requestId, int reason);

    /**
     * Sends REQ for the QP to a listener at remoteIpv4:port, waits for REP (retrying lost MADs), moves the QP to RTS
     * and sends RTU. Throws {@link CmException} on REJ or timeout, leaving the QP in ERR or RESET.
     */
    CmPeer connect(int qpn, int remoteIpv4, int port, CmParams params, long timeoutNanos);

    /** DREQ, wait for DREP (or time out), QP to ERR so outstanding work is flushed. */
    void disconnect(int qpn, long timeoutNanos);

    /** One of {@link CmState}'s values for the QP's connection. */
    int state(int qpn);
}
