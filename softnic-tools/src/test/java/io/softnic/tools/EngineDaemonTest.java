package io.softnic.tools;

import io.softnic.engine.counters.CounterFile;
import io.softnic.hostif.CommandRing;
import io.softnic.hostif.VnicMessages;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The engine daemon in this JVM: its directory and lock, and the master's vNIC table over the command channel. */
@Timeout(30)
class EngineDaemonTest
{
    private static EngineDaemon start(final Path dir, final String port, final String... settings)
    {
        final EngineConfig cfg = new EngineConfig().set("dir", dir.toString()).set("port", port)
            .set("comp-vectors", "2");
        for (int i = 0; i < settings.length; i += 2)
        {
            cfg.set(settings[i], settings[i + 1]);
        }
        return EngineDaemon.start(cfg);
    }

    @Test
    void startsOwnerOnlyRefusesASecondEngineAndRemovesItsFiles(@TempDir final Path tmp) throws Exception
    {
        final Path dir = tmp.resolve("engine");
        try (EngineDaemon daemon = start(dir, "127.0.0.60"))
        {
            assertTrue(daemon.readyLine().startsWith("softnic engine ready: " + dir + ", ports 127.0.0.60, pid " +
                ProcessHandle.current().pid()), daemon.readyLine());
            assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(dir)));
            for (final String f : new String[] {"engine.lock", "control", "engine.counters"})
            {
                assertEquals("rw-------", PosixFilePermissions.toString(
                    Files.getPosixFilePermissions(dir.resolve(f))), f);
            }
            assertEquals(Long.toString(ProcessHandle.current().pid()),
                Files.readString(dir.resolve("engine.lock")).strip());

            final ToolFailure second = assertThrows(ToolFailure.class, () -> start(dir, "127.0.0.61"));
            assertTrue(second.getMessage().contains(dir + " is in use by a running engine (pid " +
                ProcessHandle.current().pid() + ")"), second.getMessage());
            final CliRun cli = CliRun.of("engine", "--dir", dir.toString(), "--port", "127.0.0.61");
            assertEquals(SoftnicCli.EXIT_FAILED, cli.exitCode(), cli::toString);
            assertTrue(cli.err().contains("is in use by a running engine"), cli::toString);
            assertTrue(Files.exists(dir.resolve("control")), "the refused engine touched nothing");

            final CliRun stat = CliRun.of("stat", "--engine-dir", dir.toString());
            assertEquals(0, stat.exitCode(), stat::toString);
        }
        assertFalse(Files.exists(dir), "the directory it created is gone with its files");

        // the directory is free again
        try (EngineDaemon again = start(dir, "127.0.0.60"))
        {
            assertTrue(Files.exists(dir.resolve("control")));
        }
    }

    @Test
    void vnicCreateListDeleteRoundTrip(@TempDir final Path tmp) throws Exception
    {
        final Path dir = tmp.resolve("engine");
        try (EngineDaemon daemon = start(dir, "127.0.0.62"))
        {
            final String engine = dir.toString();
            final CliRun empty = CliRun.of("vnic", "list", "--engine", engine);
            assertEquals(0, empty.exitCode(), empty::toString);
            assertTrue(empty.out().contains("no vNICs"), empty::toString);

            final CliRun a = CliRun.of("vnic", "create", "tenant-a", "--engine", engine, "--max-qps", "8",
                "--max-cqs", "4", "--max-mrs", "16", "--max-mr-bytes", "64M", "--eqs", "2");
            assertEquals(0, a.exitCode(), a::toString);
            assertTrue(a.out().contains("vnic tenant-a created (id 0): max_qps 8, max_cqs 4, max_mrs 16, " +
                "max_mr_bytes 67108864, eqs 2"), a::toString);
            final CliRun b = CliRun.of("vnic", "create", "tenant-b", "--engine", engine);
            assertEquals(0, b.exitCode(), b::toString);

            final CliRun list = CliRun.of("vnic", "list", "--engine", engine);
            assertEquals(0, list.exitCode(), list::toString);
            final String rowA = list.out().lines().filter(l -> l.startsWith("tenant-a ")).findFirst().orElseThrow();
            assertEquals("tenant-a 0 8 4 16 67108864 2 0 0 0 0 0 0", rowA.replaceAll("\\s+", " ").strip());
            assertTrue(list.out().lines().anyMatch(l -> l.startsWith("tenant-b ") && l.contains(" 256 ")),
                list::toString);
            assertEquals(2, daemon.vnics().size());

            // per-vNIC counters live in the counters file
            final Map<String, Long> counters = CounterFile.read(dir.resolve("engine.counters"));
            assertTrue(counters.containsKey("vnic_tenant-a_control_ops"), counters::toString);
            assertTrue(counters.containsKey("vnic_tenant-b_data_ops"), counters::toString);

            final CliRun del = CliRun.of("vnic", "delete", "tenant-a", "--engine", engine);
            assertEquals(0, del.exitCode(), del::toString);
            assertTrue(del.out().contains("vnic tenant-a deleted"), del::toString);
            final CliRun after = CliRun.of("vnic", "list", "--engine", engine);
            assertFalse(after.out().contains("tenant-a"), after::toString);
            assertTrue(after.out().contains("tenant-b"), after::toString);
            assertFalse(CounterFile.read(dir.resolve("engine.counters")).containsKey("vnic_tenant-a_control_ops"));

            // its slot and counters are reused, not leaked
            final CliRun c = CliRun.of("vnic", "create", "tenant-c", "--engine", engine);
            assertTrue(c.out().contains("(id 0)"), c::toString);
        }
    }

    @Test
    void listPagesThroughManyVnics(@TempDir final Path tmp)
    {
        final Path dir = tmp.resolve("engine");
        try (EngineDaemon daemon = start(dir, "127.0.0.63", "max-vnics", "40"))
        {
            for (int i = 0; i < 20; i++)
            {
                final CliRun r = CliRun.of("vnic", "create", String.format("v%02d", i), "--engine", dir.toString(),
                    "--max-qps", "4", "--max-cqs", "4", "--max-mrs", "4", "--max-mr-bytes", "1M");
                assertEquals(0, r.exitCode(), r::toString);
            }
            final CliRun list = CliRun.of("vnic", "list", "--engine", dir.toString());
            assertEquals(21, list.out().lines().count(), list::toString); // header + 20, over three pages
        }
    }

    @Test
    void quotasDuplicatesAndUnknownNamesAreRefusedClearly(@TempDir final Path tmp)
    {
        final Path dir = tmp.resolve("engine");
        try (EngineDaemon daemon = start(dir, "127.0.0.64", "max-vnics", "2", "max-qps", "100",
            "max-memory", "1G"))
        {
            final String engine = dir.toString();
            assertEquals(0, CliRun.of("vnic", "create", "a", "--engine", engine, "--max-qps", "60",
                "--max-mr-bytes", "512M").exitCode());

            final CliRun dup = CliRun.of("vnic", "create", "a", "--engine", engine, "--max-qps", "1");
            assertEquals(SoftnicCli.EXIT_FAILED, dup.exitCode(), dup::toString);
            assertTrue(dup.err().contains("a vNIC named a exists already"), dup::toString);

            final CliRun qps = CliRun.of("vnic", "create", "b", "--engine", engine, "--max-qps", "50");
            assertEquals(SoftnicCli.EXIT_FAILED, qps.exitCode(), qps::toString);
            assertTrue(qps.err().contains("not enough QPs left: asked 50, 40 of the engine's 100 (max-qps)"),
                qps::toString);

            final CliRun over = CliRun.of("vnic", "create", "b", "--engine", engine, "--max-qps", "101");
            assertEquals(SoftnicCli.EXIT_USAGE, over.exitCode(), over::toString);
            assertTrue(over.err().contains("max QPs 101 out of range 1..100"), over::toString);

            final CliRun eqs = CliRun.of("vnic", "create", "b", "--engine", engine, "--max-qps", "1", "--eqs", "3");
            assertEquals(SoftnicCli.EXIT_USAGE, eqs.exitCode(), eqs::toString);
            assertTrue(eqs.err().contains("EQs 3 out of range 1..2"), eqs::toString);

            final CliRun mem = CliRun.of("vnic", "create", "b", "--engine", engine, "--max-qps", "1",
                "--max-mr-bytes", "2G");
            assertEquals(SoftnicCli.EXIT_USAGE, mem.exitCode(), mem::toString);

            final CliRun neg = CliRun.of("vnic", "create", "b", "--engine", engine, "--max-qps", "-1");
            assertEquals(SoftnicCli.EXIT_USAGE, neg.exitCode(), neg::toString);
            final CliRun badName = CliRun.of("vnic", "create", "../etc", "--engine", engine);
            assertEquals(SoftnicCli.EXIT_USAGE, badName.exitCode(), badName::toString);
            assertTrue(badName.err().contains("bad vNIC name '../etc'"), badName::toString);

            assertEquals(0, CliRun.of("vnic", "create", "b", "--engine", engine, "--max-qps", "40",
                "--max-mr-bytes", "512M").exitCode());
            final CliRun full = CliRun.of("vnic", "create", "c", "--engine", engine, "--max-qps", "1");
            assertEquals(SoftnicCli.EXIT_FAILED, full.exitCode(), full::toString);
            assertTrue(full.err().contains("the engine has 2 vNICs, its limit (max-vnics)"), full::toString);

            final CliRun unknown = CliRun.of("vnic", "delete", "zz", "--engine", engine);
            assertEquals(SoftnicCli.EXIT_FAILED, unknown.exitCode(), unknown::toString);
            assertTrue(unknown.err().contains("no vNIC named zz"), unknown::toString);
            assertEquals(2, daemon.vnics().size());
        }
        final CliRun gone = CliRun.of("vnic", "list", "--engine", dir.toString());
        assertEquals(SoftnicCli.EXIT_FAILED, gone.exitCode(), gone::toString);
        assertTrue(gone.err().contains("no engine is running at " + dir), gone::toString);
    }

    @Test
    void malformedRequestsGetErrorAnswersAndTheEngineKeepsServing(@TempDir final Path tmp)
    {
        final Path dir = tmp.resolve("engine");
        try (EngineDaemon daemon = start(dir, "127.0.0.65");
             EngineClient client = EngineClient.open(dir))
        {
            final CommandRing ring = client.ring();
            // a length beyond the slot
            EngineClient.Response r = raw(ring, VnicMessages.VNIC_CREATE, 1_000_000);
            assertEquals(CommandRing.MALFORMED, r.status(), r::toString);
            assertTrue(r.message().contains("request length 1000000 out of range"), r::toString);
            // a negative length
            r = raw(ring, VnicMessages.VNIC_LIST, -5);
            assertEquals(CommandRing.MALFORMED, r.status(), r::toString);
            // a create of the wrong size
            r = client.call(VnicMessages.VNIC_CREATE, 12, at -> { });
            assertEquals(CommandRing.MALFORMED, r.status(), r::toString);
            // a name length field that runs past its field
            r = client.call(VnicMessages.VNIC_DELETE, VnicMessages.DELETE_LENGTH,
                at -> ring.region().set(ValueLayout.JAVA_SHORT, at, (short)0x7FFF));
            assertEquals(CommandRing.MALFORMED, r.status(), r::toString);
            assertTrue(r.message().contains("name length out of range"), r::toString);
            // a name with bytes no name has
            r = client.call(VnicMessages.VNIC_CREATE, VnicMessages.CREATE_LENGTH, at ->
            {
                VnicMessages.putName(ring.region(), at, "x");
                ring.region().set(ValueLayout.JAVA_BYTE, at + 2, (byte)0);
                VnicMessages.putQuota(ring.region(), at, new VnicMessages.Quota(1, 1, 1, 1, 1));
            });
            assertEquals(CommandRing.BAD_VALUE, r.status(), r::toString);
            // quotas of garbage
            r = client.call(VnicMessages.VNIC_CREATE, VnicMessages.CREATE_LENGTH, at ->
            {
                VnicMessages.putName(ring.region(), at, "x");
                VnicMessages.putQuota(ring.region(), at, new VnicMessages.Quota(-7, Integer.MIN_VALUE, 0,
                    Long.MIN_VALUE, 99));
            });
            assertEquals(CommandRing.BAD_VALUE, r.status(), r::toString);
            // an unknown operation, and a list from a wild index
            r = client.call(0x7777, 0, at -> { });
            assertEquals(CommandRing.UNKNOWN_OPCODE, r.status(), r::toString);
            r = client.call(VnicMessages.VNIC_LIST, VnicMessages.LIST_LENGTH,
                at -> ring.region().set(ValueLayout.JAVA_INT, at, Integer.MIN_VALUE));
            assertEquals(CommandRing.BAD_VALUE, r.status(), r::toString);
            // a slot in a state no client writes is reset by the engine's sweep
            ring.state(ring.slots() - 1, 0x5A5A5A5A);

            assertEquals(0, daemon.engine().errors(), "no agent error");
            assertEquals(0, daemon.vnics().size());
            final CliRun ok = CliRun.of("vnic", "create", "after", "--engine", dir.toString());
            assertEquals(0, ok.exitCode(), ok::toString);
            final EngineClient.Response ping = client.call(VnicMessages.PING, 0, at -> { });
            assertTrue(ping.ok());
            assertEquals(ProcessHandle.current().pid(), ping.payload().get(ValueLayout.JAVA_LONG, 0));
            final long deadline = System.nanoTime() + 5_000_000_000L;
            while (ring.state(ring.slots() - 1) != CommandRing.FREE && System.nanoTime() < deadline)
            {
                Thread.onSpinWait();
            }
            assertEquals(CommandRing.FREE, ring.state(ring.slots() - 1), "garbage state reclaimed");
        }
    }

    /** Publishes a request with a length field no honest client writes, straight into the ring. */
    private static EngineClient.Response raw(final CommandRing ring, final int opcode, final int length)
    {
        final int slot = ring.claim();
        final long at = ring.slotOffset(slot);
        ring.region().set(ValueLayout.JAVA_INT, at + CommandRing.OPCODE_OFFSET, opcode);
        ring.region().set(ValueLayout.JAVA_LONG, at + CommandRing.SLOT_CORRELATION_OFFSET, 991);
        ring.region().set(ValueLayout.JAVA_INT, at + CommandRing.REQUEST_LENGTH_OFFSET, length);
        ring.state(slot, CommandRing.REQUEST);
        java.lang.invoke.VarHandle.fullFence();
        ring.region().set(ValueLayout.JAVA_LONG, CommandRing.DOORBELL_OFFSET,
            ring.region().get(ValueLayout.JAVA_LONG, CommandRing.DOORBELL_OFFSET) + 1);
        final long deadline = System.nanoTime() + 5_000_000_000L;
        while (!ring.answered(slot, 991))
        {
            assertTrue(System.nanoTime() < deadline, "answered");
            Thread.onSpinWait();
        }
        final EngineClient.Response r = new EngineClient.Response(ring.status(slot),
            ring.getString(ring.payloadOffset(slot), ring.responseLength(slot)), null);
        ring.release(slot);
        return r;
    }
}
