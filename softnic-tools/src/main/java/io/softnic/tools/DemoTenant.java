package io.softnic.tools;

import io.softnic.tenant.Softnic;
import io.softnic.verbs.IbvAccess;
import io.softnic.verbs.IbvContext;
import io.softnic.verbs.IbvCq;
import io.softnic.verbs.IbvMr;
import io.softnic.verbs.IbvMtu;
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
import io.softnic.verbs.IbvWcStatus;
import io.softnic.verbs.IbvWrOpcode;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.ThreadLocalRandom;

/**
 * One tenant process of the demo ({@link DemoTenants}): attaches to a vNIC of the demo's engine with
 * {@link Softnic#attach} and uses plain verbs. The demo relays the QP numbers, PSNs, addresses and rkeys between the
 * two over their stdin and stdout (tenants have no CM of their own in the demo: the QPs are connected with
 * modify_qp). The writer RDMA-WRITEs 32 KiB into the receiver's memory, then SENDs a 64 B note; the receiver, on the
 * SEND's completion, checks every byte of both. Lines out: READY, then DID or FAIL.
 */
public final class DemoTenant
{
    static final int WRITE_LEN = 32 * 1024;
    static final int NOTE_LEN = 64;
    private static final int WRITE_AT = 0;
    private static final int NOTE_AT = 64 * 1024;
    private static final int BUFFER = 128 * 1024;
    private static final long POLL_NANOS = 20_000_000_000L;

    private DemoTenant()
    {
    }

    static byte pattern(final long i)
    {
        return (byte)(i * 31 + 7 + (i >>> 8));
    }

    /** Args: engine directory, vNIC, role (writer or receiver). */
    public static void main(final String[] args) throws Exception
    {
        final boolean writer = "writer".equals(args[2]);
        final BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.US_ASCII));
        try (IbvContext ctx = Softnic.attach(Path.of(args[0]), args[1]))
        {
            final IbvPd pd = ctx.allocPd();
            final IbvCq cq = ctx.createCq(16, 0);
            final MemorySegment buf = ctx.allocateBuffer(BUFFER);
            final IbvMr mr = pd.regMr(buf, IbvAccess.LOCAL_WRITE | IbvAccess.ALL_REMOTE);
            final IbvQpInitAttr init = new IbvQpInitAttr();
            init.sendCq = cq;
            init.recvCq = cq;
            final IbvQp qp = pd.createQp(init);
            final IbvQpAttr attr = new IbvQpAttr();
            attr.qpState = IbvQpState.INIT;
            attr.pkeyIndex = 0;
            attr.portNum = 1;
            attr.qpAccessFlags = IbvAccess.LOCAL_WRITE | IbvAccess.ALL_REMOTE;
            qp.modify(attr, IbvQpAttrMask.RC_RESET_TO_INIT);
            if (!writer)
            {
                final IbvRecvWr recv = new IbvRecvWr();
                recv.wrId = 9;
                recv.sge(mr.addr() + NOTE_AT, NOTE_LEN, mr.lkey());
                qp.postRecv(recv); // before the peer can send: the QP is in INIT
            }
            final int psn = ThreadLocalRandom.current().nextInt(1 << 24);
            System.out.println("READY " + qp.qpNum() + " " + psn + " " + mr.addr() + " " + mr.rkey() + " pid " +
                ProcessHandle.current().pid());
            System.out.flush();

            // PEER ipv4 qpn psn addr rkey
            final String line = in.readLine();
            if (line == null || !line.startsWith("PEER "))
            {
                fail("expected PEER, got " + line);
            }
            final String[] p = line.split(" ");
            attr.qpState = IbvQpState.RTR;
            attr.pathMtu = IbvMtu.MTU_4096;
            attr.destQpNum = Integer.parseInt(p[2]);
            attr.rqPsn = Integer.parseInt(p[3]);
            attr.maxDestRdAtomic = 4;
            attr.minRnrTimer = 1;
            attr.ahAttr.dgidIpv4 = Integer.parseInt(p[1]);
            attr.ahAttr.portNum = 1;
            qp.modify(attr, IbvQpAttrMask.RC_INIT_TO_RTR);
            attr.qpState = IbvQpState.RTS;
            attr.sqPsn = psn;
            attr.timeout = 14;
            attr.retryCnt = 7;
            attr.rnrRetry = 7;
            attr.maxRdAtomic = 4;
            qp.modify(attr, IbvQpAttrMask.RC_RTR_TO_RTS);
            final IbvWc[] wc = {new IbvWc()};
            if (writer)
            {
                write(qp, cq, mr, buf, wc, Long.parseLong(p[4]), Integer.parseInt(p[5]));
            }
            else
            {
                receive(cq, buf, wc);
            }
            // wait for the demo's word before detaching: the peer may still be on its way
            in.readLine();
        }
    }

    private static void write(final IbvQp qp, final IbvCq cq, final IbvMr mr, final MemorySegment buf,
        final IbvWc[] wc, final long peerAddr, final int peerRkey)
    {
        for (int i = 0; i < WRITE_LEN; i++)
        {
            buf.set(ValueLayout.JAVA_BYTE, WRITE_AT + i, pattern(i));
        }
        final byte[] note = note();
        MemorySegment.copy(note, 0, buf, ValueLayout.JAVA_BYTE, NOTE_AT, note.length);
        final IbvSendWr wr = new IbvSendWr();
        wr.wrId = 1;
        wr.opcode = IbvWrOpcode.RDMA_WRITE;
        wr.sendFlags = IbvSendFlags.SIGNALED;
        wr.remoteAddr = peerAddr + WRITE_AT;
        wr.rkey = peerRkey;
        wr.sge(mr.addr() + WRITE_AT, WRITE_LEN, mr.lkey());
        final long t0 = System.nanoTime();
        qp.postSend(wr);
        final IbvSendWr send = new IbvSendWr();
        send.wrId = 2;
        send.opcode = IbvWrOpcode.SEND;
        send.sendFlags = IbvSendFlags.SIGNALED;
        send.sge(mr.addr() + NOTE_AT, NOTE_LEN, mr.lkey());
        qp.postSend(send);
        for (int i = 1; i <= 2; i++)
        {
            poll(cq, wc);
            if (wc[0].status != IbvWcStatus.SUCCESS || wc[0].wrId != i)
            {
                fail("completion " + i + ": " + wc[0].status + " wr_id " + wc[0].wrId);
            }
        }
        System.out.printf("DID RDMA_WRITE %d B into the peer's memory (rkey 0x%x) and SEND %d B, both completed " +
            "(acked) in %d us%n", WRITE_LEN, peerRkey, NOTE_LEN, (System.nanoTime() - t0) / 1000);
        System.out.flush();
    }

    private static void receive(final IbvCq cq, final MemorySegment buf, final IbvWc[] wc)
    {
        poll(cq, wc);
        if (wc[0].status != IbvWcStatus.SUCCESS || wc[0].wrId != 9 || wc[0].byteLen != NOTE_LEN)
        {
            fail("receive completion: " + wc[0].status + " wr_id " + wc[0].wrId + " byte_len " + wc[0].byteLen);
        }
        for (int i = 0; i < WRITE_LEN; i++)
        {
            if (buf.get(ValueLayout.JAVA_BYTE, WRITE_AT + i) != pattern(i))
            {
                fail("the RDMA WRITE's byte " + i + " is wrong");
            }
        }
        final byte[] got = buf.asSlice(NOTE_AT, NOTE_LEN).toArray(ValueLayout.JAVA_BYTE);
        if (!java.util.Arrays.equals(got, note()))
        {
            fail("the SEND's bytes are wrong");
        }
        System.out.printf("DID received the SEND (%d B, its note: \"%s\") and found the %d B the RDMA WRITE put " +
            "in its memory, every byte checked%n", NOTE_LEN, new String(got, StandardCharsets.US_ASCII).strip(),
            WRITE_LEN);
        System.out.flush();
    }

    private static byte[] note()
    {
        final byte[] b = new byte[NOTE_LEN];
        java.util.Arrays.fill(b, (byte)' ');
        final byte[] text = "hello from the other tenant".getBytes(StandardCharsets.US_ASCII);
        System.arraycopy(text, 0, b, 0, text.length);
        return b;
    }

    private static void poll(final IbvCq cq, final IbvWc[] wc)
    {
        final long deadline = System.nanoTime() + POLL_NANOS;
        int spins = 0;
        while (cq.poll(wc, 1) == 0)
        {
            if (System.nanoTime() - deadline >= 0)
            {
                fail("no completion within 20 s");
            }
            if (++spins > 200)
            {
                java.util.concurrent.locks.LockSupport.parkNanos(50_000); // a few cores are shared by 4 processes
            }
            else
            {
                Thread.onSpinWait();
            }
        }
    }

    private static void fail(final String why)
    {
        System.out.println("FAIL " + why);
        System.out.flush();
        System.exit(2);
    }
}
