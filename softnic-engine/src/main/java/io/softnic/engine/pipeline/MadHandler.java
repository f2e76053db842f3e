package io.softnic.engine.pipeline;

import io.softnic.engine.port.UdpPort;
import io.softnic.wire.PacketView;

/** Receives the management datagrams (UD SEND to QP1) the RX pipeline finds; the connection manager implements it. */
public interface MadHandler
{
    /** Called on the RX thread with a validated packet; must copy what it keeps. */
    void onMad(UdpPort port, int srcIpv4, int srcUdpPort, PacketView packet);
}
