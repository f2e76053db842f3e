package io.softnic.wire.cm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.softnic.wire.Bth;
import io.softnic.wire.Bytes;
import io.softnic.wire.Deth;
import io.softnic.wire.Icrc;
import io.softnic.wire.Opcode;
import io.softnic.wire.PacketView;
import io.softnic.wire.RoceUdp;
import java.lang.foreign.MemorySegment;
import org.junit.jupiter.api.Test;

/** A CM REQ as it travels: UD SEND_ONLY to QP1, DETH, 256-byte MAD, ICRC; built and then parsed back. */
class CmOverRoceTest {
    private static final int SRC = 0x0A000001;
    private static final int DST = 0x0A000002;
    private static final int LENGTH = Bth.LENGTH + Deth.LENGTH + Mad.MAD_LENGTH + Icrc.LENGTH;

    @Test
    void reqRoundTripsThroughPacketView() {
        final MemorySegment datagram = Bytes.segment(2048);
        final long at = 100;
        new Bth().wrap(datagram, at).reset().opcode(Opcode.UD_SEND_ONLY).pkey(Bth.DEFAULT_PKEY)
            .destQp(Mad.QPN_GSI).psn(0x42);
        new Deth().wrap(datagram, at + Bth.LENGTH).qkey(Mad.Q_KEY_GSI).srcQp(Mad.QPN_GSI);
        final CmReq out = new CmReq().wrap(datagram, at + Bth.LENGTH + Deth.LENGTH).init(0xABCDL)
            .localCommId(0x1234).serviceId(CmIpPrivateData.tcpServiceId(7471)).localQpn(0x51)
            .startingPsn(0x777).pathMtu(3).rnrRetryCount(7).retryCount(7);
        out.primaryPath().localGidIpv4(SRC).remoteGidIpv4(DST);
        new CmIpPrivateData().wrap(datagram, out.offset() + CmReq.PRIVATE_DATA_OFFSET).ipv4(SRC, 40000, DST);
        final Icrc icrc = new Icrc();
        icrc.write(SRC, DST, RoceUdp.sourcePort(1), RoceUdp.DEFAULT_PORT, datagram, at, LENGTH);

        final PacketView view = new PacketView();
        assertEquals(PacketView.OK, view.wrap(datagram, at, LENGTH));
        assertTrue(icrc.check(SRC, DST, RoceUdp.sourcePort(1), RoceUdp.DEFAULT_PORT, datagram, at, LENGTH));
        assertEquals(Opcode.UD_SEND_ONLY, view.opcode());
        assertEquals(Mad.QPN_GSI, view.bth().destQp());
        assertEquals(Mad.Q_KEY_GSI, view.deth().qkey());
        assertEquals(Mad.QPN_GSI, view.deth().srcQp());
        assertEquals(Mad.MAD_LENGTH, view.payloadLength());

        final Mad mad = new Mad().wrap(view.segment(), view.payloadOffset());
        assertTrue(mad.isCm());
        assertEquals(Mad.ATTR_REQ, mad.attributeId());
        final CmReq in = new CmReq().wrap(view.segment(), view.payloadOffset());
        assertTrue(in.isValid());
        assertEquals(0xABCDL, in.transactionId());
        assertEquals(0x1234, in.localCommId());
        assertEquals(7471, CmIpPrivateData.servicePort(in.serviceId()));
        assertEquals(0x51, in.localQpn());
        assertEquals(0x777, in.startingPsn());
        assertEquals(3, in.pathMtu());
        assertEquals(SRC, in.primaryPath().localGidIpv4());
        final CmIpPrivateData ip = new CmIpPrivateData().wrap(view.segment(), in.offset() + in.privateDataOffset());
        assertTrue(ip.isIpv4());
        assertEquals(40000, ip.port());
        assertEquals(DST, ip.dstIpv4());
    }
}
