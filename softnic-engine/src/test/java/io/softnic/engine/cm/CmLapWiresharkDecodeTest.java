package io.softnic.engine.cm;

import io.softnic.wire.Bth;
import io.softnic.wire.Deth;
import io.softnic.wire.Icrc;
import io.softnic.wire.Mtu;
import io.softnic.wire.Opcode;
import io.softnic.wire.cm.CmApr;
import io.softnic.wire.cm.CmIpPrivateData;
import io.softnic.wire.cm.CmLap;
import io.softnic.wire.cm.Mad;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The alternate-path MADs as Wireshark's InfiniBand dissector sees them: a REQ carrying an alternate path, a LAP and
 * an APR, framed as softnic sends them (IPv4, UDP 4791, BTH, DETH, MAD, ICRC), written to a pcap file and read back
 * with tshark. Every packet must decode as a CM MAD of the right attribute, none malformed or flagged; the REQ's
 * alternate path fields must come out as written, and the LAP and APR bodies (which the dissector shows as MAD data)
 * must hold their fields at the IBTA offsets. No capture permission needed; skips where tshark is missing.
 */
@Timeout(60)
class CmLapWiresharkDecodeTest
{
    private static final int SRC = 0x7F00_0032; // 127.0.0.50
    private static final int DST = 0x7F00_0033; // 127.0.0.51

    @Test
    void wiresharkDecodesReqAlternatePathLapAndApr(@TempDir final Path dir) throws Exception
    {
        Assumptions.assumeTrue(canRun("tshark", "--version"), "tshark is not installed: skipping the Wireshark check");
        final CmMessages messages = new CmMessages();
        final MemorySegment req = MemorySegment.ofArray(new byte[Mad.MAD_LENGTH]);
        messages.req(req, 0x1111, 0xA1, new CmMessages.ReqFields(CmIpPrivateData.tcpServiceId(7500), 0x22L, 0x123,
            0x456, 8, 8, 7, 7, Mtu.MTU_1024, 14, 15, SRC, DST, 0xC001, new byte[0], 0x7F00_0034));
        final MemorySegment lap = MemorySegment.ofArray(new byte[Mad.MAD_LENGTH]);
        messages.lap(lap, 0x2222, 0xB2, 0xA1, 0x123, 0x7F00_0035, 0x7F00_0034, 14);
        final MemorySegment apr = MemorySegment.ofArray(new byte[Mad.MAD_LENGTH]);
        messages.apr(apr, 0x2222, 0xA1, 0xB2, CmApr.INVALID_GID);

        final Path pcap = dir.resolve("apm.pcap");
        final ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(pcapHeader());
        out.write(record(frame(SRC, DST, req)));
        out.write(record(frame(DST, SRC, lap)));
        out.write(record(frame(SRC, DST, apr)));
        Files.write(pcap, out.toByteArray());

        final Process read = new ProcessBuilder("tshark", "-r", pcap.toString(), "-T", "fields",
            "-e", "infiniband.mad.attributeid", "-e", "_ws.malformed", "-e", "_ws.expert.severity",
            "-e", "infiniband.cm.req.alt_localgid", "-e", "infiniband.cm.req.alt_remotegid",
            "-e", "infiniband.cm.req.alt_hoplim", "-e", "infiniband.mad.data").redirectError(ProcessBuilder.Redirect.DISCARD)
            .start();
        final List<String> lines = new String(read.getInputStream().readAllBytes(), StandardCharsets.UTF_8)
            .lines().toList();
        assertTrue(read.waitFor(30, TimeUnit.SECONDS));
        assertEquals(3, lines.size(), "three packets: " + lines);
        final String[][] f = new String[3][];
        for (int i = 0; i < 3; i++)
        {
            f[i] = lines.get(i).split("\t", -1);
            assertTrue(f[i].length >= 7, lines.get(i));
            assertTrue(f[i][1].isEmpty() && f[i][2].isEmpty(), "malformed or flagged: " + lines.get(i));
        }
        assertEquals("0x0010", f[0][0]);
        assertEquals("0x0019", f[1][0]);
        assertEquals("0x001a", f[2][0].toLowerCase());
        assertEquals("00000000000000000000ffff7f000034", f[0][3].replace(":", ""), "the REQ's alternate local GID");
        assertEquals("00".repeat(16), f[0][4].replace(":", ""), "the alternate remote GID left to the passive side");
        assertEquals("0x40", f[0][5]);

        // LAP and APR bodies: the MAD data the dissector shows starts at MAD offset 24
        final byte[] lapData = data(f[1][6]);
        assertEquals(Mad.DATA_LENGTH, lapData.length);
        assertEquals("00000000000000000000ffff7f000035", hex(lapData, CmLap.ALT_LOCAL_GID_OFFSET, 16));
        assertEquals("00000000000000000000ffff7f000034", hex(lapData, CmLap.ALT_REMOTE_GID_OFFSET, 16));
        assertEquals("000123", hex(lapData, CmLap.REMOTE_QPN_EECN_OFFSET, 3));
        assertEquals("ffffffff", hex(lapData, CmLap.ALT_LOCAL_LID_OFFSET, 4));
        final byte[] aprData = data(f[2][6]);
        assertEquals("000000a1" + "000000b2" + "00" + "08", hex(aprData, Mad.DATA_OFFSET, 10));
    }

    private static byte[] data(final String field)
    {
        return HexFormat.of().parseHex(field.replace(":", ""));
    }

    /** Hex of {@code length} bytes at MAD offset {@code madOffset} of MAD data that starts at MAD offset 24. */
    private static String hex(final byte[] data, final int madOffset, final int length)
    {
        return HexFormat.of().formatHex(data, madOffset - Mad.DATA_OFFSET, madOffset - Mad.DATA_OFFSET + length);
    }

    /** IPv4 + UDP + BTH + DETH + MAD + ICRC, as MadSender frames a MAD (IP identification 0, DF). */
    private static byte[] frame(final int src, final int dst, final MemorySegment mad)
    {
        final int roce = Bth.LENGTH + Deth.LENGTH + Mad.MAD_LENGTH + Icrc.LENGTH;
        final MemorySegment r = MemorySegment.ofArray(new byte[roce]);
        new Bth().wrap(r, 0).reset().opcode(Opcode.UD_SEND_ONLY).pkey(Bth.DEFAULT_PKEY).destQp(Mad.QPN_GSI).psn(1);
        new Deth().wrap(r, Bth.LENGTH).qkey(Mad.Q_KEY_GSI).srcQp(Mad.QPN_GSI);
        MemorySegment.copy(mad, 0, r, Bth.LENGTH + Deth.LENGTH, Mad.MAD_LENGTH);
        new Icrc().write(src, dst, 0xC000, 4791, r, 0, roce);
        final ByteBuffer b = ByteBuffer.allocate(20 + 8 + roce).order(ByteOrder.BIG_ENDIAN);
        b.put((byte)0x45).put((byte)0).putShort((short)(20 + 8 + roce)).putShort((short)0).putShort((short)0x4000)
            .put((byte)64).put((byte)17).putShort((short)0).putInt(src).putInt(dst);
        int sum = 0;
        for (int i = 0; i < 20; i += 2)
        {
            sum += b.getShort(i) & 0xFFFF;
        }
        sum = (sum & 0xFFFF) + (sum >>> 16);
        sum = (sum & 0xFFFF) + (sum >>> 16);
        b.putShort(10, (short)~sum);
        b.putShort((short)0xC000).putShort((short)4791).putShort((short)(8 + roce)).putShort((short)0);
        b.put(r.toArray(ValueLayout.JAVA_BYTE));
        return b.array();
    }

    /** pcap global header, link type 101 (raw IP). */
    private static byte[] pcapHeader()
    {
        return ByteBuffer.allocate(24).order(ByteOrder.LITTLE_ENDIAN).putInt(0xA1B2C3D4).putShort((short)2)
            .putShort((short)4).putInt(0).putInt(0).putInt(65535).putInt(101).array();
    }

    private static byte[] record(final byte[] packet)
    {
        return ByteBuffer.allocate(16 + packet.length).order(ByteOrder.LITTLE_ENDIAN).putInt(1).putInt(0)
            .putInt(packet.length).putInt(packet.length).put(packet).array();
    }

    private static boolean canRun(final String... command)
    {
        try
        {
            final Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
            p.getInputStream().readAllBytes();
            return p.waitFor(20, TimeUnit.SECONDS) && p.exitValue() == 0;
        }
        catch (final IOException ex)
        {
            return false;
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
            return false;
        }
    }
}
