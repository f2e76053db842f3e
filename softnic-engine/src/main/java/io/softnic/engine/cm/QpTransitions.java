package io.softnic.engine.cm;

import io.softnic.engine.control.ControlPlane;
import io.softnic.engine.rc.QueuePair;
import io.softnic.verbs.IbvAccess;
import io.softnic.verbs.IbvMigState;
import io.softnic.verbs.IbvMtu;
import io.softnic.verbs.IbvQpAttr;
import io.softnic.verbs.IbvQpAttrMask;
import io.softnic.verbs.IbvQpState;
import io.softnic.verbs.VerbsException;

/**
 * The QP state changes the CM makes on behalf of its users, through the control plane's ibv_modify_qp so that every
 * change is validated as the user's own would be: RESET/INIT to INIT with the access rdma_cm grants, INIT to RTR and
 * RTR to RTS with what the CM exchange agreed, and ERR or RESET when a connection ends or fails.
 */
final class QpTransitions
{
    /** What rdma_cm's QPs allow the peer: everything, as ib_cm sets on RTR when responder resources are offered. */
    static final int ACCESS = IbvAccess.LOCAL_WRITE | IbvAccess.REMOTE_WRITE | IbvAccess.REMOTE_READ |
        IbvAccess.REMOTE_ATOMIC;

    private final ControlPlane control;
    private final int udpPort;

    QpTransitions(final ControlPlane control, final int udpPort)
    {
        this.control = control;
        this.udpPort = udpPort;
    }

    /** The live QP, or a clear error. */
    QueuePair require(final int qpn)
    {
        final QueuePair qp = control.qp(qpn);
        if (qp == null)
        {
            throw new VerbsException("no QP " + qpn);
        }
        return qp;
    }

    /** The QP a connection may start on: RESET or INIT, as rdma_connect and rdma_accept require. */
    QueuePair requireFresh(final int qpn, final String verb)
    {
        final QueuePair qp = require(qpn);
        final IbvQpState state = qp.read(QueuePair::state);
        if (state != IbvQpState.RESET && state != IbvQpState.INIT)
        {
            throw new VerbsException(verb + ": QP " + qpn + " is in " + state + "; it must be in RESET or INIT " +
                "(move it to RESET to reuse it)");
        }
        return qp;
    }

    void toInit(final int qpn, final int portNum)
    {
        final IbvQpAttr attr = new IbvQpAttr();
        attr.qpState = IbvQpState.INIT;
        attr.pkeyIndex = 0;
        attr.portNum = portNum;
        attr.qpAccessFlags = ACCESS;
        control.modifyQp(qpn, attr, IbvQpAttrMask.RC_RESET_TO_INIT);
    }

    void toRtr(
        final int qpn,
        final int portNum,
        final int destQpn,
        final int destIpv4,
        final int rqPsn,
        final int mtuBytes,
        final int maxDestRdAtomic,
        final int minRnrTimer)
    {
        final IbvQpAttr attr = new IbvQpAttr();
        attr.qpState = IbvQpState.RTR;
        attr.pathMtu = IbvMtu.fromBytes(mtuBytes);
        attr.destQpNum = destQpn;
        attr.rqPsn = rqPsn;
        attr.maxDestRdAtomic = maxDestRdAtomic;
        attr.minRnrTimer = minRnrTimer;
        attr.ahAttr.dgidIpv4 = destIpv4;
        attr.ahAttr.dport = udpPort;
        attr.ahAttr.portNum = portNum;
        control.modifyQp(qpn, attr, IbvQpAttrMask.RC_INIT_TO_RTR);
    }

    void toRts(
        final int qpn,
        final int sqPsn,
        final int timeout,
        final int retryCount,
        final int rnrRetry,
        final int maxRdAtomic)
    {
        final IbvQpAttr attr = new IbvQpAttr();
        attr.qpState = IbvQpState.RTS;
        attr.sqPsn = sqPsn;
        attr.timeout = timeout;
        attr.retryCnt = retryCount;
        attr.rnrRetry = rnrRetry;
        attr.maxRdAtomic = maxRdAtomic;
        control.modifyQp(qpn, attr, IbvQpAttrMask.RC_RTR_TO_RTS);
    }

    /**
     * RTS to RTS loading the alternate path agreed by LAP/APR and arming it (IBV_QP_ALT_PATH with path_mig_state
     * ARMED), as ib_cm's users do with the QP attributes of a LAP.
     */
    void loadAlternatePath(final int qpn, final int altPortNum, final int destIpv4, final int timeout)
    {
        final IbvQpAttr attr = new IbvQpAttr();
        attr.qpState = IbvQpState.RTS;
        attr.altAhAttr.dgidIpv4 = destIpv4;
        attr.altAhAttr.dport = udpPort;
        attr.altAhAttr.portNum = altPortNum;
        attr.altPortNum = altPortNum;
        attr.altTimeout = timeout;
        attr.pathMigState = IbvMigState.ARMED;
        control.modifyQp(qpn, attr, IbvQpAttrMask.STATE | IbvQpAttrMask.ALT_PATH | IbvQpAttrMask.PATH_MIG_STATE);
    }

    /** To ERR: outstanding work completes with WR_FLUSH_ERR. Quiet if the QP is gone. */
    void toError(final int qpn)
    {
        to(qpn, IbvQpState.ERR);
    }

    /** Back to RESET so the QP can be connected again. Quiet if the QP is gone. */
    void toReset(final int qpn)
    {
        to(qpn, IbvQpState.RESET);
    }

    private void to(final int qpn, final IbvQpState state)
    {
        if (control.qp(qpn) == null)
        {
            return;
        }
        final IbvQpAttr attr = new IbvQpAttr();
        attr.qpState = state;
        try
        {
            control.modifyQp(qpn, attr, IbvQpAttrMask.STATE);
        }
        catch (final VerbsException ignore)
        {
            // destroyed in between: the connection is down either way
        }
    }

    /** True once the responder has accepted a packet from the peer: the IBTA's implicit RTU. */
    static boolean receivedSince(final QueuePair qp, final int rqPsn)
    {
        return qp.read(q ->
        {
            final IbvQpState s = q.state();
            return (s == IbvQpState.RTR || s == IbvQpState.RTS) && q.responder().expectedPsn() != rqPsn;
        });
    }
}
