package io.softnic.engine;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * A real cut: engine a lives in network namespace sn5a, engine b in sn5b, joined by two veth pairs (10.55.1.0/24 and
 * 10.55.2.0/24), one per port. Mid-stream one link is set down, or its traffic is dropped by an nftables rule; the
 * connection moves to the other pair and every message arrives exactly once, in order.
 */
@Tag("slow")
@Timeout(90)
class NamespaceCutTest
{
    private static final String A = "sn5a";
    private static final String B = "sn5b";

    @BeforeEach
    void createNamespaces()
    {
        final String why = NetNs.unavailableBecause();
        assumeTrue(why == null, () -> "skipping the namespace test: " + why);
        removeNamespaces();
        NetNs.run("ip", "netns", "add", A);
        NetNs.run("ip", "netns", "add", B);
        for (int link = 1; link <= 2; link++)
        {
            final String va = "v" + link + "a";
            final String vb = "v" + link + "b";
            NetNs.run("ip", "link", "add", va, "netns", A, "type", "veth", "peer", "name", vb, "netns", B);
            NetNs.run("ip", "-n", A, "addr", "add", "10.55." + link + ".1/24", "dev", va);
            NetNs.run("ip", "-n", B, "addr", "add", "10.55." + link + ".2/24", "dev", vb);
            NetNs.run("ip", "-n", A, "link", "set", va, "up");
            NetNs.run("ip", "-n", B, "link", "set", vb, "up");
        }
        NetNs.run("ip", "-n", A, "link", "set", "lo", "up");
        NetNs.run("ip", "-n", B, "link", "set", "lo", "up");
    }

    @AfterEach
    void removeNamespaces()
    {
        if (NetNs.unavailableBecause() == null)
        {
            NetNs.runQuietly("ip", "netns", "del", A);   // takes the veths with it
            NetNs.runQuietly("ip", "netns", "del", B);
        }
    }

    private static RcPair pair(final int timeoutCode)
    {
        return new RcPair(
            () -> NetNs.inside(A, () -> SoftnicEngine.launch(new EngineContext().name("ns-a").port("10.55.1.1")
                .port("10.55.2.1").threadingMode(ThreadingMode.SHARED))),
            () -> NetNs.inside(B, () -> SoftnicEngine.launch(new EngineContext().name("ns-b").port("10.55.1.2")
                .port("10.55.2.2").threadingMode(ThreadingMode.SHARED))),
            io.softnic.verbs.IbvAccess.LOCAL_WRITE | io.softnic.verbs.IbvAccess.ALL_REMOTE, init -> { },
            attr -> attr.timeout = timeoutCode);
    }

    @Test
    void linkSetDownMidStreamMovesTheConnectionToTheOtherLink()
    {
        try (RcPair pair = pair(12))
        {
            PathMigrationTest.arm(pair);
            PathMigrationTest.stream(pair, () -> NetNs.run("ip", "-n", A, "link", "set", "v1a", "down"));
            final Map<String, Long> a = pair.a.engine.counters().snapshot();
            final Map<String, Long> b = pair.b.engine.counters().snapshot();
            System.out.println("link down: a " + a + "\nb " + b);
            assertEquals(1L, a.get("port1_migrations"), "a left the dead link");
            assertEquals(1L, b.get("port1_migrations"), "b followed");
            assertTrue(a.get("port2_tx_packets") > 0 && b.get("port2_tx_packets") > 0);
        }
    }

    @Test
    void trafficDroppedByAFirewallRuleMovesTheConnectionThroughTimeouts()
    {
        assumeTrue(NetNs.has("nft"), "skipping: nftables (nft) is not installed");
        try (RcPair pair = pair(8))
        {
            PathMigrationTest.arm(pair);
            PathMigrationTest.stream(pair, () ->
            {
                NetNs.run("ip", "netns", "exec", B, "nft", "add", "table", "inet", "cut");
                NetNs.run("ip", "netns", "exec", B, "nft", "add", "chain", "inet", "cut", "in",
                    "{ type filter hook input priority 0 ; }");
                NetNs.run("ip", "netns", "exec", B, "nft", "add", "rule", "inet", "cut", "in", "iifname", "v1b",
                    "drop");
            });
            final Map<String, Long> a = pair.a.engine.counters().snapshot();
            assertEquals(1L, a.get("port1_migrations"), "a's resends timed out on link 1 and it moved");
            assertEquals(1L, pair.b.engine.counters().snapshot().get("port1_migrations"), "b followed");
        }
    }
}
