package io.softnic.tools;

import io.softnic.cm.CmParams;
import io.softnic.cm.RdmaCm;
import io.softnic.tenant.Softnic;
import io.softnic.verbs.IbvAccess;
import io.softnic.verbs.IbvContext;
import io.softnic.verbs.IbvCq;
import io.softnic.verbs.IbvMr;
import io.softnic.verbs.IbvPd;
import io.softnic.verbs.IbvQp;
import io.softnic.verbs.IbvQpInitAttr;

import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;

/**
 * A tenant process for {@link TenantCmTest}: attaches to vNIC {@code args[1]} of the engine at {@code args[0]},
 * connects a QP through the CM to {@code args[2]}:{@code args[3]} with private data "tenant", says
 * {@code CONNECTED qpn addr rkey peerdata} and then idles until it is killed.
 */
public final class TenantCmMain
{
    private TenantCmMain()
    {
    }

    public static void main(final String[] args) throws Exception
    {
        final IbvContext ctx = Softnic.attach(Path.of(args[0]), args[1]);
        final IbvPd pd = ctx.allocPd();
        final IbvCq cq = ctx.createCq(64, 0);
        final MemorySegment buf = ctx.allocateBuffer(1 << 16);
        final IbvMr mr = pd.regMr(buf, IbvAccess.LOCAL_WRITE | IbvAccess.ALL_REMOTE);
        final IbvQpInitAttr init = new IbvQpInitAttr();
        init.sendCq = cq;
        init.recvCq = cq;
        final IbvQp qp = pd.createQp(init);
        final RdmaCm.Connection c = ctx.cm().connect(qp, args[2], Integer.parseInt(args[3]),
            CmParams.defaults().withPrivateData("tenant".getBytes(StandardCharsets.US_ASCII)), Duration.ofSeconds(10));
        System.out.println("CONNECTED " + qp.qpNum() + " " + mr.addr() + " " + mr.rkey() + " " +
            new String(c.peer().privateData(), StandardCharsets.US_ASCII).trim());
        while (true)
        {
            Thread.sleep(1000);
        }
    }
}
