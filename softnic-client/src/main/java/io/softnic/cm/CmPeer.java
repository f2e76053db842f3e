package io.softnic.cm;

/** The far end of an established connection as the CM exchange told it. */
public record CmPeer(int remoteIpv4, int remoteQpn, int remoteStartingPsn, int mtu, byte[] privateData)
{
}
