package io.softnic.bench;

import io.softnic.verbs.IbvAccess;
import io.softnic.verbs.IbvMigState;
import io.softnic.verbs.IbvMtu;
import io.softnic.verbs.IbvQp;
import io.softnic.verbs.IbvQpAttr;
import io.softnic.verbs.IbvQpAttrMask;
import io.softnic.verbs.IbvQpState;

/**
 * Takes a benchmark's QP from RESET to RTS against a QP whose number and address it already knows, without the CM:
 * the benchmarks that own both engines wire their QPs directly. MTU 4096, PSNs 0, one READ/atomic in flight.
 */
public final class DirectConnect
{
    /** No alternate path. */
    public static final int NO_ALTERNATE = 0;

    private DirectConnect()
    {
    }

    /** RESET to RTS on {@code port}, to {@code remoteQpn} at {@code remoteIpv4}. */
    public static void toRts(final IbvQp qp, final int port, final int remoteQpn, final int remoteIpv4,
        final int timeoutCode)
    {
        toRts(qp, port, remoteQpn, remoteIpv4, NO_ALTERNATE, 0, timeoutCode);
    }

    /**
     * RESET to RTS on {@code port}, to {@code remoteQpn} at {@code remoteIpv4}; with an alternate path through
     * {@code altPort} to {@code altRemoteIpv4} (armed for migration) unless {@code altPort} is {@link #NO_ALTERNATE}.
     */
    public static void toRts(final IbvQp qp, final int port, final int remoteQpn, final int remoteIpv4,
        final int altPort, final int altRemoteIpv4, final int timeoutCode)
    {
        final boolean alternate = altPort != NO_ALTERNATE;
        final IbvQpAttr attr = new IbvQpAttr();
        attr.qpState = IbvQpState.INIT;
        attr.portNum = port;
        attr.qpAccessFlags = IbvAccess.LOCAL_WRITE | IbvAccess.ALL_REMOTE;
        qp.modify(attr, IbvQpAttrMask.RC_RESET_TO_INIT);
        attr.qpState = IbvQpState.RTR;
        attr.pathMtu = IbvMtu.MTU_4096;
        attr.destQpNum = remoteQpn;
        attr.rqPsn = 0;
        attr.maxDestRdAtomic = 1;
        attr.minRnrTimer = 1;
        attr.ahAttr.dgidIpv4 = remoteIpv4;
        attr.ahAttr.portNum = port;
        if (alternate)
        {
            attr.altAhAttr.dgidIpv4 = altRemoteIpv4;
            attr.altPortNum = altPort;
        }
        qp.modify(attr, IbvQpAttrMask.RC_INIT_TO_RTR | (alternate ? IbvQpAttrMask.ALT_PATH : 0));
        attr.qpState = IbvQpState.RTS;
        attr.sqPsn = 0;
        attr.timeout = timeoutCode;
        attr.retryCnt = 7;
        attr.rnrRetry = 7;
        attr.maxRdAtomic = 1;
        attr.pathMigState = IbvMigState.ARMED;
        qp.modify(attr, IbvQpAttrMask.RC_RTR_TO_RTS | (alternate ? IbvQpAttrMask.PATH_MIG_STATE : 0));
    }
}
