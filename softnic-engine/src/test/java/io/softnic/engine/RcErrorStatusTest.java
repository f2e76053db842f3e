package io.softnic.engine;

import io.softnic.engine.counters.EngineCounters;
import io.softnic.verbs.IbvAccess;
import io.softnic.verbs.IbvCq;
import io.softnic.verbs.IbvMr;
import io.softnic.verbs.IbvPd;
import io.softnic.verbs.IbvQp;
import io.softnic.verbs.IbvQpAttr;
import io.softnic.verbs.IbvQpAttrMask;
import io.softnic.verbs.IbvQpInitAttr;
import io.softnic.verbs.IbvQpState;
import io.softnic.verbs.IbvRecvWr;
import io.softnic.verbs.IbvSendFlags;
import io.softnic.verbs.IbvSendWr;
import io.softnic.verbs.IbvWc;
import io.softnic.verbs.IbvWcOpcode;
import io.softnic.verbs.IbvWcStatus;
import io.softnic.verbs.IbvWrOpcode;
import io.softnic.verbs.VerbsException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.function.Consumer;

import static io.softnic.engine.QpKit.assertStatus;
import static io.softnic.engine.QpKit.awaitState;
import static io.softnic.engine.QpKit.state;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every error status a user can provoke on an RC connection, end to end over UDP between two engines: the exact
 * ibverbs status on the side that reports it, the QP states afterwards (both sides), the counters that record it,
 * and that the work requests behind the failed one are flushed with WR_FLUSH_ERR.
 */
@Timeout(30)
class RcErrorStatusTest
{
    private static final int ACCESS = IbvAccess.LOCAL_WRITE | IbvAccess.ALL_REMOTE;

    private RcPair pair;
    private final IbvSendWr swr = new IbvSendWr();
    private final IbvRecvWr rwr = new IbvRecvWr();

    private RcPair open(final Consumer<IbvQpInitAttr> qpSetup, final Consumer<IbvQpAttr> tuning)
    {
        pair = new RcPair(RcPair.engine("a", "127.0.0.2"), RcPair.engine("b", "127.0.0.3"), ACCESS, qpSetup, tuning);
        return pair;
    }

    private RcPair open()
    {
        return open(init -> { }, attr -> { });
    }

    /** Set by the test that closes engine b itself: its counters are gone. */
    private boolean peerClosed;

    @AfterEach
    void tearDown()
    {
        if (pair != null)
        {
            try
            {
                QpKit.assertNoEngineErrors(pair.a.engine);
                if (!peerClosed)
                {
                    QpKit.assertNoEngineErrors(pair.b.engine);
                }
            }
            finally
            {
                pair.close();
                pair = null;
            }
        }
    }

    private long a(final int counter)
    {
        return pair.a.engine.counters().get(counter);
    }

    private long b(final int counter)
    {
        return pair.b.engine.counters().get(counter);
    }

    private IbvSendWr write(final long wrId, final long remoteAddr, final int rkey, final long localAddr, final int length,
        final int lkey)
    {
        swr.reset();
        swr.wrId = wrId;
        swr.opcode = IbvWrOpcode.RDMA_WRITE;
        swr.sendFlags = IbvSendFlags.SIGNALED;
        swr.remoteAddr = remoteAddr;
        swr.rkey = rkey;
        swr.sge(localAddr, length, lkey);
        return swr;
    }

    /** Posts a good, signaled WRITE (to the start of b's buffer) behind an erroring WR: it must be flushed. */
    private void postFollowUpWrite(final long wrId)
    {
        pair.a.qp.postSend(write(wrId, pair.b.mr.addr() + 900_000, pair.b.mr.rkey(), pair.a.mr.addr(), 64,
            pair.a.mr.lkey()));
    }

    private void postRecvOnB(final long wrId, final long offset, final int length)
    {
        rwr.wrId = wrId;
        rwr.sge(pair.b.mr.addr() + offset, length, pair.b.mr.lkey());
        pair.b.qp.postRecv(rwr);
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Remote access errors: wrong rkey, beyond the MR, MR without the right

    enum Op
    {
        WRITE, READ, FETCH_ADD, CMP_SWAP
    }

    enum Cause
    {
        WRONG_RKEY, BEYOND_END, MR_WITHOUT_RIGHT
    }

    static int accessWithout(final Op op)
    {
        return switch (op)
        {
            case WRITE -> IbvAccess.LOCAL_WRITE | IbvAccess.REMOTE_READ | IbvAccess.REMOTE_ATOMIC;
            case READ -> IbvAccess.LOCAL_WRITE | IbvAccess.REMOTE_WRITE | IbvAccess.REMOTE_ATOMIC;
            case FETCH_ADD, CMP_SWAP -> IbvAccess.LOCAL_WRITE | IbvAccess.REMOTE_WRITE | IbvAccess.REMOTE_READ;
        };
    }

    static List<Object[]> remoteCases()
    {
        final List<Object[]> cases = new java.util.ArrayList<>();
        for (final Cause cause : Cause.values())
        {
            for (final Op op : Op.values())
            {
                cases.add(new Object[] {cause, op});
            }
        }
        return cases;
    }

    @ParameterizedTest(name = "{0} {1}")
    @org.junit.jupiter.params.provider.MethodSource("remoteCases")
    void remoteAccessErrorFailsRequesterAndResponder(final Cause cause, final Op op)
    {
        open();
        final int targetSize = 8192;
        MemorySegment target = pair.b.buffer;
        long remoteAddr = pair.b.mr.addr() + 4096;
        int rkey = pair.b.mr.rkey();
        final int length = op == Op.WRITE || op == Op.READ ? 4000 : 8; // 4 packets for WRITE and READ responses
        switch (cause)
        {
            case WRONG_RKEY -> rkey = pair.b.mr.rkey() ^ 0x40; // same slot, another generation
            case BEYOND_END ->
                // WRITE/READ: starts inside, ends 1 KiB past the end; atomic: the 8 bytes just past the end
                remoteAddr = pair.b.mr.addr() + RcPair.BUFFER - (length == 8 ? 0 : 3000);
            case MR_WITHOUT_RIGHT ->
            {
                target = pair.b.ctx.allocateBuffer(targetSize);
                final IbvMr limited = pair.b.pd.regMr(target, accessWithout(op));
                remoteAddr = limited.addr();
                rkey = limited.rkey();
            }
        }
        final long targetOffset = remoteAddr - target.address();
        final long checkFrom = Math.max(0, Math.min(targetOffset, target.byteSize() - 4096));
        QpKit.fill(target, checkFrom, (int)Math.min(4096, target.byteSize() - checkFrom), 17);
        final byte[] targetBefore = QpKit.copy(target, checkFrom, (int)Math.min(4096, target.byteSize() - checkFrom));
        QpKit.fill(pair.a.buffer, 0, 8192, 99);
        final byte[] localBefore = QpKit.copy(pair.a.buffer, 0, 8192);
        postRecvOnB(500, 0, 256); // the responder's receive queue must be flushed when it goes to ERR

        swr.reset();
        swr.wrId = 1;
        swr.sendFlags = IbvSendFlags.SIGNALED;
        swr.remoteAddr = remoteAddr;
        swr.rkey = rkey;
        switch (op)
        {
            case WRITE -> swr.opcode = IbvWrOpcode.RDMA_WRITE;
            case READ -> swr.opcode = IbvWrOpcode.RDMA_READ;
            case FETCH_ADD ->
            {
                swr.opcode = IbvWrOpcode.ATOMIC_FETCH_AND_ADD;
                swr.compareAdd = 1;
            }
            case CMP_SWAP ->
            {
                swr.opcode = IbvWrOpcode.ATOMIC_CMP_AND_SWP;
                swr.compareAdd = target.get(ValueLayout.JAVA_LONG_UNALIGNED, checkFrom);
                swr.swap = 42;
            }
        }
        swr.sge(pair.a.mr.addr(), length, pair.a.mr.lkey());
        pair.a.qp.postSend(swr);
        postFollowUpWrite(2);

        final List<IbvWc> wcs = QpKit.await(pair.a, pair.a.sendCq, 2);
        assertStatus(IbvWcStatus.REM_ACCESS_ERR, 1, wcs.get(0));
        assertStatus(IbvWcStatus.WR_FLUSH_ERR, 2, wcs.get(1));
        assertEquals(IbvQpState.ERR, state(pair.a.qp));
        awaitState(pair.b.qp, IbvQpState.ERR);
        assertStatus(IbvWcStatus.WR_FLUSH_ERR, 500, QpKit.one(pair.b, pair.b.recvCq));

        assertEquals(1, b(EngineCounters.NAK_REM_ACCESS_SENT), "nak_rem_access_sent");
        assertEquals(1, a(EngineCounters.NAK_REM_ACCESS_RECEIVED), "nak_rem_access_received");
        assertEquals(1, a(EngineCounters.QP_ERRORS));
        assertEquals(1, b(EngineCounters.QP_ERRORS));
        assertArrayEquals(targetBefore, QpKit.copy(target, checkFrom, targetBefore.length),
            "the responder's memory must be untouched");
        assertArrayEquals(localBefore, QpKit.copy(pair.a.buffer, 0, 8192), "no READ/atomic result may land");
        assertTrue(Arrays.equals(new byte[64], QpKit.copy(pair.b.buffer, 900_000, 64)),
            "the WRITE behind the failed one must not reach the responder");
    }

    @Test
    void unalignedAtomicIsRefusedAtPostTime()
    {
        open();
        swr.reset();
        swr.wrId = 1;
        swr.opcode = IbvWrOpcode.ATOMIC_FETCH_AND_ADD;
        swr.sendFlags = IbvSendFlags.SIGNALED;
        swr.remoteAddr = pair.b.mr.addr() + 4;
        swr.rkey = pair.b.mr.rkey();
        swr.compareAdd = 1;
        swr.sge(pair.a.mr.addr(), 8, pair.a.mr.lkey());
        final VerbsException ex = assertThrows(VerbsException.class, () -> pair.a.qp.postSend(swr));
        assertTrue(ex.getMessage().contains("aligned"), ex.getMessage());

        swr.remoteAddr = pair.b.mr.addr() + 8;
        swr.sge(pair.a.mr.addr(), 4, pair.a.mr.lkey());
        final VerbsException size = assertThrows(VerbsException.class, () -> pair.a.qp.postSend(swr));
        assertTrue(size.getMessage().contains("8-byte SGE"), size.getMessage());

        // nothing was posted by the refused calls: the next atomic is the first WR the device sees
        pair.b.buffer.set(ValueLayout.JAVA_LONG, 8, 41L);
        swr.wrId = 2;
        swr.sge(pair.a.mr.addr(), 8, pair.a.mr.lkey());
        pair.a.qp.postSend(swr);
        assertStatus(IbvWcStatus.SUCCESS, 2, QpKit.one(pair.a, pair.a.sendCq));
        assertEquals(42L, pair.b.buffer.get(ValueLayout.JAVA_LONG, 8));
        assertEquals(41L, pair.a.buffer.get(ValueLayout.JAVA_LONG, 0));
        assertEquals(1, a(EngineCounters.WQE_FETCHED));
        assertTrue(pair.a.drain(pair.a.sendCq, Duration.ofMillis(20)).isEmpty());
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Local protection errors

    enum LocalCause
    {
        BAD_LKEY, SGE_OUTSIDE_MR, LKEY_OF_OTHER_PD, READ_INTO_MR_WITHOUT_LOCAL_WRITE, SEND_WITH_BAD_LKEY_IN_SECOND_SGE
    }

    @ParameterizedTest
    @EnumSource(LocalCause.class)
    void localProtectionErrorFailsOnlyTheRequester(final LocalCause cause)
    {
        open();
        swr.reset();
        swr.wrId = 1;
        swr.sendFlags = IbvSendFlags.SIGNALED;
        swr.opcode = IbvWrOpcode.RDMA_WRITE;
        swr.remoteAddr = pair.b.mr.addr();
        swr.rkey = pair.b.mr.rkey();
        switch (cause)
        {
            case BAD_LKEY -> swr.sge(pair.a.mr.addr(), 100, pair.a.mr.lkey() ^ 0x40);
            case SGE_OUTSIDE_MR -> swr.sge(pair.a.mr.addr() + RcPair.BUFFER - 10, 100, pair.a.mr.lkey());
            case LKEY_OF_OTHER_PD ->
            {
                final IbvPd other = pair.a.ctx.allocPd();
                final MemorySegment mem = pair.a.ctx.allocateBuffer(4096);
                final IbvMr mr = other.regMr(mem, ACCESS);
                swr.sge(mr.addr(), 100, mr.lkey());
            }
            case READ_INTO_MR_WITHOUT_LOCAL_WRITE ->
            {
                final MemorySegment mem = pair.a.ctx.allocateBuffer(4096);
                final IbvMr readOnly = pair.a.pd.regMr(mem, IbvAccess.REMOTE_READ);
                swr.opcode = IbvWrOpcode.RDMA_READ;
                swr.sge(readOnly.addr(), 100, readOnly.lkey());
            }
            case SEND_WITH_BAD_LKEY_IN_SECOND_SGE ->
            {
                postRecvOnB(77, 0, 4096);
                swr.opcode = IbvWrOpcode.SEND;
                swr.sgList[0].set(pair.a.mr.addr(), 100, pair.a.mr.lkey());
                swr.sgList[1].set(pair.a.mr.addr() + 100, 100, 0x7FFFFF00);
                swr.numSge = 2;
            }
        }
        pair.a.qp.postSend(swr);
        postFollowUpWrite(2);

        final List<IbvWc> wcs = QpKit.await(pair.a, pair.a.sendCq, 2);
        assertStatus(IbvWcStatus.LOC_PROT_ERR, 1, wcs.get(0));
        assertStatus(IbvWcStatus.WR_FLUSH_ERR, 2, wcs.get(1));
        assertEquals(IbvQpState.ERR, state(pair.a.qp));
        // nothing went on the wire: the responder is untouched and still connected
        assertEquals(IbvQpState.RTS, state(pair.b.qp));
        assertEquals(0, b(EngineCounters.ACKS_SENT));
        assertEquals(0, b(EngineCounters.NAK_INV_REQ_SENT) + b(EngineCounters.NAK_REM_ACCESS_SENT));
        assertTrue(pair.b.drain(pair.b.recvCq, Duration.ofMillis(20)).isEmpty(), "the receive stays posted");
        assertEquals(1, a(EngineCounters.COMPLETIONS_BASE + IbvWcStatus.LOC_PROT_ERR.code()));
    }

    // ---------------------------------------------------------------------------------------------------------------
    // SEND larger than the receive buffer

    @ParameterizedTest(name = "receive {0} bytes, send {1}")
    @org.junit.jupiter.params.provider.CsvSource({"100, 500", "1500, 3000", "0, 1"})
    void sendLargerThanReceiveBuffer(final int recvLength, final int sendLength)
    {
        open();
        postRecvOnB(10, 0, recvLength);
        postRecvOnB(11, 8192, 4096); // flushed when the responder goes to ERR
        QpKit.fill(pair.a.buffer, 0, sendLength, 5);
        swr.reset();
        swr.wrId = 1;
        swr.opcode = IbvWrOpcode.SEND;
        swr.sendFlags = IbvSendFlags.SIGNALED;
        swr.sge(pair.a.mr.addr(), sendLength, pair.a.mr.lkey());
        pair.a.qp.postSend(swr);
        postFollowUpWrite(2);

        final List<IbvWc> sends = QpKit.await(pair.a, pair.a.sendCq, 2);
        assertStatus(IbvWcStatus.REM_INV_REQ_ERR, 1, sends.get(0));
        assertStatus(IbvWcStatus.WR_FLUSH_ERR, 2, sends.get(1));
        final List<IbvWc> recvs = QpKit.await(pair.b, pair.b.recvCq, 2);
        assertStatus(IbvWcStatus.LOC_LEN_ERR, 10, recvs.get(0));
        assertEquals(IbvWcOpcode.RECV, recvs.get(0).opcode);
        assertStatus(IbvWcStatus.WR_FLUSH_ERR, 11, recvs.get(1));
        assertEquals(IbvQpState.ERR, state(pair.a.qp));
        awaitState(pair.b.qp, IbvQpState.ERR);
        assertEquals(1, b(EngineCounters.NAK_INV_REQ_SENT));
        assertEquals(1, a(EngineCounters.NAK_INV_REQ_RECEIVED));
        assertTrue(pair.b.drain(pair.b.recvCq, Duration.ofMillis(20)).isEmpty(), "exactly one completion per receive");
    }

    // ---------------------------------------------------------------------------------------------------------------
    // RNR

    private void postSend(final long wrId, final int length)
    {
        swr.reset();
        swr.wrId = wrId;
        swr.opcode = IbvWrOpcode.SEND;
        swr.sendFlags = IbvSendFlags.SIGNALED;
        swr.sge(pair.a.mr.addr(), length, pair.a.mr.lkey());
        pair.a.qp.postSend(swr);
    }

    @ParameterizedTest(name = "rnr_retry={0}")
    @ValueSource(ints = {0, 1, 2, 3, 4, 5, 6})
    void rnrRetryExceeded(final int rnrRetry)
    {
        open(init -> { }, attr ->
        {
            attr.rnrRetry = rnrRetry;
            attr.minRnrTimer = 1;
        });
        postSend(1, 100);
        assertStatus(IbvWcStatus.RNR_RETRY_EXC_ERR, 1, QpKit.one(pair.a, pair.a.sendCq));
        assertEquals(IbvQpState.ERR, state(pair.a.qp));
        // RNR is not an error of the responder: it stays connected
        assertEquals(IbvQpState.RTS, state(pair.b.qp));
        // the first transmission plus rnr_retry retries, each answered by one RNR NAK
        assertEquals(rnrRetry + 1, a(EngineCounters.RNR_NAK_RECEIVED), "rnr_nak_received");
        assertEquals(rnrRetry + 1, b(EngineCounters.RNR_NAK_SENT), "rnr_nak_sent");
        assertEquals(rnrRetry, a(EngineCounters.RNR_RETRIES), "rnr_retries");

        postSend(2, 100); // posted to a QP in ERR: flushed
        assertStatus(IbvWcStatus.WR_FLUSH_ERR, 2, QpKit.one(pair.a, pair.a.sendCq));
    }

    @Test
    void rnrRetryExceededWithPipelinedSends()
    {
        open(init -> { }, attr ->
        {
            attr.rnrRetry = 1;
            attr.minRnrTimer = 1;
        });
        postSend(1, 100);
        postSend(2, 3000);
        postSend(3, 100);
        final List<IbvWc> wcs = QpKit.await(pair.a, pair.a.sendCq, 3);
        assertStatus(IbvWcStatus.RNR_RETRY_EXC_ERR, 1, wcs.get(0));
        assertStatus(IbvWcStatus.WR_FLUSH_ERR, 2, wcs.get(1));
        assertStatus(IbvWcStatus.WR_FLUSH_ERR, 3, wcs.get(2));
        assertEquals(IbvQpState.ERR, state(pair.a.qp));
        assertEquals(IbvQpState.RTS, state(pair.b.qp));
    }

    @ParameterizedTest(name = "{0} bytes")
    @ValueSource(ints = {100, 2500})
    void rnrRetryForeverSucceedsOnceAReceiveIsPosted(final int length)
    {
        open(init -> { }, attr ->
        {
            attr.rnrRetry = 7;
            attr.minRnrTimer = 1;
        });
        QpKit.fill(pair.a.buffer, 0, length, 3);
        postSend(1, length);
        java.util.concurrent.locks.LockSupport.parkNanos(Duration.ofMillis(50).toNanos());
        assertTrue(pair.a.drain(pair.a.sendCq, Duration.ofMillis(1)).isEmpty(), "no completion while RNR");
        postRecvOnB(9, 4096, 4096);
        assertStatus(IbvWcStatus.SUCCESS, 1, QpKit.one(pair.a, pair.a.sendCq));
        final IbvWc recv = QpKit.one(pair.b, pair.b.recvCq);
        assertStatus(IbvWcStatus.SUCCESS, 9, recv);
        assertEquals(length, recv.byteLen);
        QpKit.assertSameBytes(pair.a.buffer, 0, pair.b.buffer, 4096, length, "payload after RNR waits");
        assertEquals(0, a(EngineCounters.RETRANSMIT_TIMEOUTS), "acknowledged at once, not after an ACK timeout");
        assertTrue(a(EngineCounters.RNR_NAK_RECEIVED) > 0);
        assertTrue(b(EngineCounters.RNR_NAK_SENT) > 0);
        assertTrue(a(EngineCounters.RNR_RETRIES) > 0);
        assertEquals(IbvQpState.RTS, state(pair.a.qp));
        assertEquals(IbvQpState.RTS, state(pair.b.qp));
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Peer gone

    @Test
    void peerGoneEndsInRetryExceeded()
    {
        open(init -> { }, attr ->
        {
            attr.timeout = 8; // 4.096 us * 2^8 = 1.05 ms
            attr.retryCnt = 2;
        });
        pair.b.engine.close();
        peerClosed = true;
        final long start = System.nanoTime();
        for (int i = 1; i <= 4; i++)
        {
            pair.a.qp.postSend(write(i, pair.b.mr.addr() + i * 4096L, pair.b.mr.rkey(), pair.a.mr.addr(), 2000,
                pair.a.mr.lkey()));
        }
        final List<IbvWc> wcs = QpKit.await(pair.a, pair.a.sendCq, 4);
        final long elapsedMs = (System.nanoTime() - start) / 1_000_000;
        assertStatus(IbvWcStatus.RETRY_EXC_ERR, 1, wcs.get(0));
        for (int i = 1; i < 4; i++)
        {
            assertStatus(IbvWcStatus.WR_FLUSH_ERR, i + 1, wcs.get(i));
        }
        assertTrue(elapsedMs < 2000, "gave up after " + elapsedMs + " ms; 3 timeouts of 1 ms were expected");
        assertEquals(IbvQpState.ERR, state(pair.a.qp));
        // retry_cnt retries after the first transmission, then the last timeout gives up
        assertEquals(3, a(EngineCounters.RETRANSMIT_TIMEOUTS), "retransmit_timeouts");
        assertTrue(a(EngineCounters.RETRANSMITTED_PACKETS) > 0);
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Misuse refused at the API

    @Test
    void postSendBeforeRtsIsRefused()
    {
        open();
        final IbvQp qp = QpKit.createQp(pair.a.pd, pair.a.sendCq, pair.a.recvCq, init -> { });
        swr.reset();
        swr.sge(pair.a.mr.addr(), 8, pair.a.mr.lkey());
        VerbsException ex = assertThrows(VerbsException.class, () -> qp.postSend(swr));
        assertTrue(ex.getMessage().contains("RESET"), ex.getMessage());
        assertThrows(VerbsException.class, () -> qp.postRecv(rwr.sge(pair.a.mr.addr(), 8, pair.a.mr.lkey())));

        final IbvQpAttr attr = new IbvQpAttr();
        attr.qpState = IbvQpState.INIT;
        attr.portNum = 1;
        attr.qpAccessFlags = ACCESS;
        qp.modify(attr, IbvQpAttrMask.RC_RESET_TO_INIT);
        ex = assertThrows(VerbsException.class, () -> qp.postSend(swr));
        assertTrue(ex.getMessage().contains("INIT"), ex.getMessage());
        qp.postRecv(rwr); // receives may be posted from INIT on

        attr.qpState = IbvQpState.RTR;
        attr.destQpNum = pair.b.qp.qpNum();
        attr.ahAttr.dgidIpv4 = pair.b.ipv4();
        qp.modify(attr, IbvQpAttrMask.RC_INIT_TO_RTR);
        ex = assertThrows(VerbsException.class, () -> qp.postSend(swr));
        assertTrue(ex.getMessage().contains("RTR"), ex.getMessage());
        assertEquals(0, a(EngineCounters.WQE_FETCHED));
    }

    @Test
    void fullSendQueueIsRefusedWithAClearMessage()
    {
        open();
        // a QP whose peer never answers (no such QP on b): its WRs stay outstanding
        final IbvQp qp = QpKit.createQp(pair.a.pd, pair.a.sendCq, pair.a.recvCq, init -> init.cap.maxSendWr = 4);
        QpKit.connect(qp, pair.b.ipv4(), 0xFFFF, 0, 0, attr -> { });
        assertEquals(4, qp.cap().maxSendWr);
        final IbvSendWr[] chain = new IbvSendWr[5];
        for (int i = 0; i < chain.length; i++)
        {
            chain[i] = new IbvSendWr();
            chain[i].wrId = i;
            chain[i].opcode = IbvWrOpcode.RDMA_WRITE;
            chain[i].remoteAddr = pair.b.mr.addr();
            chain[i].rkey = pair.b.mr.rkey();
            chain[i].sge(pair.a.mr.addr(), 8, pair.a.mr.lkey());
            if (i > 0)
            {
                chain[i - 1].next = chain[i];
            }
        }
        final VerbsException ex = assertThrows(VerbsException.class, () -> qp.postSend(chain[0]));
        assertTrue(ex.getMessage().contains("full") && ex.getMessage().contains("4 WRs outstanding"), ex.getMessage());
        chain[0].next = null;
        final VerbsException again = assertThrows(VerbsException.class, () -> qp.postSend(chain[0]));
        assertTrue(again.getMessage().contains("full"), again.getMessage());
    }

    @Test
    void tooManySgesAreRefused()
    {
        open();
        final IbvQp qp = QpKit.createQp(pair.a.pd, pair.a.sendCq, pair.a.recvCq, init ->
        {
            init.cap.maxSendSge = 2;
            init.cap.maxRecvSge = 1;
        });
        QpKit.connect(qp, pair.b.ipv4(), 0xFFFF, 0, 0, attr -> { });
        swr.reset();
        swr.opcode = IbvWrOpcode.RDMA_WRITE;
        for (int i = 0; i < 3; i++)
        {
            swr.sgList[i].set(pair.a.mr.addr() + i * 8L, 8, pair.a.mr.lkey());
        }
        swr.numSge = 3;
        final VerbsException ex = assertThrows(VerbsException.class, () -> qp.postSend(swr));
        assertTrue(ex.getMessage().contains("num_sge 3") && ex.getMessage().contains("max_send_sge 2"), ex.getMessage());
        rwr.sgList[0].set(pair.a.mr.addr(), 8, pair.a.mr.lkey());
        rwr.sgList[1].set(pair.a.mr.addr() + 8, 8, pair.a.mr.lkey());
        rwr.numSge = 2;
        final VerbsException recv = assertThrows(VerbsException.class, () -> qp.postRecv(rwr));
        assertTrue(recv.getMessage().contains("max_recv_sge 1"), recv.getMessage());
        assertEquals(0, a(EngineCounters.WQE_FETCHED));
    }

    @Test
    void initToRtrWithoutRequiredMaskBitsNamesThem()
    {
        open();
        final IbvQp qp = QpKit.createQp(pair.a.pd, pair.a.sendCq, pair.a.recvCq, init -> { });
        final IbvQpAttr attr = new IbvQpAttr();
        attr.qpState = IbvQpState.INIT;
        attr.portNum = 1;
        attr.qpAccessFlags = ACCESS;
        qp.modify(attr, IbvQpAttrMask.RC_RESET_TO_INIT);
        attr.qpState = IbvQpState.RTR;
        attr.destQpNum = pair.b.qp.qpNum();
        attr.ahAttr.dgidIpv4 = pair.b.ipv4();
        final int mask = IbvQpAttrMask.RC_INIT_TO_RTR & ~(IbvQpAttrMask.RQ_PSN | IbvQpAttrMask.MIN_RNR_TIMER);
        final VerbsException ex = assertThrows(VerbsException.class, () -> qp.modify(attr, mask));
        assertTrue(ex.getMessage().contains("RQ_PSN|MIN_RNR_TIMER"), ex.getMessage());
        assertTrue(ex.getMessage().contains("INIT->RTR"), ex.getMessage());
        assertEquals(IbvQpState.INIT, state(qp), "a refused modify changes nothing");

        final VerbsException noAv = assertThrows(VerbsException.class,
            () -> qp.modify(attr, IbvQpAttrMask.RC_INIT_TO_RTR & ~IbvQpAttrMask.AV));
        assertTrue(noAv.getMessage().contains("AV"), noAv.getMessage());

        final IbvQp fresh = QpKit.createQp(pair.a.pd, pair.a.sendCq, pair.a.recvCq, init -> { });
        final IbvQpAttr init = new IbvQpAttr();
        init.qpState = IbvQpState.INIT;
        final VerbsException noPort = assertThrows(VerbsException.class,
            () -> fresh.modify(init, IbvQpAttrMask.STATE | IbvQpAttrMask.ACCESS_FLAGS));
        assertTrue(noPort.getMessage().contains("PKEY_INDEX|PORT"), noPort.getMessage());
        assertEquals(IbvQpState.RESET, state(fresh));
    }

    @Test
    void badPathMtuCodeIsRefused()
    {
        open();
        for (final int code : new int[] {0, 6, 7, -1})
        {
            final IbvQp qp = QpKit.createQp(pair.a.pd, pair.a.sendCq, pair.a.recvCq, init -> { });
            final VerbsException ex = assertThrows(VerbsException.class,
                () -> QpKit.connect(qp, pair.b.ipv4(), pair.b.qp.qpNum(), 0, 0, attr -> attr.pathMtu = code));
            assertTrue(ex.getMessage().contains("path MTU") && ex.getMessage().contains(String.valueOf(code)),
                ex.getMessage());
            assertEquals(IbvQpState.INIT, state(qp));
            qp.close();
        }
    }

    @Test
    void destroyingACqInUseIsRefused()
    {
        open();
        final IbvCq cq = pair.a.ctx.createCq(16, 0);
        final IbvQp qp = QpKit.createQp(pair.a.pd, cq, pair.a.recvCq, init -> { });
        final VerbsException ex = assertThrows(VerbsException.class, cq::close);
        assertTrue(ex.getMessage().contains("still used by QP " + qp.qpNum()), ex.getMessage());
        qp.close();
        assertEquals(0, pair.a.recvCq.poll(new IbvWc[] {new IbvWc()}, 1)); // the other CQ is unaffected
    }

    @Test
    void aRefusedCqDestroyLeavesTheCqUsable()
    {
        open();
        final IbvCq cq = pair.a.ctx.createCq(16, 0);
        final IbvQp qp = QpKit.createQp(pair.a.pd, cq, pair.a.recvCq, init -> { });
        assertThrows(VerbsException.class, cq::close);
        assertEquals(0, cq.poll(new IbvWc[] {new IbvWc()}, 1));
        qp.close();
        cq.close();
        assertThrows(VerbsException.class, () -> cq.poll(new IbvWc[] {new IbvWc()}, 1));
    }

    // ---------------------------------------------------------------------------------------------------------------
    // ERR by the user, FENCE, sq_sig_all

    @Test
    void modifyToErrFlushesEverythingPosted()
    {
        open();
        // b's SENDs get RNR NAKs forever (a posts no receive): they stay outstanding until the flush
        swr.reset();
        swr.opcode = IbvWrOpcode.SEND;
        swr.sendFlags = IbvSendFlags.SIGNALED;
        for (int i = 0; i < 3; i++)
        {
            swr.wrId = 100 + i;
            swr.sge(pair.b.mr.addr(), 1500, pair.b.mr.lkey());
            pair.b.qp.postSend(swr);
        }
        for (int i = 0; i < 5; i++)
        {
            postRecvOnB(200 + i, i * 4096L, 4096);
        }
        final long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        while (pair.a.engine.counters().get(EngineCounters.RNR_NAK_SENT) == 0 && System.nanoTime() < deadline)
        {
            Thread.onSpinWait();
        }
        assertTrue(a(EngineCounters.RNR_NAK_SENT) > 0, "b's SEND is outstanding");
        assertTrue(pair.b.drain(pair.b.sendCq, Duration.ofMillis(10)).isEmpty());

        final IbvQpAttr attr = new IbvQpAttr();
        attr.qpState = IbvQpState.ERR;
        pair.b.qp.modify(attr, IbvQpAttrMask.STATE);
        assertEquals(IbvQpState.ERR, state(pair.b.qp));

        final List<IbvWc> sends = QpKit.await(pair.b, pair.b.sendCq, 3);
        for (int i = 0; i < 3; i++)
        {
            assertStatus(IbvWcStatus.WR_FLUSH_ERR, 100 + i, sends.get(i));
        }
        final List<IbvWc> recvs = QpKit.await(pair.b, pair.b.recvCq, 5);
        for (int i = 0; i < 5; i++)
        {
            assertStatus(IbvWcStatus.WR_FLUSH_ERR, 200 + i, recvs.get(i));
            assertEquals(IbvWcOpcode.RECV, recvs.get(i).opcode);
        }

        // WRs posted while in ERR are flushed too
        swr.wrId = 300;
        pair.b.qp.postSend(swr);
        postRecvOnB(301, 0, 64);
        assertStatus(IbvWcStatus.WR_FLUSH_ERR, 300, QpKit.one(pair.b, pair.b.sendCq));
        assertStatus(IbvWcStatus.WR_FLUSH_ERR, 301, QpKit.one(pair.b, pair.b.recvCq));
        assertEquals(IbvQpState.RTS, state(pair.a.qp), "the peer is not told");
    }

    @Test
    void fencedWriteWaitsForThePrecedingRead()
    {
        open();
        final int length = 64 * 1024;
        QpKit.fill(pair.b.buffer, 0, length, 1);  // old data, read by a
        QpKit.fill(pair.a.buffer, 0, length, 77); // new data, written over it
        final byte[] old = QpKit.copy(pair.b.buffer, 0, length);
        swr.reset();
        swr.wrId = 1;
        swr.opcode = IbvWrOpcode.RDMA_READ;
        swr.sendFlags = IbvSendFlags.SIGNALED;
        swr.remoteAddr = pair.b.mr.addr();
        swr.rkey = pair.b.mr.rkey();
        swr.sge(pair.a.mr.addr() + 512 * 1024, length, pair.a.mr.lkey());
        pair.a.qp.postSend(swr);
        final IbvSendWr fenced = write(2, pair.b.mr.addr(), pair.b.mr.rkey(), pair.a.mr.addr(), length, pair.a.mr.lkey());
        fenced.sendFlags |= IbvSendFlags.FENCE;
        pair.a.qp.postSend(fenced);

        final List<IbvWc> wcs = QpKit.await(pair.a, pair.a.sendCq, 2);
        assertStatus(IbvWcStatus.SUCCESS, 1, wcs.get(0));
        assertEquals(IbvWcOpcode.RDMA_READ, wcs.get(0).opcode);
        assertStatus(IbvWcStatus.SUCCESS, 2, wcs.get(1));
        assertArrayEquals(old, QpKit.copy(pair.a.buffer, 512 * 1024, length), "the READ must return the old data");
        QpKit.assertSameBytes(pair.a.buffer, 0, pair.b.buffer, 0, length, "the fenced WRITE landed afterwards");
    }

    @Test
    void sqSigAllCompletesUnsignaledWork()
    {
        open(init -> init.sqSigAll = true, attr -> { });
        for (int i = 0; i < 3; i++)
        {
            final IbvSendWr w = write(10 + i, pair.b.mr.addr() + i * 100L, pair.b.mr.rkey(), pair.a.mr.addr(), 100,
                pair.a.mr.lkey());
            w.sendFlags = 0; // unsignaled
            pair.a.qp.postSend(w);
        }
        final List<IbvWc> wcs = QpKit.await(pair.a, pair.a.sendCq, 3);
        for (int i = 0; i < 3; i++)
        {
            assertStatus(IbvWcStatus.SUCCESS, 10 + i, wcs.get(i));
            assertEquals(IbvWcOpcode.RDMA_WRITE, wcs.get(i).opcode);
        }
        // without sq_sig_all (a separate connection on the same engines) an unsignaled WR completes silently
        final QpKit.Link link = new QpKit.Link(pair);
        swr.reset();
        swr.wrId = 1;
        swr.opcode = IbvWrOpcode.RDMA_WRITE;
        swr.remoteAddr = link.b.mr().addr();
        swr.rkey = link.b.mr().rkey();
        swr.sge(link.a.mr().addr(), 100, link.a.mr().lkey());
        link.a.qp().postSend(swr);
        swr.wrId = 2;
        swr.sendFlags = IbvSendFlags.SIGNALED;
        link.a.qp().postSend(swr);
        final List<IbvWc> only = QpKit.await(pair.a, link.a.sendCq(), 1);
        assertStatus(IbvWcStatus.SUCCESS, 2, only.get(0));
        assertTrue(pair.a.drain(link.a.sendCq(), Duration.ofMillis(20)).isEmpty());
    }
}
