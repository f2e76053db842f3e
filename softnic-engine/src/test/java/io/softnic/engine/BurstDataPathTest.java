package io.softnic.engine;

import io.softnic.engine.port.NativeUdpSocket;
import io.softnic.engine.port.PortIo;
import io.softnic.verbs.IbvSendFlags;
import io.softnic.verbs.IbvSendWr;
import io.softnic.verbs.IbvWc;
import io.softnic.verbs.IbvWcStatus;
import io.softnic.verbs.IbvWrOpcode;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The batched port paths do batch: large writes leave in far fewer send system calls than packets (GSO runs, or
 * sendmmsg bursts) and arrive in fewer receive calls (GRO super-datagrams, or recvmmsg bursts), every byte intact;
 * the portable path makes one call per packet.
 */
@Timeout(60)
class BurstDataPathTest
{
    private static final int SIZE = 64 * 1024;
    private static final int WRITES = 64;

    @ParameterizedTest
    @EnumSource(value = PortIo.class, names = {"GSO", "MMSG", "CHANNEL"})
    void largeWritesLeaveInBurstsAndLandIntact(final PortIo io)
    {
        assumeTrue(io == PortIo.CHANNEL || NativeUdpSocket.isAvailable(), "native sockets unavailable here");
        assumeTrue(io != PortIo.GSO || NativeUdpSocket.gsoSupported() && NativeUdpSocket.groSupported(),
            "this kernel lacks UDP_SEGMENT or UDP_GRO");
        try (RcPair pair = new RcPair(RcPair.engine("a", "127.0.0.2", ThreadingMode.INVOKER).portIo(io),
            RcPair.engine("b", "127.0.0.3", ThreadingMode.INVOKER).portIo(io)))
        {
            assertEquals(io, pair.a.engine.port(0).io());
            final IbvSendWr wr = new IbvSendWr();
            final IbvWc[] wc = {new IbvWc()};
            for (int i = 0; i < WRITES; i++)
            {
                QpKit.fill(pair.a.buffer, 0, SIZE, i);
                wr.reset();
                wr.wrId = i;
                wr.opcode = IbvWrOpcode.RDMA_WRITE;
                wr.sendFlags = IbvSendFlags.SIGNALED;
                wr.remoteAddr = pair.b.mr.addr();
                wr.rkey = pair.b.mr.rkey();
                wr.sge(pair.a.mr.addr(), SIZE, pair.a.mr.lkey());
                pair.a.qp.postSend(wr);
                final long deadline = System.nanoTime() + 10_000_000_000L;
                while (pair.a.sendCq.poll(wc, 1) == 0)
                {
                    pair.b.engine.drive();
                    assertTrue(System.nanoTime() < deadline, "write " + i + " did not complete");
                }
                assertEquals(IbvWcStatus.SUCCESS, wc[0].status);
                QpKit.assertSameBytes(pair.a.buffer, 0, pair.b.buffer, 0, SIZE, "write " + i);
            }
            final Map<String, Long> a = pair.a.engine.counters().snapshot();
            final Map<String, Long> b = pair.b.engine.counters().snapshot();
            final double sentPerCall = (double)a.get("port1_tx_packets") / a.get("port1_tx_syscalls");
            final double receivedPerCall = (double)b.get("port1_rx_packets") / b.get("port1_rx_syscalls");
            System.out.printf("%s: %.1f packets per send call, %.1f per receive call%n", io, sentPerCall,
                receivedPerCall);
            if (io == PortIo.CHANNEL)
            {
                assertEquals(1.0, sentPerCall, 0.01);
                assertEquals(1.0, receivedPerCall, 0.01);
            }
            else
            {
                // a 64 KiB write is 64 packets at the pair's MTU of 1024, built in one duty cycle
                assertTrue(sentPerCall >= 8, "packets per send call: " + sentPerCall);
                if (io == PortIo.GSO)
                {
                    assertTrue(receivedPerCall >= 4, "packets per receive call: " + receivedPerCall);
                }
            }
            QpKit.assertNoEngineErrors(pair);
        }
    }
}
