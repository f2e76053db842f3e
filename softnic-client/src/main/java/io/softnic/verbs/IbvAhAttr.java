package io.softnic.verbs;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.UnknownHostException;

/** Address vector of an RC QP's path: for RoCEv2 the peer's GID is its IPv4 address (as a v4-mapped GID). */
public final class IbvAhAttr
{
    /** Peer IPv4 address as an int, network order value (127.0.0.2 = 0x7F000002). */
    public int dgidIpv4;
    /** Peer UDP port, 4791 unless the peer runs on another port. */
    public int dport = 4791;
    public int portNum = 1;
    public int hopLimit = 64;
    public int trafficClass;
    public int sgidIndex;

    public IbvAhAttr dgid(final InetAddress address)
    {
        if (!(address instanceof Inet4Address))
        {
            throw new VerbsException("softnic speaks RoCEv2 over IPv4; not an IPv4 address: " + address);
        }
        final byte[] b = address.getAddress();
        dgidIpv4 = ((b[0] & 0xFF) << 24) | ((b[1] & 0xFF) << 16) | ((b[2] & 0xFF) << 8) | (b[3] & 0xFF);
        return this;
    }

    public IbvAhAttr dgid(final String address)
    {
        try
        {
            return dgid(InetAddress.getByName(address));
        }
        catch (final UnknownHostException ex)
        {
            throw new VerbsException("unknown address " + address, ex);
        }
    }

    public IbvAhAttr copyFrom(final IbvAhAttr other)
    {
        dgidIpv4 = other.dgidIpv4;
        dport = other.dport;
        portNum = other.portNum;
        hopLimit = other.hopLimit;
        trafficClass = other.trafficClass;
        sgidIndex = other.sgidIndex;
        return this;
    }

    public static String ipv4ToString(final int ip)
    {
        return ((ip >>> 24) & 0xFF) + "." + ((ip >>> 16) & 0xFF) + "." + ((ip >>> 8) & 0xFF) + "." + (ip & 0xFF);
    }
}
