package io.softnic.tools;

import io.softnic.hostif.VnicMessages;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * The demo's tenant part: an engine daemon in this process with two vNICs, two tenant JVMs ({@link DemoTenant})
 * attached to them, an RDMA WRITE and a SEND from one to the other through the engine (its internal loopback), what
 * each did and the per-vNIC counters. What the machine cannot do (no /dev/shm, no java binary, the address taken) is
 * said and skipped; wrong data or a tenant that fails is a failure.
 */
final class DemoTenants
{
    private static final long STEP_NANOS = TimeUnit.SECONDS.toNanos(25);
    private static final String[] NAMES = {"alice", "bob"};

    private final PrintStream out;
    private final String address;

    DemoTenants(final PrintStream out, final String address)
    {
        this.out = out;
        this.address = address;
    }

    /** A tenant process and the lines it printed, read by a thread of its own. */
    private static final class Tenant implements AutoCloseable
    {
        final String vnic;
        final Process process;
        final PrintWriter in;
        final BlockingQueue<String> lines = new LinkedBlockingQueue<>();
        final List<String> all = new ArrayList<>();

        Tenant(final String vnic, final Process process)
        {
            this.vnic = vnic;
            this.process = process;
            this.in = new PrintWriter(process.getOutputStream(), true, StandardCharsets.US_ASCII);
            Thread.ofPlatform().daemon().name("demo-tenant-" + vnic).start(() ->
            {
                try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(),
                    StandardCharsets.US_ASCII)))
                {
                    String l;
                    while ((l = r.readLine()) != null)
                    {
                        lines.add(l);
                    }
                }
                catch (final IOException ignore)
                {
                    // the process went away
                }
                lines.add("EOF");
            });
        }

        /** The next line starting with {@code word} (other lines are kept for the report), or a failure. */
        String await(final String word, final long deadline) throws InterruptedException
        {
            while (true)
            {
                final String l = lines.poll(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
                if (l == null)
                {
                    throw new ToolFailure("tenant " + vnic + " printed no " + word + " within " +
                        TimeUnit.NANOSECONDS.toSeconds(STEP_NANOS) + " s" + tail());
                }
                if (l.startsWith(word + " "))
                {
                    return l.substring(word.length() + 1);
                }
                if (l.startsWith("FAIL ") || l.equals("EOF"))
                {
                    throw new ToolFailure("tenant " + vnic + " failed: " + (l.equals("EOF") ?
                        "it exited" + tail() : l.substring(5)));
                }
                all.add(l);
            }
        }

        private String tail()
        {
            return all.isEmpty() ? "" : " (it said: " + String.join(" | ", all.subList(Math.max(0, all.size() - 3),
                all.size())) + ")";
        }

        @Override
        public void close()
        {
            in.close();
            try
            {
                if (!process.waitFor(3, TimeUnit.SECONDS))
                {
                    process.destroyForcibly().waitFor(2, TimeUnit.SECONDS);
                }
            }
            catch (final InterruptedException ex)
            {
                process.destroyForcibly();
                Thread.currentThread().interrupt();
            }
        }
    }

    /** Runs the part; returns false if it was skipped (and said why), throws on a failure. */
    boolean run() throws InterruptedException
    {
        final Path shm = Path.of("/dev/shm");
        if (!Files.isDirectory(shm) || !Files.isWritable(shm))
        {
            out.println("  skipped: tenants share memory through files in /dev/shm, and this machine has none");
            return false;
        }
        final String java = ProcessHandle.current().info().command().orElse(null);
        final String classPath = System.getProperty("java.class.path");
        if (java == null || classPath == null || classPath.isEmpty())
        {
            out.println("  skipped: cannot tell which java binary and class path to start the tenants with");
            return false;
        }
        final Path dir = LocalEngine.countersDir().resolve("demo-tenants-" + ProcessHandle.current().pid());
        final EngineConfig config = new EngineConfig().set("dir", dir.toString()).set("port", address)
            .set("comp-vectors", "1").set("tenant-timeout", "5000").set("max-vnics", "2").set("name", "demo-tenants");
        final EngineDaemon daemon;
        try
        {
            daemon = EngineDaemon.start(config);
        }
        catch (final ToolFailure ex)
        {
            out.println("  skipped: " + SoftnicCli.oneLine(ex.getMessage()));
            return false;
        }
        try (daemon)
        {
            out.printf("  engine daemon in this process: %s on %s:4791 (what 'softnic engine --dir %s' runs)%n",
                config.name, address, dir);
            for (final String name : NAMES)
            {
                final VnicMessages.Quota quota = new VnicMessages.Quota(2, 2, 2, 1 << 20, 1);
                daemon.vnics().create(name, quota);
                out.printf("  vNIC %-6s created: at most %d QPs, %d CQs, %d MRs, 1 MiB registered ('softnic vnic " +
                    "create')%n", name, quota.maxQps(), quota.maxCqs(), quota.maxMrs());
            }
            final List<Tenant> tenants = new ArrayList<>();
            try
            {
                for (int i = 0; i < NAMES.length; i++)
                {
                    final Process p;
                    try
                    {
                        p = new ProcessBuilder(java, "--enable-native-access=ALL-UNNAMED", "-Xmx64m",
                            "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-cp", classPath,
                            DemoTenant.class.getName(), dir.toString(), NAMES[i], i == 0 ? "writer" : "receiver")
                            .redirectErrorStream(true).start();
                    }
                    catch (final IOException ex)
                    {
                        out.println("  skipped: cannot start a tenant JVM: " + ex.getMessage());
                        return false;
                    }
                    tenants.add(new Tenant(NAMES[i], p));
                }
                exchange(tenants, ipv4(address));
                counters(dir);
                out.println("  data_ops: doorbells each tenant rang in its vNIC's own shared-memory ring (a receive needs " +
                    "none), never a message to the master; control_ops: setup calls to the master");
            }
            finally
            {
                tenants.forEach(Tenant::close);
            }
        }
        out.println("  tenants detached, engine stopped, " + dir + " removed");
        return true;
    }

    private void exchange(final List<Tenant> tenants, final int ipv4) throws InterruptedException
    {
        final long deadline = System.nanoTime() + STEP_NANOS;
        final String[] ready = new String[tenants.size()];
        for (int i = 0; i < tenants.size(); i++)
        {
            ready[i] = tenants.get(i).await("READY", deadline);
            final String[] r = ready[i].split(" ");
            out.printf("  tenant %-6s pid %-7s attached: QP 0x%06x, PSN 0x%06x, MR at 0x%x rkey 0x%x%n",
                tenants.get(i).vnic, r[5], Integer.parseInt(r[0]), Integer.parseInt(r[1]), Long.parseLong(r[2]),
                Integer.parseInt(r[3]));
        }
        out.println("  QP numbers, PSNs, addresses and rkeys relayed through the demo (stdin/stdout); each side " +
            "connects its QP with modify_qp (INIT, RTR, RTS)");
        for (int i = 0; i < tenants.size(); i++)
        {
            final String[] peer = ready[1 - i].split(" ");
            tenants.get(i).in.println("PEER " + ipv4 + " " + peer[0] + " " + peer[1] + " " + peer[2] + " " +
                peer[3]);
        }
        final Tenant writer = tenants.get(0);
        final Tenant receiver = tenants.get(1);
        out.println("  " + writer.vnic + ": " + writer.await("DID", deadline));
        out.println("  " + receiver.vnic + ":   " + receiver.await("DID", deadline));
        for (final Tenant t : tenants)
        {
            t.in.println("BYE");
        }
        for (final Tenant t : tenants)
        {
            final long left = Math.max(1, deadline - System.nanoTime());
            if (!t.process.waitFor(left, TimeUnit.NANOSECONDS) || t.process.exitValue() != 0)
            {
                throw new ToolFailure("tenant " + t.vnic + " did not exit cleanly" +
                    (t.process.isAlive() ? "" : " (exit " + t.process.exitValue() + ")"));
            }
        }
    }

    private void counters(final Path dir)
    {
        out.println("  per-vNIC counters (softnic stat --engine " + dir + "):");
        for (final String name : NAMES)
        {
            final Map<String, Long> c = VnicCounters.of(dir, name);
            out.printf("    vNIC %-6s control_ops=%d data_ops=%d%n", name, c.getOrDefault("control_ops", 0L),
                c.getOrDefault("data_ops", 0L));
        }
    }

    /** Dotted IPv4 as the int verbs take. */
    private static int ipv4(final String dotted)
    {
        final String[] p = dotted.split("\\.");
        return Integer.parseInt(p[0]) << 24 | Integer.parseInt(p[1]) << 16 | Integer.parseInt(p[2]) << 8 |
            Integer.parseInt(p[3]);
    }
}
