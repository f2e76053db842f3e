package io.softnic.tools;

import io.softnic.tenant.Softnic;
import io.softnic.verbs.IbvAccess;
import io.softnic.verbs.IbvContext;
import io.softnic.verbs.IbvCq;
import io.softnic.verbs.IbvMr;
import io.softnic.verbs.IbvPd;
import io.softnic.verbs.IbvQp;
import io.softnic.verbs.IbvQpInitAttr;
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

/**
 * A tenant process for {@link TenantAttachTest}: attaches to a vNIC with {@link Softnic#attach}, then follows the
 * test's lines on stdin (PEER, GO, BYE) and answers on stdout (READY, CONNECTED, SENT, RECEIVED, CLOSED). Plain verbs
 * code: the same calls would run against an embedded engine.
 */
public final class TenantMain
{
    static final int WRITE_LEN = 64 * 1024;
    static final int SEND_OFFSET = 64 * 1024;
    static final int SEND_LEN = 4096;
    static final int INCOMING_WRITE_OFFSET = 256 * 1024;
    static final int INCOMING_WRITE_LEN = 32 * 1024;
    static final int RECV_OFFSET = 512 * 1024;
    static final int INCOMING_SEND_LEN = 1024;

    private TenantMain()
    {
    }

    /** The byte at {@code i} of pattern {@code seed}. */
    static byte pattern(final int seed, final long i)
    {
        return (byte)(i * 31 + seed * 7 + (i >>> 8));
    }

    static void fill(final MemorySegment seg, final long offset, final int len, final int seed)
    {
        for (int i = 0; i < len; i++)
        {
            seg.set(ValueLayout.JAVA_BYTE, offset + i, pattern(seed, i));
        }
    }

    /** -1 if equal, else the first differing index. */
    static long check(final MemorySegment seg, final long offset, final int len, final int seed)
    {
        for (int i = 0; i < len; i++)
        {
            if (seg.get(ValueLayout.JAVA_BYTE, offset + i) != pattern(seed, i))
            {
                return i;
            }
        }
        return -1;
    }

    public static void main(final String[] args) throws Exception
    {
        final BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        try (IbvContext ctx = Softnic.attach(Path.of(args[0]), args[1]))
        {
            final IbvPd pd = ctx.allocPd();
            final IbvCq cq = ctx.createCq(256, 0);
            final MemorySegment buf = ctx.allocateBuffer(1 << 20);
            final IbvMr mr = pd.regMr(buf, IbvAccess.LOCAL_WRITE | IbvAccess.ALL_REMOTE);
            final IbvQpInitAttr init = new IbvQpInitAttr();
            init.sendCq = cq;
            init.recvCq = cq;
            final IbvQp qp = pd.createQp(init);
            fill(buf, 0, WRITE_LEN, 1);
            fill(buf, SEND_OFFSET, SEND_LEN, 2);
            System.out.println("READY " + qp.qpNum() + " " + mr.addr() + " " + mr.rkey() + " " + mr.lkey());

            final String[] peer = in.readLine().split(" ");
            TenantKit.connect(qp, Integer.parseInt(peer[1]), Integer.parseInt(peer[2]), 0x100, 0x200);
            final IbvRecvWr recv = new IbvRecvWr();
            recv.wrId = 77;
            recv.sge(mr.addr() + RECV_OFFSET, 64 * 1024, mr.lkey());
            qp.postRecv(recv);
            System.out.println("CONNECTED");
            final long peerAddr = Long.parseLong(peer[3]);
            final int peerRkey = Integer.parseInt(peer[4]);

            expect(in, "GO");
            final IbvSendWr wr = new IbvSendWr();
            wr.wrId = 1;
            wr.opcode = IbvWrOpcode.RDMA_WRITE;
            wr.sendFlags = IbvSendFlags.SIGNALED;
            wr.remoteAddr = peerAddr;
            wr.rkey = peerRkey;
            wr.sge(mr.addr(), WRITE_LEN, mr.lkey());
            qp.postSend(wr);
            final IbvSendWr send = new IbvSendWr();
            send.wrId = 2;
            send.opcode = IbvWrOpcode.SEND;
            send.sendFlags = IbvSendFlags.SIGNALED;
            send.sge(mr.addr() + SEND_OFFSET, SEND_LEN, mr.lkey());
            qp.postSend(send);
            final IbvWc[] wc = {new IbvWc()};
            for (int i = 0; i < 2; i++)
            {
                poll(cq, wc);
                if (wc[0].status != IbvWcStatus.SUCCESS || wc[0].wrId != i + 1)
                {
                    System.out.println("FAIL send completion " + wc[0]);
                    System.exit(2);
                }
            }
            System.out.println("SENT");

            poll(cq, wc); // the peer's SEND, which follows its WRITE into our memory
            final long w = check(buf, INCOMING_WRITE_OFFSET, INCOMING_WRITE_LEN, 3);
            final long s = check(buf, RECV_OFFSET, INCOMING_SEND_LEN, 4);
            final boolean ok = wc[0].status == IbvWcStatus.SUCCESS && wc[0].wrId == 77 &&
                wc[0].byteLen == INCOMING_SEND_LEN && w < 0 && s < 0;
            System.out.println(ok ? "RECEIVED ok" : "RECEIVED bad " + wc[0] + " write@" + w + " send@" + s);

            expect(in, "BYE");
        }
        System.out.println("CLOSED");
    }

    private static void expect(final BufferedReader in, final String line) throws Exception
    {
        final String got = in.readLine();
        if (!line.equals(got))
        {
            System.out.println("FAIL expected " + line + ", got " + got);
            System.exit(2);
        }
    }

    private static void poll(final IbvCq cq, final IbvWc[] wc)
    {
        final long deadline = System.nanoTime() + 20_000_000_000L;
        while (cq.poll(wc, 1) == 0)
        {
            if (System.nanoTime() - deadline >= 0)
            {
                System.out.println("FAIL no completion within 20 s");
                System.exit(2);
            }
            Thread.onSpinWait();
        }
    }
}
