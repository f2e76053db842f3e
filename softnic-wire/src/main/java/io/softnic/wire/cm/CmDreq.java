package io.softnic.wire.cm;

/**
 * Disconnect Request (DREQ, attribute 0x0015): comm ids at 24 and 28, the receiver's QPN (or EECN)
 * in 32-34 (35 reserved), private data 36-255 (220 bytes).
 */
public final class CmDreq extends CmPeerMessage<CmDreq> {
    public static final int REMOTE_QPN_EECN_OFFSET = DATA_OFFSET + 8;
    public static final int PRIVATE_DATA_OFFSET = DATA_OFFSET + 12;
    public static final int PRIVATE_DATA_LENGTH = 220;

    public CmDreq() {
        super(ATTR_DREQ, PRIVATE_DATA_OFFSET, PRIVATE_DATA_LENGTH);
    }

    public int remoteQpnEecn() {
        return getU24(REMOTE_QPN_EECN_OFFSET);
    }

    public CmDreq remoteQpnEecn(final int value) {
        putU24(REMOTE_QPN_EECN_OFFSET, value);
        return this;
    }
}
