package io.softnic.engine;

import io.softnic.verbs.IbvMigState;
import io.softnic.verbs.IbvQpAttr;
import io.softnic.verbs.IbvQpAttrMask;
import io.softnic.verbs.IbvQpState;
import io.softnic.verbs.IbvRecvWr;
import io.softnic.verbs.IbvSendFlags;
import io.softnic.verbs.IbvSendWr;
import io.softnic.verbs.IbvWc;
import io.softnic.verbs.IbvWcOpcode;
import io.softnic.verbs.IbvWcStatus;
import io.softnic.verbs.IbvWrOpcode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Two engines with two ports each (a: 127.0.0.2 and .4, b: 127.0.0.3 and .5). A connection runs on the ports 1
 * with the ports 2 armed as its alternate path; a port going down mid-stream moves it there without losing or
 * repeating a byte, whether the administrator takes the port down on this side (immediate migration) or on the
 * other (this side finds out through retransmission timeouts).
 */
@Timeout(60)
class PathMigrationTest
{
    private static final int MESSAGES = 400;
    private static final int SIZE = 2000;
    private static final int SLOT = 2048;

    private static EngineContext twoPorts(final String name, final String first, final String second)
    {
        return RcPair.engine(name, first).port(second);
    }

    private static RcPair pair(final int timeoutCode)
    {
        return new RcPair(twoPorts("a", "127.0.0.2", "127.0.0.4"), twoPorts("b", "127.0.0.3", "127.0.0.5"),
            io.softnic.verbs.IbvAccess.LOCAL_WRITE | io.softnic.verbs.IbvAccess.ALL_REMOTE, init -> { },
            attr ->
            {
                attr.timeout = timeoutCode;
                attr.retryCnt = 7;
            });
    }

    /** Loads the ports 2 as the alternate path of both QPs and arms it (RTS to RTS, as with ibv_modify_qp). */
    static void arm(final RcPair pair)
    {
        arm(pair.a, pair.b);
        arm(pair.b, pair.a);
    }

    private static void arm(final RcPair.Side local, final RcPair.Side remote)
    {
        final IbvQpAttr attr = new IbvQpAttr();
        attr.qpState = IbvQpState.RTS;
        attr.altAhAttr.dgidIpv4 = remote.engine.port(1).ipv4();
        attr.altPortNum = 2;
        attr.pathMigState = IbvMigState.ARMED;
        local.qp.modify(attr, IbvQpAttrMask.STATE | IbvQpAttrMask.ALT_PATH | IbvQpAttrMask.PATH_MIG_STATE);
        final IbvQpAttr got = new IbvQpAttr();
        local.qp.query(got);
        assertEquals(IbvMigState.ARMED, got.pathMigState);
        assertEquals(2, got.altPortNum);
        assertEquals(remote.engine.port(1).ipv4(), got.altAhAttr.dgidIpv4);
    }

    @Test
    void administratorTakesTheSendersPortDownMidStream()
    {
        try (RcPair pair = pair(12))
        {
            arm(pair);
            stream(pair, () -> assertEquals(1, pair.a.engine.portDown(1), "the armed QP migrated at once"));
            final Map<String, Long> a = pair.a.engine.counters().snapshot();
            final Map<String, Long> b = pair.b.engine.counters().snapshot();
            assertEquals(1L, a.get("port1_migrations"));
            assertEquals(1L, b.get("port1_migrations"), "b followed when a's packets came along the alternate path");
            assertTrue(a.get("port2_tx_packets") > 0 && b.get("port2_tx_packets") > 0, "both now send on port 2");
            final IbvQpAttr attr = new IbvQpAttr();
            pair.a.qp.query(attr);
            assertEquals(IbvMigState.MIGRATED, attr.pathMigState);
            assertEquals(2, attr.portNum);
            assertEquals(1, attr.altPortNum, "the old primary is the alternate now, disarmed");
        }
    }

    @Test
    void retransmissionTimeoutsMoveTheSenderWhenThePeersPortGoesDown()
    {
        try (RcPair pair = pair(8))     // 1 ms ACK timeout
        {
            arm(pair);
            stream(pair, () -> pair.b.engine.portDown(1));
            final Map<String, Long> a = pair.a.engine.counters().snapshot();
            assertEquals(1L, a.get("port1_migrations"), "a left port 1 after its resends timed out");
            assertTrue(pair.a.engine.counters().get(io.softnic.engine.counters.EngineCounters.RETRANSMIT_TIMEOUTS)
                >= 2, "two timeouts on the primary before migrating");
            assertEquals(1L, pair.b.engine.counters().snapshot().get("port1_migrations"));
        }
    }

    @Test
    void withoutAnAlternatePathTheConnectionFailsAfterItsRetries()
    {
        try (RcPair pair = pair(8))
        {
            pair.a.engine.portDown(1);
            final IbvSendWr wr = new IbvSendWr();
            wr.wrId = 77;
            wr.opcode = IbvWrOpcode.RDMA_WRITE;
            wr.sendFlags = IbvSendFlags.SIGNALED;
            wr.remoteAddr = pair.b.mr.addr();
            wr.rkey = pair.b.mr.rkey();
            wr.sge(pair.a.mr.addr(), 64, pair.a.mr.lkey());
            pair.a.qp.postSend(wr);
            final IbvWc wc = pair.a.awaitOne(pair.a.sendCq);
            assertEquals(IbvWcStatus.RETRY_EXC_ERR, wc.status);
            assertEquals(77, wc.wrId);
            assertTrue(pair.a.engine.counters().snapshot().get("port1_down_drops") >= 8, "1 + 7 retries dropped");
        }
    }

    @Test
    void armingNeedsAnAlternatePath()
    {
        try (RcPair pair = pair(14))
        {
            final IbvQpAttr attr = new IbvQpAttr();
            attr.qpState = IbvQpState.RTS;
            attr.pathMigState = IbvMigState.ARMED;
            final var ex = org.junit.jupiter.api.Assertions.assertThrows(io.softnic.verbs.VerbsException.class,
                () -> pair.a.qp.modify(attr, IbvQpAttrMask.STATE | IbvQpAttrMask.PATH_MIG_STATE));
            assertTrue(ex.getMessage().contains("no alternate path"), ex.getMessage());
            attr.altAhAttr.dgidIpv4 = pair.b.engine.port(1).ipv4();
            attr.altPortNum = 3;
            final var noPort = org.junit.jupiter.api.Assertions.assertThrows(io.softnic.verbs.VerbsException.class,
                () -> pair.a.qp.modify(attr, IbvQpAttrMask.STATE | IbvQpAttrMask.ALT_PATH));
            assertTrue(noPort.getMessage().contains("port 3 does not exist"), noPort.getMessage());
        }
    }

    @Test
    void portsAddNoThreads()
    {
        final int before = engineThreads();
        try (SoftnicEngine one = SoftnicEngine.launch(new EngineContext().name("one").port("127.0.0.2")
            .threadingMode(ThreadingMode.DEDICATED)))
        {
            final int withOne = engineThreads() - before;
            try (SoftnicEngine four = SoftnicEngine.launch(new EngineContext().name("four").port("127.0.0.3")
                .port("127.0.0.4").port("127.0.0.5").port("127.0.0.6").threadingMode(ThreadingMode.DEDICATED)))
            {
                assertEquals(4, four.portCount());
                assertEquals(withOne, engineThreads() - before - withOne,
                    "an engine with four ports runs as many threads as one with one port");
            }
        }
    }

    @Test
    void aFloodOnOnePortDoesNotStarveTheOther() throws Exception
    {
        try (RcPair pair = new RcPair(twoPorts("a", "127.0.0.2", "127.0.0.4"), twoPorts("b", "127.0.0.3", "127.0.0.5"),
            io.softnic.verbs.IbvAccess.LOCAL_WRITE | io.softnic.verbs.IbvAccess.ALL_REMOTE, init -> { },
            attr ->
            {
                attr.ahAttr.portNum = 2;                      // the connection runs on the ports 2
                attr.ahAttr.dgidIpv4 = 0x7F000000 | (attr.ahAttr.dgidIpv4 == 0x7F000003 ? 5 : 4);
            });
             java.nio.channels.DatagramChannel flood = java.nio.channels.DatagramChannel.open())
        {
            final java.util.concurrent.atomic.AtomicBoolean stop = new java.util.concurrent.atomic.AtomicBoolean();
            final java.net.InetSocketAddress target = new java.net.InetSocketAddress("127.0.0.3", 4791);
            final Thread flooder = new Thread(() ->
            {
                final java.nio.ByteBuffer junk = java.nio.ByteBuffer.allocateDirect(1024);
                while (!stop.get())
                {
                    try
                    {
                        flood.send(junk.clear(), target);   // zeros: malformed for b's port 1
                    }
                    catch (final java.io.IOException ex)
                    {
                        return;
                    }
                }
            }, "flood");
            flooder.start();
            try
            {
                stream(pair, () -> { });
            }
            finally
            {
                stop.set(true);
                flooder.join(5_000);
            }
            final Map<String, Long> b = pair.b.engine.counters().snapshot();
            assertTrue(b.get("port1_rx_packets") > 1000, "port 1 was flooded: " + b.get("port1_rx_packets"));
            final io.softnic.engine.counters.EngineCounters c = pair.b.engine.counters();
            assertTrue(c.get(io.softnic.engine.counters.EngineCounters.MALFORMED_DROPPED) +
                c.get(io.softnic.engine.counters.EngineCounters.ICRC_ERRORS) > 1000, "the junk was dropped");
            assertTrue(b.get("port2_rx_packets") >= MESSAGES, "the connection's traffic came in on port 2");
        }
    }

    private static int engineThreads()
    {
        return (int)Thread.getAllStackTraces().keySet().stream()
            .filter(t -> t.isAlive() && t.getName().startsWith("softnic")).count();
    }

    /**
     * a SENDs MESSAGES numbered messages to b, pulling {@code cut} when a quarter have been received; every message
     * must arrive exactly once, in order, with its bytes.
     */
    static void stream(final RcPair pair, final Runnable cut)
    {
        final IbvRecvWr rwr = new IbvRecvWr();
        for (int i = 0; i < MESSAGES; i++)
        {
            rwr.numSge = 0;
            rwr.wrId = i;
            rwr.sge(pair.b.mr.addr() + (long)i * SLOT, SLOT, pair.b.mr.lkey());
            pair.b.qp.postRecv(rwr);
        }
        final IbvSendWr swr = new IbvSendWr();
        int received = 0;
        for (int i = 0; i < MESSAGES; i++)
        {
            QpKit.fill(pair.a.buffer, (long)i * SLOT, SIZE, 1000 + i);
            swr.reset();
            swr.wrId = i;
            swr.opcode = IbvWrOpcode.SEND;
            swr.sendFlags = IbvSendFlags.SIGNALED;
            swr.sge(pair.a.mr.addr() + (long)i * SLOT, SIZE, pair.a.mr.lkey());
            pair.a.qp.postSend(swr);
            if (i == MESSAGES / 4)
            {
                received += check(pair, pair.b.await(pair.b.recvCq, i + 1 - received, Duration.ofSeconds(10)),
                    received);
                cut.run();
            }
        }
        while (received < MESSAGES)
        {
            final List<IbvWc> got = pair.b.await(pair.b.recvCq, MESSAGES - received, Duration.ofSeconds(20));
            assertTrue(!got.isEmpty(), "stalled after " + received + " messages; a: " +
                pair.a.engine.counters().snapshot() + " b: " + pair.b.engine.counters().snapshot());
            received += check(pair, got, received);
        }
        final List<IbvWc> sends = pair.a.await(pair.a.sendCq, MESSAGES, Duration.ofSeconds(20));
        assertEquals(MESSAGES, sends.size());
        for (int i = 0; i < MESSAGES; i++)
        {
            assertEquals(IbvWcStatus.SUCCESS, sends.get(i).status, "send " + i);
            assertEquals(i, sends.get(i).wrId);
        }
        assertTrue(pair.b.drain(pair.b.recvCq, Duration.ofMillis(50)).isEmpty(), "nothing arrives twice");
    }

    private static int check(final RcPair pair, final List<IbvWc> got, final int from)
    {
        for (int k = 0; k < got.size(); k++)
        {
            final IbvWc wc = got.get(k);
            final int i = from + k;
            assertEquals(IbvWcStatus.SUCCESS, wc.status, "receive " + i);
            assertEquals(IbvWcOpcode.RECV, wc.opcode);
            assertEquals(i, wc.wrId, "in order");
            assertEquals(SIZE, wc.byteLen);
            QpKit.assertSameBytes(pair.a.buffer, (long)i * SLOT, pair.b.buffer, (long)i * SLOT, SIZE, "message " + i);
        }
        return got.size();
    }
}
