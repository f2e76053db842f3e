package io.softnic.wire.cm;

import static io.softnic.wire.Bytes.toHex;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.softnic.wire.Bytes;
import io.softnic.wire.Mtu;
import java.lang.foreign.MemorySegment;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;

class CmMessagesTest {
    private static final int IP_A = 0xC0A80101; // 192.168.1.1
    private static final int IP_B = 0xC0A80102; // 192.168.1.2

    /** 256 zero bytes with the given hex strings placed at the given offsets. */
    private static String mad(final Object... offsetsAndHex) {
        final byte[] out = new byte[Mad.MAD_LENGTH];
        for (int i = 0; i < offsetsAndHex.length; i += 2) {
            final byte[] part = HexFormat.of().parseHex((String) offsetsAndHex[i + 1]);
            System.arraycopy(part, 0, out, (Integer) offsetsAndHex[i], part.length);
        }
        return HexFormat.of().formatHex(out);
    }

    private static final String CM_HEADER = "01070203" + "0000" + "0000" + "0000000012345678";

    @Test
    void reqVector() {
        final MemorySegment seg = Bytes.segment(Mad.MAD_LENGTH);
        final CmReq req = new CmReq().wrap(seg, 0).init(0x12345678L)
            .localCommId(0x11223344)
            .serviceId(CmIpPrivateData.tcpServiceId(20001))
            .localCaGuid(0x020000FFFE000001L)
            .localQKey(0x01234567)
            .localQpn(0xABCDEF)
            .responderResources(0x10)
            .initiatorDepth(0x0F)
            .remoteCmResponseTimeout(20)
            .transportServiceType(CmReq.TRANSPORT_RC)
            .endToEndFlowControl(true)
            .startingPsn(0x123456)
            .localCmResponseTimeout(20)
            .retryCount(7)
            .partitionKey(0xFFFF)
            .pathMtu(Mtu.MTU_4096)
            .rnrRetryCount(7)
            .maxCmRetries(15);
        req.primaryPath()
            .localLid(CmPath.LID_PERMISSIVE).remoteLid(CmPath.LID_PERMISSIVE)
            .localGidIpv4(IP_A).remoteGidIpv4(IP_B)
            .flowLabel(0xABCDE).packetRate(3).trafficClass(0x20).hopLimit(64)
            .sl(5).subnetLocal(true).localAckTimeout(14);
        new CmIpPrivateData().wrap(seg, CmReq.PRIVATE_DATA_OFFSET).ipv4(IP_A, 0xC350, IP_B);

        assertEquals(mad(
            0, CM_HEADER + "0010" + "0000" + "00000000",
            24, "11223344",                      // local comm id
            32, "0000000001064e21",              // service id: RDMA_PS_TCP, port 20001
            40, "020000fffe000001",              // local CA GUID
            52, "01234567",                      // local Q_Key
            56, "abcdef" + "10",                 // QPN, responder resources
            60, "000000" + "0f",                 // local EECN, initiator depth
            64, "000000" + "a1",                 // remote EECN; timeout 20 | RC | e2e
            68, "123456" + "a7",                 // starting PSN; timeout 20 | retry 7
            72, "ffff" + "57" + "f0",            // P_Key; MTU 5 | RNR 7; max retries 15
            76, "ffff" + "ffff",                 // primary LIDs
            80, "00000000000000000000ffffc0a80101",
            96, "00000000000000000000ffffc0a80102",
            112, "abcde003" + "20" + "40" + "58" + "70",
            164, "00" + "40" + "c350" + "000000000000000000000000c0a80101"
                + "000000000000000000000000c0a80102"),
            toHex(seg, 0, Mad.MAD_LENGTH));

        assertTrue(req.isValid());
        assertEquals(0xABCDEF, req.localQpn());
        assertEquals(IP_A, req.primaryPath().localGidIpv4());
        assertEquals(IP_B, req.primaryPath().remoteGidIpv4());
        assertEquals(Mtu.MTU_4096, req.pathMtu());
        final CmIpPrivateData ip = new CmIpPrivateData().wrap(seg, req.offset() + req.privateDataOffset());
        assertTrue(ip.isIpv4());
        assertEquals(0xC350, ip.port());
        assertEquals(IP_A, ip.srcIpv4());
        assertEquals(IP_B, ip.dstIpv4());
        assertEquals(20001, CmIpPrivateData.servicePort(req.serviceId()));
        assertEquals(CmIpPrivateData.RDMA_PS_TCP, CmIpPrivateData.servicePortSpace(req.serviceId()));
        assertTrue(CmIpPrivateData.isIpServiceId(req.serviceId()));
        assertFalse(CmIpPrivateData.isIpServiceId(0x0002C90300000001L));
    }

    @Test
    void reqFieldsAtSpecPositions() {
        final MemorySegment seg = Bytes.segment(Mad.MAD_LENGTH);
        final CmReq r = new CmReq().wrap(seg, 0);
        final FieldCheck f = new FieldCheck(seg, Mad.MAD_LENGTH);
        f.field("localCommId", 24, 0xFFFFFFFFL, 32, r::localCommId, r::localCommId);
        f.field("localQKey", 52, 0xFFFFFFFFL, 32, r::localQKey, r::localQKey);
        f.field("localQpn", 56, 0xFFFFFFL, 24, r::localQpn, r::localQpn);
        f.field("responderResources", 59, 0xFF, 8, r::responderResources, r::responderResources);
        f.field("localEecn", 60, 0xFFFFFFL, 24, r::localEecn, r::localEecn);
        f.field("initiatorDepth", 63, 0xFF, 8, r::initiatorDepth, r::initiatorDepth);
        f.field("remoteEecn", 64, 0xFFFFFFL, 24, r::remoteEecn, r::remoteEecn);
        f.field("remoteCmResponseTimeout", 67, 0xF8, 5, r::remoteCmResponseTimeout, r::remoteCmResponseTimeout);
        f.field("transportServiceType", 67, 0x06, 2, r::transportServiceType, r::transportServiceType);
        f.bit("endToEndFlowControl", 67, 0, r::endToEndFlowControl, r::endToEndFlowControl);
        f.field("startingPsn", 68, 0xFFFFFFL, 24, r::startingPsn, r::startingPsn);
        f.field("localCmResponseTimeout", 71, 0xF8, 5, r::localCmResponseTimeout, r::localCmResponseTimeout);
        f.field("retryCount", 71, 0x07, 3, r::retryCount, r::retryCount);
        f.field("partitionKey", 72, 0xFFFF, 16, r::partitionKey, r::partitionKey);
        f.field("pathMtu", 74, 0xF0, 4, r::pathMtu, r::pathMtu);
        f.bit("rdcExists", 74, 3, r::rdcExists, r::rdcExists);
        f.field("rnrRetryCount", 74, 0x07, 3, r::rnrRetryCount, r::rnrRetryCount);
        f.field("maxCmRetries", 75, 0xF0, 4, r::maxCmRetries, r::maxCmRetries);
        f.bit("srq", 75, 3, r::srq, r::srq);
        f.field("extendedTransportType", 75, 0x07, 3, r::extendedTransportType, r::extendedTransportType);
        f.bit("sapSupported", 163, 2, r::sapSupported, r::sapSupported);

        seg.fill((byte) 0);
        r.serviceId(0x0102030405060708L).localCaGuid(0x1112131415161718L);
        assertEquals(mad(32, "0102030405060708", 40, "1112131415161718"), toHex(seg, 0, Mad.MAD_LENGTH));
        assertEquals(0x0102030405060708L, r.serviceId());
        assertEquals(0x1112131415161718L, r.localCaGuid());

        checkPath(f, seg, r.primaryPath(), CmReq.PRIMARY_PATH_OFFSET);
        checkPath(f, seg, r.alternatePath(), CmReq.ALTERNATE_PATH_OFFSET);
    }

    private static void checkPath(final FieldCheck f, final MemorySegment seg, final CmPath p, final int at) {
        f.field("localLid", at, 0xFFFF, 16, p::localLid, p::localLid);
        f.field("remoteLid", at + 2, 0xFFFF, 16, p::remoteLid, p::remoteLid);
        f.field("flowLabel", at + 36, 0xFFFFF000L, 20, p::flowLabel, p::flowLabel);
        f.field("packetRate", at + 39, 0x3F, 6, p::packetRate, p::packetRate);
        f.field("trafficClass", at + 40, 0xFF, 8, p::trafficClass, p::trafficClass);
        f.field("hopLimit", at + 41, 0xFF, 8, p::hopLimit, p::hopLimit);
        f.field("sl", at + 42, 0xF0, 4, p::sl, p::sl);
        f.bit("subnetLocal", at + 42, 3, p::subnetLocal, p::subnetLocal);
        f.field("localAckTimeout", at + 43, 0xF8, 5, p::localAckTimeout, p::localAckTimeout);

        final MemorySegment gid = Bytes.hex("fe800000000000000202c9fffe123456");
        seg.fill((byte) 0);
        p.putLocalGid(gid, 0);
        p.putRemoteGid(Bytes.hex("00000000000000000000ffff7f000002"), 0);
        assertEquals(mad(at + 4, "fe800000000000000202c9fffe123456", at + 20, "00000000000000000000ffff7f000002"),
            toHex(seg, 0, Mad.MAD_LENGTH));
        final MemorySegment out = Bytes.segment(16);
        p.getLocalGid(out, 0);
        assertEquals("fe800000000000000202c9fffe123456", toHex(out, 0, 16));
        assertEquals(0x7F000002, p.remoteGidIpv4());
        assertThrows(IllegalArgumentException.class, p::localGidIpv4);
    }

    @Test
    void repVectorAndFields() {
        final MemorySegment seg = Bytes.segment(Mad.MAD_LENGTH);
        final CmRep rep = new CmRep().wrap(seg, 0).init(0x12345678L)
            .localCommId(0x55667788).remoteCommId(0x11223344)
            .localQKey(0x0A0B0C0D).localQpn(0x000123).startingPsn(0xFEDCBA)
            .responderResources(4).initiatorDepth(8)
            .targetAckDelay(15).failoverAccepted(CmRep.FAILOVER_NOT_SUPPORTED).endToEndFlowControl(true)
            .rnrRetryCount(7).srq(false)
            .localCaGuid(0x020000FFFE000002L);
        rep.putPrivateData(Bytes.hex("cafe"), 0, 2);
        assertEquals(mad(
            0, CM_HEADER + "0013" + "0000" + "00000000",
            24, "55667788" + "11223344" + "0a0b0c0d" + "00012300" + "00000000" + "fedcba00",
            48, "04" + "08" + "7b" + "e0" + "020000fffe000002",
            60, "cafe"),
            toHex(seg, 0, Mad.MAD_LENGTH));
        assertTrue(rep.isValid());

        final FieldCheck f = new FieldCheck(seg, Mad.MAD_LENGTH);
        final CmRep r = rep;
        f.field("remoteCommId", 28, 0xFFFFFFFFL, 32, r::remoteCommId, r::remoteCommId);
        f.field("localQKey", 32, 0xFFFFFFFFL, 32, r::localQKey, r::localQKey);
        f.field("localQpn", 36, 0xFFFFFFL, 24, r::localQpn, r::localQpn);
        f.field("localEecn", 40, 0xFFFFFFL, 24, r::localEecn, r::localEecn);
        f.field("startingPsn", 44, 0xFFFFFFL, 24, r::startingPsn, r::startingPsn);
        f.field("responderResources", 48, 0xFF, 8, r::responderResources, r::responderResources);
        f.field("initiatorDepth", 49, 0xFF, 8, r::initiatorDepth, r::initiatorDepth);
        f.field("targetAckDelay", 50, 0xF8, 5, r::targetAckDelay, r::targetAckDelay);
        f.field("failoverAccepted", 50, 0x06, 2, r::failoverAccepted, r::failoverAccepted);
        f.bit("endToEndFlowControl", 50, 0, r::endToEndFlowControl, r::endToEndFlowControl);
        f.field("rnrRetryCount", 51, 0xE0, 3, r::rnrRetryCount, r::rnrRetryCount);
        f.bit("srq", 51, 4, r::srq, r::srq);
        assertEquals(CmRep.PRIVATE_DATA_OFFSET + CmRep.PRIVATE_DATA_LENGTH, Mad.MAD_LENGTH);
    }

    @Test
    void rtuDrepDreqVectors() {
        final MemorySegment seg = Bytes.segment(Mad.MAD_LENGTH);
        new CmRtu().wrap(seg, 0).init(0x12345678L).localCommId(1).remoteCommId(2)
            .putPrivateData(Bytes.hex("01020304"), 0, 4);
        assertEquals(mad(0, CM_HEADER + "0014" + "0000" + "00000000", 24, "00000001" + "00000002" + "01020304"),
            toHex(seg, 0, Mad.MAD_LENGTH));

        final CmDreq dreq = new CmDreq().wrap(seg, 0).init(0x12345678L).localCommId(3).remoteCommId(4)
            .remoteQpnEecn(0xFFFFFF);
        assertEquals(mad(0, CM_HEADER + "0015" + "0000" + "00000000", 24, "00000003" + "00000004" + "ffffff00"),
            toHex(seg, 0, Mad.MAD_LENGTH));
        assertEquals(0xFFFFFF, dreq.remoteQpnEecn());
        assertEquals(36, dreq.privateDataOffset());
        assertEquals(220, dreq.privateDataLength());
        new FieldCheck(seg, Mad.MAD_LENGTH).field("remoteQpnEecn", 32, 0xFFFFFFL, 24,
            dreq::remoteQpnEecn, dreq::remoteQpnEecn);

        new CmDrep().wrap(seg, 0).init(0x12345678L).localCommId(5).remoteCommId(6);
        assertEquals(mad(0, CM_HEADER + "0016" + "0000" + "00000000", 24, "00000005" + "00000006"),
            toHex(seg, 0, Mad.MAD_LENGTH));
    }

    @Test
    void rejVectorAndFields() {
        final MemorySegment seg = Bytes.segment(Mad.MAD_LENGTH);
        final CmRej rej = new CmRej().wrap(seg, 0).init(0x12345678L)
            .localCommId(0x0000AAAA).remoteCommId(0x11223344)
            .messageRejected(CmMessage.MESSAGE_REQ)
            .reason(CmRej.INVALID_SERVICE_ID);
        rej.putAri(Bytes.hex("0102"), 0, 2);
        rej.putPrivateData(Bytes.hex("ff"), 0, 1);
        assertEquals(mad(
            0, CM_HEADER + "0012" + "0000" + "00000000",
            24, "0000aaaa" + "11223344" + "00" + "04" + "0008" + "0102",
            108, "ff"),
            toHex(seg, 0, Mad.MAD_LENGTH));
        assertEquals(2, rej.rejectInfoLength());
        assertEquals("INVALID_SERVICE_ID", CmRej.reasonName(rej.reason()));
        assertEquals("CONSUMER_DEFINED", CmRej.reasonName(28));
        assertEquals("DUPLICATE_LOCAL_COMM_ID", CmRej.reasonName(30));
        assertEquals("REASON(99)", CmRej.reasonName(99));

        final FieldCheck f = new FieldCheck(seg, Mad.MAD_LENGTH);
        f.field("messageRejected", 32, 0xC0, 2, rej::messageRejected, rej::messageRejected);
        f.field("rejectInfoLength", 33, 0xFE, 7, rej::rejectInfoLength, rej::rejectInfoLength);
        f.field("reason", 34, 0xFFFF, 16, rej::reason, rej::reason);
        assertThrows(IllegalArgumentException.class, () -> rej.putAri(Bytes.segment(73), 0, 73));
    }

    @Test
    void mraFields() {
        final MemorySegment seg = Bytes.segment(Mad.MAD_LENGTH);
        final CmMra mra = new CmMra().wrap(seg, 0).init(0x12345678L).localCommId(7).remoteCommId(8)
            .messageMraed(CmMessage.MESSAGE_REP).serviceTimeout(31);
        assertEquals(mad(0, CM_HEADER + "0011" + "0000" + "00000000", 24, "00000007" + "00000008" + "40" + "f8"),
            toHex(seg, 0, Mad.MAD_LENGTH));
        final FieldCheck f = new FieldCheck(seg, Mad.MAD_LENGTH);
        f.field("messageMraed", 32, 0xC0, 2, mra::messageMraed, mra::messageMraed);
        f.field("serviceTimeout", 33, 0xF8, 5, mra::serviceTimeout, mra::serviceTimeout);
        assertEquals(34, mra.privateDataOffset());
        assertEquals(222, mra.privateDataLength());
    }

    @Test
    void privateDataAreasEndAtTheMadEnd() {
        assertEquals(Mad.MAD_LENGTH, CmReq.PRIVATE_DATA_OFFSET + CmReq.PRIVATE_DATA_LENGTH);
        assertEquals(Mad.MAD_LENGTH, CmRep.PRIVATE_DATA_OFFSET + CmRep.PRIVATE_DATA_LENGTH);
        assertEquals(Mad.MAD_LENGTH, CmRtu.PRIVATE_DATA_OFFSET + CmRtu.PRIVATE_DATA_LENGTH);
        assertEquals(Mad.MAD_LENGTH, CmRej.PRIVATE_DATA_OFFSET + CmRej.PRIVATE_DATA_LENGTH);
        assertEquals(Mad.MAD_LENGTH, CmDreq.PRIVATE_DATA_OFFSET + CmDreq.PRIVATE_DATA_LENGTH);
        assertEquals(Mad.MAD_LENGTH, CmDrep.PRIVATE_DATA_OFFSET + CmDrep.PRIVATE_DATA_LENGTH);
        assertEquals(Mad.MAD_LENGTH, CmMra.PRIVATE_DATA_OFFSET + CmMra.PRIVATE_DATA_LENGTH);
        assertEquals(56, CmIpPrivateData.REQ_USER_DATA_LENGTH);
    }

    @Test
    void privateDataCopiesAndZeroesTheRest() {
        final MemorySegment seg = Bytes.segment(Mad.MAD_LENGTH);
        seg.fill((byte) 0x77);
        final CmRtu rtu = new CmRtu().wrap(seg, 0);
        rtu.putPrivateData(Bytes.hex("0102"), 0, 2);
        final MemorySegment out = Bytes.segment(CmRtu.PRIVATE_DATA_LENGTH);
        rtu.getPrivateData(out, 0, CmRtu.PRIVATE_DATA_LENGTH);
        assertEquals("0102" + "00".repeat(222), toHex(out, 0, CmRtu.PRIVATE_DATA_LENGTH));
        assertThrows(IllegalArgumentException.class, () -> rtu.putPrivateData(Bytes.segment(300), 0, 225));
        assertThrows(IllegalArgumentException.class, () -> rtu.getPrivateData(out, 0, -1));
    }

    @Test
    void madHeader() {
        final MemorySegment seg = Bytes.segment(Mad.MAD_LENGTH + 8);
        seg.fill((byte) 0x33);
        final Mad mad = new Mad().wrap(seg, 8).initCm(Mad.ATTR_DREQ, 0x0102030405060708L);
        assertEquals("01070203000000000102030405060708" + "0015" + "0000" + "00000000", toHex(seg, 8, 24));
        assertEquals("3333333333333333", toHex(seg, 0, 8));
        assertEquals("00".repeat(232), toHex(seg, 32, 232));
        assertTrue(mad.isCm());
        assertTrue(new CmDreq().wrap(seg, 8).isValid());
        assertFalse(new CmDrep().wrap(seg, 8).isValid());
        mad.status(0xABCD).classSpecific(0x1234).attributeModifier(0xFFFFFFFF).method(Mad.METHOD_GET_RESP);
        assertEquals("01070281" + "abcd" + "1234", toHex(seg, 8, 8));
        assertEquals("ffffffff", toHex(seg, 28, 4));
        assertEquals(0xABCD, mad.status());
        assertEquals(0x1234, mad.classSpecific());
        assertEquals(-1, mad.attributeModifier());
        assertEquals(0x0102030405060708L, mad.transactionId());
        assertEquals("DREQ", Mad.attributeName(mad.attributeId()));
        mad.classVersion(1);
        assertFalse(mad.isCm());
    }

    @Test
    void gidHelpers() {
        final MemorySegment seg = Bytes.segment(20);
        seg.fill((byte) 0x11);
        Gid.putIpv4Mapped(seg, 2, 0x7F000002);
        assertEquals("1111" + "00000000000000000000ffff7f000002" + "1111", toHex(seg, 0, 20));
        assertTrue(Gid.isIpv4Mapped(seg, 2));
        assertEquals(0x7F000002, Gid.ipv4FromMapped(seg, 2));
        assertEquals("::ffff:127.0.0.2", Gid.toString(seg, 2));
        final MemorySegment linkLocal = Bytes.hex("fe800000000000000202c9fffe123456");
        assertFalse(Gid.isIpv4Mapped(linkLocal, 0));
        assertThrows(IllegalArgumentException.class, () -> Gid.ipv4FromMapped(linkLocal, 0));
        assertEquals("fe80:0:0:0:202:c9ff:fe12:3456", Gid.toString(linkLocal, 0));
        assertFalse(Gid.isZero(linkLocal, 0));
        assertTrue(Gid.isZero(Bytes.segment(16), 0));
    }

    @Test
    void ipPrivateDataFields() {
        final MemorySegment seg = Bytes.segment(CmIpPrivateData.LENGTH);
        final CmIpPrivateData p = new CmIpPrivateData().wrap(seg, 0);
        final FieldCheck f = new FieldCheck(seg, CmIpPrivateData.LENGTH);
        f.field("version", 0, 0xFF, 8, p::version, p::version);
        f.field("ipVersion", 1, 0xF0, 4, p::ipVersion, p::ipVersion);
        f.field("port", 2, 0xFFFF, 16, p::port, p::port);
        seg.fill((byte) 0xEE);
        p.srcIpv4(IP_A).dstIpv4(IP_B);
        assertEquals("eeeeeeee" + "000000000000000000000000c0a80101" + "000000000000000000000000c0a80102",
            toHex(seg, 0, CmIpPrivateData.LENGTH));
        assertEquals(0x0000000001064E21L, CmIpPrivateData.tcpServiceId(20001));
        assertEquals(0x0000000001110000L | 7, CmIpPrivateData.serviceId(CmIpPrivateData.RDMA_PS_UDP, 7));
    }

    @Test
    void timeoutsAndMtu() {
        assertEquals(4_096L, CmTimeout.nanos(0));
        assertEquals(4_096L << 20, CmTimeout.nanos(20)); // ~4.3 s, rdma_cm's default CM response timeout
        assertEquals(20, CmTimeout.exponent(4_096L << 20));
        assertEquals(21, CmTimeout.exponent((4_096L << 20) + 1));
        assertEquals(0, CmTimeout.exponent(1));
        assertEquals(31, CmTimeout.exponent(Long.MAX_VALUE));
        assertThrows(IllegalArgumentException.class, () -> CmTimeout.nanos(32));
        assertEquals(256, Mtu.bytes(Mtu.MTU_256));
        assertEquals(4096, Mtu.bytes(Mtu.MTU_4096));
        assertEquals(Mtu.MTU_1024, Mtu.code(1500));
        assertEquals(Mtu.MTU_4096, Mtu.code(9000));
        assertEquals(0, Mtu.code(255));
        assertThrows(IllegalArgumentException.class, () -> Mtu.bytes(6));
    }
}
