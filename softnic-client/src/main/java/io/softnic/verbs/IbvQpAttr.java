package io.softnic.verbs;

/** {@code struct ibv_qp_attr}: what {@link IbvQp#modify} reads under a mask and {@link IbvQp#query} fills. */
public final class IbvQpAttr
{
    public IbvQpState qpState = IbvQpState.RESET;
    public IbvQpState curQpState = IbvQpState.RESET;
    public int pathMtu = IbvMtu.MTU_1024;
    public int qkey;
    public int rqPsn;
    public int sqPsn;
    public int destQpNum;
    public int qpAccessFlags;
    public final IbvQpCap cap = new IbvQpCap();
    public final IbvAhAttr ahAttr = new IbvAhAttr();
    public final IbvAhAttr altAhAttr = new IbvAhAttr();
    public int pkeyIndex;
    public int altPkeyIndex;
    public int sqDraining;
    /** Responder resources: READ/atomic requests this QP will hold for its peer. */
    public int maxDestRdAtomic = 1;
    /** Initiator depth: READ/atomic requests this QP may have outstanding. */
    public int maxRdAtomic = 1;
    /** RNR NAK timer code 0..31 this QP sends as responder (IBTA table: 12 = 0.64 ms). */
    public int minRnrTimer = 12;
    public int portNum = 1;
    /** Local ACK timeout code: 4.096 us * 2^timeout; 0 means infinite. */
    public int timeout = 14;
    public int retryCnt = 7;
    /** 7 means retry RNR forever. */
    public int rnrRetry = 7;
    public int altPortNum;
    public int altTimeout;
    /** Path migration state; with {@link IbvQpAttrMask#ALT_PATH} loading {@link #altAhAttr}, ARMED arms it. */
    public IbvMigState pathMigState = IbvMigState.MIGRATED;

    public IbvQpAttr state(final IbvQpState state)
    {
        this.qpState = state;
        return this;
    }

    public IbvQpAttr copyFrom(final IbvQpAttr o)
    {
        qpState = o.qpState;
        curQpState = o.curQpState;
        pathMtu = o.pathMtu;
        qkey = o.qkey;
        rqPsn = o.rqPsn;
        sqPsn = o.sqPsn;
        destQpNum = o.destQpNum;
        qpAccessFlags = o.qpAccessFlags;
        cap.copyFrom(o.cap);
        ahAttr.copyFrom(o.ahAttr);
        altAhAttr.copyFrom(o.altAhAttr);
        pkeyIndex = o.pkeyIndex;
        altPkeyIndex = o.altPkeyIndex;
        sqDraining = o.sqDraining;
        maxDestRdAtomic = o.maxDestRdAtomic;
        maxRdAtomic = o.maxRdAtomic;
        minRnrTimer = o.minRnrTimer;
        portNum = o.portNum;
        timeout = o.timeout;
        retryCnt = o.retryCnt;
        rnrRetry = o.rnrRetry;
        altPortNum = o.altPortNum;
        altTimeout = o.altTimeout;
        pathMigState = o.pathMigState;
        return this;
    }
}
