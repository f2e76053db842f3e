package io.softnic.tools;

import io.softnic.tenant.Softnic;
import io.softnic.verbs.IbvAccess;
import io.softnic.verbs.IbvContext;
import io.softnic.verbs.IbvCq;
import io.softnic.verbs.IbvMr;
import io.softnic.verbs.IbvPd;
import io.softnic.verbs.IbvQp;
import io.softnic.verbs.IbvQpInitAttr;
import io.softnic.verbs.IbvSendFlags;
import io.softnic.verbs.IbvSendWr;
import io.softnic.verbs.IbvWc;
import io.softnic.verbs.IbvWcStatus;
import io.softnic.verbs.IbvWrOpcode;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * A tenant process for {@link TenantLifecycleTest}: attaches to a vNIC, connects its QP to the peer named on stdin
 * (PEER ip qpn addr rkey), then streams signaled 16 KiB RDMA WRITEs into the peer's memory (16 outstanding) until it
 * is killed, saying STREAMING once 64 have completed. Any error completion ends it with FAIL.
 */
public final class TenantStreamMain
{
    static final int CHUNK = 16 * 1024;
    static final int OUTSTANDING = 16;

    private TenantStreamMain()
    {
    }

    public static void main(final String[] args) throws Exception
    {
        final BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        final IbvContext ctx = Softnic.attach(Path.of(args[0]), args[1]);
        final IbvPd pd = ctx.allocPd();
        final IbvCq cq = ctx.createCq(256, 0);
        final MemorySegment buf = ctx.allocateBuffer(1 << 20);
        final IbvMr mr = pd.regMr(buf, IbvAccess.LOCAL_WRITE | IbvAccess.ALL_REMOTE);
        final IbvQpInitAttr init = new IbvQpInitAttr();
        init.sendCq = cq;
        init.recvCq = cq;
        final IbvQp qp = pd.createQp(init);
        TenantMain.fill(buf, 0, CHUNK, 5);
        System.out.println("READY " + qp.qpNum() + " " + mr.addr() + " " + mr.rkey());

        final String[] peer = in.readLine().split(" ");
        TenantKit.connect(qp, Integer.parseInt(peer[1]), Integer.parseInt(peer[2]), 0x300, 0x400);
        final long peerAddr = Long.parseLong(peer[3]);
        final int peerRkey = Integer.parseInt(peer[4]);
        System.out.println("CONNECTED");

        final IbvSendWr wr = new IbvSendWr();
        wr.opcode = IbvWrOpcode.RDMA_WRITE;
        wr.sendFlags = IbvSendFlags.SIGNALED;
        wr.rkey = peerRkey;
        wr.sge(mr.addr(), CHUNK, mr.lkey());
        final IbvWc[] wcs = new IbvWc[OUTSTANDING];
        for (int i = 0; i < wcs.length; i++)
        {
            wcs[i] = new IbvWc();
        }
        long posted = 0;
        long completed = 0;
        boolean said = false;
        while (true)
        {
            while (posted - completed < OUTSTANDING)
            {
                wr.wrId = posted;
                wr.remoteAddr = peerAddr + (posted % 32) * CHUNK;
                qp.postSend(wr);
                posted++;
            }
            final int n = cq.poll(wcs, wcs.length);
            for (int i = 0; i < n; i++)
            {
                if (wcs[i].status != IbvWcStatus.SUCCESS)
                {
                    System.out.println("FAIL " + wcs[i]);
                    System.exit(2);
                }
            }
            completed += n;
            if (!said && completed >= 64)
            {
                said = true;
                System.out.println("STREAMING");
            }
            if (n == 0)
            {
                Thread.onSpinWait();
            }
        }
    }
}
