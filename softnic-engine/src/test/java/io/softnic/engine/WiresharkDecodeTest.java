package io.softnic.engine;

import io.softnic.verbs.IbvRecvWr;
import io.softnic.verbs.IbvSendFlags;
import io.softnic.verbs.IbvSendWr;
import io.softnic.verbs.IbvWcStatus;
import io.softnic.verbs.IbvWrOpcode;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Captures a session of every opcode on loopback with tshark and has Wireshark's RoCE dissector decode every packet:
 * none may be malformed or carry a dissector error. Needs tshark and permission to capture (root); skips otherwise.
 */
@Tag("slow")
@Timeout(60)
class WiresharkDecodeTest
{
    @Test
    void wiresharkDecodesEveryPacket(@TempDir final Path dir) throws Exception
    {
        Assumptions.assumeTrue(canRun("tshark", "--version"), "tshark is not installed: skipping the Wireshark check");
        final Path pcap = dir.resolve("softnic.pcap");
        final Process capture = new ProcessBuilder("tshark", "-i", "lo", "-f", "udp port 4791", "-w", pcap.toString())
            .redirectErrorStream(true).start();
        try
        {
            Assumptions.assumeTrue(awaitCapturing(capture), "tshark cannot capture on lo here (not root?): skipping");
            exchangeEveryOpcode();
            Thread.sleep(500);
        }
        finally
        {
            capture.destroy();
            capture.waitFor(10, TimeUnit.SECONDS);
        }
        final Process read = new ProcessBuilder("tshark", "-r", pcap.toString(), "-T", "fields",
            "-e", "infiniband.bth.opcode", "-e", "_ws.malformed", "-e", "_ws.expert.severity").start();
        final List<String> lines = new String(read.getInputStream().readAllBytes(), StandardCharsets.UTF_8)
            .lines().toList();
        read.waitFor(20, TimeUnit.SECONDS);
        assertTrue(lines.size() > 10, "captured " + lines.size() + " packets");
        final Set<Integer> opcodes = new TreeSet<>();
        for (final String line : lines)
        {
            final String[] f = line.split("\t", -1);
            assertTrue(!f[0].isEmpty(), "packet not decoded as InfiniBand: " + line);
            assertTrue(f.length < 2 || f[1].isEmpty(), "malformed packet: " + line);
            opcodes.add(Integer.parseInt(f[0].split(",")[0]));
        }
        // SEND_ONLY, SEND_ONLY_IMM, WRITE_FIRST/LAST/ONLY(_IMM), READ request/response, ACK, atomic ACK, CMP_SWAP, FADD
        for (final int op : new int[]{4, 5, 6, 8, 10, 11, 12, 16, 17, 18, 19, 20})
        {
            assertTrue(opcodes.contains(op), "opcode " + op + " captured and decoded; saw " + opcodes);
        }
    }

    private static void exchangeEveryOpcode()
    {
        try (RcPair pair = new RcPair(RcPair.engine("a", "127.0.0.2"), RcPair.engine("b", "127.0.0.3")))
        {
            final IbvRecvWr rwr = new IbvRecvWr();
            rwr.sge(pair.b.mr.addr(), 4096, pair.b.mr.lkey());
            pair.b.qp.postRecv(rwr);
            pair.b.qp.postRecv(rwr);
            pair.b.qp.postRecv(rwr);
            final IbvSendWr wr = new IbvSendWr();
            final int[][] ops = {
                {IbvWrOpcode.SEND, 100}, {IbvWrOpcode.SEND_WITH_IMM, 100}, {IbvWrOpcode.RDMA_WRITE, 100},
                {IbvWrOpcode.RDMA_WRITE, 3000}, {IbvWrOpcode.RDMA_WRITE_WITH_IMM, 10}, {IbvWrOpcode.RDMA_READ, 500},
                {IbvWrOpcode.ATOMIC_CMP_AND_SWP, 8}, {IbvWrOpcode.ATOMIC_FETCH_AND_ADD, 8}};
            for (final int[] op : ops)
            {
                wr.reset();
                wr.opcode = op[0];
                wr.sendFlags = IbvSendFlags.SIGNALED;
                wr.remoteAddr = pair.b.mr.addr() + 8192;
                wr.rkey = pair.b.mr.rkey();
                wr.sge(pair.a.mr.addr(), op[1], pair.a.mr.lkey());
                pair.a.qp.postSend(wr);
                assertEquals(IbvWcStatus.SUCCESS, pair.a.awaitOne(pair.a.sendCq).status, IbvWrOpcode.name(op[0]));
            }
        }
    }

    private static boolean awaitCapturing(final Process capture) throws IOException, InterruptedException
    {
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        final StringBuilder out = new StringBuilder();
        final var in = capture.getInputStream();
        while (System.nanoTime() < deadline && capture.isAlive())
        {
            while (in.available() > 0)
            {
                out.append((char)in.read());
            }
            if (out.indexOf("Capturing on") >= 0)
            {
                Thread.sleep(300);
                return true;
            }
            Thread.sleep(50);
        }
        return false;
    }

    private static boolean canRun(final String... command)
    {
        try
        {
            final Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
            p.getInputStream().readAllBytes();
            return p.waitFor(10, TimeUnit.SECONDS) && p.exitValue() == 0;
        }
        catch (final IOException | InterruptedException ex)
        {
            return false;
        }
    }
}
