package io.softnic.wire.cm;

import static io.softnic.wire.Bytes.toHex;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.softnic.wire.Bytes;
import java.lang.foreign.MemorySegment;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** LAP and APR at the byte positions of IBTA vol. 1 chapter 12 (the tables ib_cm's ibta_vol1_c12.h encodes). */
@Timeout(10)
class CmLapAprTest {
    private static final String CM_HEADER = "01070203" + "0000" + "0000" + "0000000012345678";

    private static String mad(final Object... offsetsAndHex) {
        final byte[] out = new byte[Mad.MAD_LENGTH];
        for (int i = 0; i < offsetsAndHex.length; i += 2) {
            final byte[] part = HexFormat.of().parseHex((String) offsetsAndHex[i + 1]);
            System.arraycopy(part, 0, out, (Integer) offsetsAndHex[i], part.length);
        }
        return HexFormat.of().formatHex(out);
    }

    @Test
    void lapVector() {
        final MemorySegment seg = Bytes.segment(Mad.MAD_LENGTH);
        final CmLap lap = new CmLap().wrap(seg, 0).init(0x12345678L)
            .localCommId(0x11223344).remoteCommId(0x55667788)
            .remoteQpnEecn(0xABCDEF).remoteCmResponseTimeout(20)
            .altLocalLid(CmPath.LID_PERMISSIVE).altRemoteLid(0x1234)
            .altLocalGidIpv4(0x7F000033).altRemoteGidIpv4(0x7F000032)
            .altFlowLabel(0xABCDE).altTrafficClass(0x20).altHopLimit(64).altPacketRate(3)
            .altSl(5).altSubnetLocal(true).altLocalAckTimeout(14);
        lap.putPrivateData(Bytes.hex("ee"), 0, 1);
        assertEquals(mad(
            0, CM_HEADER + "0019" + "0000" + "00000000",
            24, "11223344" + "55667788" + "00000000" + "abcdef" + "a0" + "00000000",
            44, "ffff" + "1234",
            48, "00000000000000000000ffff7f000033",
            64, "00000000000000000000ffff7f000032",
            80, "abcde0" + "20" + "40" + "03" + "58" + "70",
            88, "ee"),
            toHex(seg, 0, Mad.MAD_LENGTH));
        assertTrue(lap.isValid());
        assertFalse(new CmApr().wrap(seg, 0).isValid());
        assertEquals(0x11223344, lap.localCommId());
        assertEquals(0x55667788, lap.remoteCommId());
        assertEquals(0xABCDEF, lap.remoteQpnEecn());
        assertEquals(20, lap.remoteCmResponseTimeout());
        assertTrue(lap.altLocalGidIsIpv4() && lap.altRemoteGidIsIpv4());
        assertEquals(0x7F000033, lap.altLocalGidIpv4());
        assertEquals(0x7F000032, lap.altRemoteGidIpv4());
        assertEquals(0xABCDE, lap.altFlowLabel());
        assertEquals(0x20, lap.altTrafficClass());
        assertEquals(64, lap.altHopLimit());
        assertEquals(3, lap.altPacketRate());
        assertEquals(5, lap.altSl());
        assertTrue(lap.altSubnetLocal());
        assertEquals(14, lap.altLocalAckTimeout());
        assertEquals("LAP", Mad.attributeName(lap.attributeId()));
        assertEquals(Mad.MAD_LENGTH, CmLap.PRIVATE_DATA_OFFSET + CmLap.PRIVATE_DATA_LENGTH);
    }

    @Test
    void lapFieldsAtSpecPositions() {
        final MemorySegment seg = Bytes.segment(Mad.MAD_LENGTH);
        final CmLap l = new CmLap().wrap(seg, 0);
        final FieldCheck f = new FieldCheck(seg, Mad.MAD_LENGTH);
        f.field("localCommId", 24, 0xFFFFFFFFL, 32, l::localCommId, l::localCommId);
        f.field("remoteCommId", 28, 0xFFFFFFFFL, 32, l::remoteCommId, l::remoteCommId);
        f.field("remoteQpnEecn", 36, 0xFFFFFFL, 24, l::remoteQpnEecn, l::remoteQpnEecn);
        f.field("remoteCmResponseTimeout", 39, 0xF8, 5, l::remoteCmResponseTimeout, l::remoteCmResponseTimeout);
        f.field("altLocalLid", 44, 0xFFFF, 16, l::altLocalLid, l::altLocalLid);
        f.field("altRemoteLid", 46, 0xFFFF, 16, l::altRemoteLid, l::altRemoteLid);
        f.field("altFlowLabel", 80, 0xFFFFF000L, 20, l::altFlowLabel, l::altFlowLabel);
        f.field("altTrafficClass", 83, 0xFF, 8, l::altTrafficClass, l::altTrafficClass);
        f.field("altHopLimit", 84, 0xFF, 8, l::altHopLimit, l::altHopLimit);
        f.field("altPacketRate", 85, 0x3F, 6, l::altPacketRate, l::altPacketRate);
        f.field("altSl", 86, 0xF0, 4, l::altSl, l::altSl);
        f.bit("altSubnetLocal", 86, 3, l::altSubnetLocal, l::altSubnetLocal);
        f.field("altLocalAckTimeout", 87, 0xF8, 5, l::altLocalAckTimeout, l::altLocalAckTimeout);

        seg.fill((byte) 0);
        l.putAltLocalGid(Bytes.hex("fe800000000000000202c9fffe123456"), 0);
        l.putAltRemoteGid(Bytes.hex("00000000000000000000ffff7f000002"), 0);
        assertEquals(mad(48, "fe800000000000000202c9fffe123456", 64, "00000000000000000000ffff7f000002"),
            toHex(seg, 0, Mad.MAD_LENGTH));
        final MemorySegment out = Bytes.segment(16);
        l.getAltLocalGid(out, 0);
        assertEquals("fe800000000000000202c9fffe123456", toHex(out, 0, 16));
        l.getAltRemoteGid(out, 0);
        assertEquals("00000000000000000000ffff7f000002", toHex(out, 0, 16));
        assertFalse(l.altLocalGidIsIpv4());
        assertThrows(IllegalArgumentException.class, l::altLocalGidIpv4);
        assertEquals(0x7F000002, l.altRemoteGidIpv4());
    }

    @Test
    void aprVectorAndFields() {
        final MemorySegment seg = Bytes.segment(Mad.MAD_LENGTH);
        final CmApr apr = new CmApr().wrap(seg, 0).init(0x12345678L)
            .localCommId(0x55667788).remoteCommId(0x11223344)
            .apStatus(CmApr.INVALID_GID);
        apr.putInfo(Bytes.hex("0102"), 0, 2);
        apr.putPrivateData(Bytes.hex("ff"), 0, 1);
        assertEquals(mad(
            0, CM_HEADER + "001a" + "0000" + "00000000",
            24, "55667788" + "11223344" + "02" + "08" + "0000" + "0102",
            108, "ff"),
            toHex(seg, 0, Mad.MAD_LENGTH));
        assertTrue(apr.isValid());
        assertEquals(2, apr.infoLength());
        assertEquals(CmApr.INVALID_GID, apr.apStatus());
        final MemorySegment info = Bytes.segment(2);
        apr.getInfo(info, 0, 2);
        assertEquals("0102", toHex(info, 0, 2));
        assertEquals("INVALID_GID", CmApr.statusName(apr.apStatus()));
        assertEquals("AP_LOADED", CmApr.statusName(0));
        assertEquals("INVALID_SL", CmApr.statusName(13));
        assertEquals("AP_STATUS(99)", CmApr.statusName(99));
        assertEquals("APR", Mad.attributeName(apr.attributeId()));
        assertEquals(Mad.MAD_LENGTH, CmApr.PRIVATE_DATA_OFFSET + CmApr.PRIVATE_DATA_LENGTH);
        assertEquals(CmApr.PRIVATE_DATA_OFFSET, CmApr.INFO_OFFSET + CmApr.INFO_LENGTH);

        final FieldCheck f = new FieldCheck(seg, Mad.MAD_LENGTH);
        f.field("infoLength", 32, 0xFF, 8, apr::infoLength, apr::infoLength);
        f.field("apStatus", 33, 0xFF, 8, apr::apStatus, apr::apStatus);
        assertThrows(IllegalArgumentException.class, () -> apr.putInfo(Bytes.segment(73), 0, 73));
    }
}
