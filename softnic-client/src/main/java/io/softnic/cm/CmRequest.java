package io.softnic.cm;

/** A connection request (REQ) that reached a listener, as the passive side sees it. */
public record CmRequest(
    long requestId,
    int remoteIpv4,
    int remotePort,
    int remoteQpn,
    int startingPsn,
    int mtu,
    int responderResources,
    int initiatorDepth,
    int retryCount,
    int rnrRetryCount,
    int timeout,
    byte[] privateData)
{
}
