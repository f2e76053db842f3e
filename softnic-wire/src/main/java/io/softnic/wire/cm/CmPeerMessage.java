package io.softnic.wire.cm;

/**
 * A CM message sent once the peer's communication id is known: every message but REQ.
 *
 * @param <T> the concrete message type
 */
public abstract class CmPeerMessage<T extends CmPeerMessage<T>> extends CmMessage<T> {
    public static final int REMOTE_COMM_ID_OFFSET = DATA_OFFSET + 4;

    protected CmPeerMessage(final int attributeId, final int privateDataOffset, final int privateDataLength) {
        super(attributeId, privateDataOffset, privateDataLength);
    }

    public int remoteCommId() {
        return getI32(REMOTE_COMM_ID_OFFSET);
    }

    public T remoteCommId(final int value) {
        putI32(REMOTE_COMM_ID_OFFSET, value);
        return self();
    }
}
