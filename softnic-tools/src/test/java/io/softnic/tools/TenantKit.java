package io.softnic.tools;

import io.softnic.verbs.IbvAccess;
import io.softnic.verbs.IbvMtu;
import io.softnic.verbs.IbvQp;
import io.softnic.verbs.IbvQpAttr;
import io.softnic.verbs.IbvQpAttrMask;
import io.softnic.verbs.IbvQpState;

/** Hand connection of an RC QP (RESET to RTS), the same for embedded and attached QPs. */
final class TenantKit
{
    private TenantKit()
    {
    }

    static int ipv4(final String dotted)
    {
        final String[] p = dotted.split("\\.");
        return Integer.parseInt(p[0]) << 24 | Integer.parseInt(p[1]) << 16 | Integer.parseInt(p[2]) << 8 |
            Integer.parseInt(p[3]);
    }

    static void connect(final IbvQp qp, final int remoteIpv4, final int remoteQpn, final int sqPsn, final int rqPsn)
    {
        final IbvQpAttr attr = new IbvQpAttr();
        attr.qpState = IbvQpState.INIT;
        attr.pkeyIndex = 0;
        attr.portNum = 1;
        attr.qpAccessFlags = IbvAccess.LOCAL_WRITE | IbvAccess.ALL_REMOTE;
        qp.modify(attr, IbvQpAttrMask.RC_RESET_TO_INIT);
        attr.qpState = IbvQpState.RTR;
        attr.pathMtu = IbvMtu.MTU_1024;
        attr.destQpNum = remoteQpn;
        attr.rqPsn = rqPsn;
        attr.maxDestRdAtomic = 4;
        attr.minRnrTimer = 1;
        attr.ahAttr.dgidIpv4 = remoteIpv4;
        attr.ahAttr.portNum = 1;
        qp.modify(attr, IbvQpAttrMask.RC_INIT_TO_RTR);
        attr.qpState = IbvQpState.RTS;
        attr.sqPsn = sqPsn;
        attr.timeout = 12;      // 16.8 ms x 8 tries: a dead peer shows within ~150 ms, a busy 2-core machine does not
        attr.retryCnt = 7;      // exhaust the retries of a live one
        attr.rnrRetry = 7;
        attr.maxRdAtomic = 4;
        qp.modify(attr, IbvQpAttrMask.RC_RTR_TO_RTS);
    }
}
