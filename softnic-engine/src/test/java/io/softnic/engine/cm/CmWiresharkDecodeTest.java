package io.softnic.engine.cm;

import io.softnic.cm.CmException;
import io.softnic.cm.CmParams;
import io.softnic.cm.RdmaCm;
import io.softnic.engine.ThreadingMode;
import io.softnic.verbs.IbvQp;
import io.softnic.wire.cm.CmRej;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;

import static io.softnic.engine.cm.CmConnectTest.serve;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Captures the CM exchanges of a connect, a disconnect and two refusals with tshark and has Wireshark's InfiniBand
 * dissector decode them: every packet must decode as a CM MAD (with rdma_cm's IP private data in the REQ), none
 * malformed or flagged. Needs tshark and permission to capture (root); skips otherwise.
 */
@Tag("slow")
@Timeout(60)
class CmWiresharkDecodeTest
{
    private static final int PORT = 7174;

    @Test
    void wiresharkDecodesEveryCmMad(@TempDir final Path dir) throws Exception
    {
        Assumptions.assumeTrue(canRun("tshark", "--version"), "tshark is not installed: skipping the Wireshark check");
        final Path pcap = dir.resolve("cm.pcap");
        final Process capture = new ProcessBuilder("tshark", "-i", "lo", "-f",
            "udp port 4791 and host " + CmSide.CLIENT, "-w", pcap.toString()).redirectErrorStream(true).start();
        final int clientQpn;
        try
        {
            Assumptions.assumeTrue(awaitCapturing(capture), "tshark cannot capture on lo here (not root?): skipping");
            clientQpn = exchange();
            Thread.sleep(500);
        }
        finally
        {
            capture.destroy();
            capture.waitFor(10, TimeUnit.SECONDS);
        }
        final Process read = new ProcessBuilder("tshark", "-r", pcap.toString(), "-T", "fields",
            "-e", "infiniband.mad.attributeid", "-e", "_ws.malformed", "-e", "_ws.expert.severity",
            "-e", "infiniband.cm.req.ip_cm.sip4", "-e", "infiniband.cm.req.localqpn", "-e", "infiniband.cm.rej.reason")
            .start();
        final List<String> lines = new String(read.getInputStream().readAllBytes(), StandardCharsets.UTF_8)
            .lines().toList();
        read.waitFor(20, TimeUnit.SECONDS);
        // REQ+REJ twice, REQ+REP+RTU, DREQ+DREP (more only if something was resent)
        assertTrue(lines.size() >= 9, "captured " + lines.size() + " packets");
        final Set<String> attributes = new TreeSet<>();
        final Set<Integer> reasons = new TreeSet<>();
        for (final String line : lines)
        {
            final String[] f = line.split("\t", -1);
            assertTrue(!f[0].isEmpty(), "packet not decoded as a MAD: " + line);
            assertTrue(f[1].isEmpty() && f[2].isEmpty(), "malformed or flagged: " + line);
            attributes.add(f[0]);
            if (f[0].equals("0x0010"))
            {
                assertEquals(CmSide.CLIENT, f[3], "rdma_cm's IP header decoded: " + line);
                assertEquals(clientQpn, Integer.decode(f[4]), line);
            }
            if (!f[5].isEmpty())
            {
                reasons.add(Integer.decode(f[5]));
            }
        }
        assertEquals(Set.of("0x0010", "0x0012", "0x0013", "0x0014", "0x0015", "0x0016"), attributes);
        assertEquals(Set.of(CmRej.INVALID_SERVICE_ID, CmRej.CONSUMER_DEFINED), reasons);
    }

    private static int exchange() throws Exception
    {
        try (CmSide client = new CmSide("cm-ws-a", CmSide.CLIENT, ThreadingMode.SHARED);
            CmSide server = new CmSide("cm-ws-b", CmSide.SERVER, ThreadingMode.SHARED);
            RdmaCm.Listener listener = server.cm.listen(PORT))
        {
            final IbvQp cq = client.newQp();
            final IbvQp sq = server.newQp();
            assertThrows(CmException.class, () ->
                client.cm.connect(cq, CmSide.SERVER, PORT + 1, CmParams.defaults(), Duration.ofSeconds(5)));
            final var rejected = serve(listener, r ->
            {
                r.reject(CmRej.CONSUMER_DEFINED);
                return true;
            });
            assertThrows(CmException.class, () ->
                client.cm.connect(cq, CmSide.SERVER, PORT, CmParams.defaults(), Duration.ofSeconds(5)));
            rejected.get(5, TimeUnit.SECONDS);
            final var accepted = serve(listener, r -> r.accept(sq, CmParams.defaults().withPrivateData(new byte[8])));
            final RdmaCm.Connection conn = client.cm.connect(cq, CmSide.SERVER, PORT,
                CmParams.defaults().withPrivateData(new byte[]{1, 2, 3}), Duration.ofSeconds(5));
            accepted.get(5, TimeUnit.SECONDS);
            conn.disconnect();
            return cq.qpNum();
        }
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

    /** Waits for tshark to say it is capturing; false if it exits or says nothing within 15 s. */
    private static boolean awaitCapturing(final Process capture) throws IOException, InterruptedException
    {
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
        final StringBuilder out = new StringBuilder();
        final var in = capture.getInputStream();
        while (System.nanoTime() < deadline)
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
            if (!capture.isAlive())
            {
                return false;
            }
            Thread.sleep(20);
        }
        return false;
    }
}
