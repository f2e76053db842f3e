package io.softnic.wire.cm;

/**
 * Message Receipt Acknowledgement (MRA, attribute 0x0011): "received, but I need longer".
 * Comm ids at 24 and 28; byte 32: message MRAed (7-6); byte 33: service timeout (7-3);
 * private data 34-255 (222 bytes).
 */
public final class CmMra extends CmPeerMessage<CmMra> {
    public static final int MESSAGE_MRAED_OFFSET = DATA_OFFSET + 8;
    public static final int SERVICE_TIMEOUT_OFFSET = DATA_OFFSET + 9;
    public static final int PRIVATE_DATA_OFFSET = DATA_OFFSET + 10;
    public static final int PRIVATE_DATA_LENGTH = 222;

    private static final int MESSAGE_SHIFT = 6;
    private static final int MESSAGE_WIDTH = 2;
    private static final int SERVICE_TIMEOUT_SHIFT = 3;
    private static final int SERVICE_TIMEOUT_WIDTH = 5;

    public CmMra() {
        super(ATTR_MRA, PRIVATE_DATA_OFFSET, PRIVATE_DATA_LENGTH);
    }

    /** {@link #MESSAGE_REQ}, {@link #MESSAGE_REP} or {@link #MESSAGE_OTHER}. */
    public int messageMraed() {
        return getBits(MESSAGE_MRAED_OFFSET, MESSAGE_SHIFT, MESSAGE_WIDTH);
    }

    public CmMra messageMraed(final int value) {
        putBits(MESSAGE_MRAED_OFFSET, MESSAGE_SHIFT, MESSAGE_WIDTH, value);
        return this;
    }

    /** Additional time the sender needs, as a {@link CmTimeout} exponent. */
    public int serviceTimeout() {
        return getBits(SERVICE_TIMEOUT_OFFSET, SERVICE_TIMEOUT_SHIFT, SERVICE_TIMEOUT_WIDTH);
    }

    public CmMra serviceTimeout(final int value) {
        putBits(SERVICE_TIMEOUT_OFFSET, SERVICE_TIMEOUT_SHIFT, SERVICE_TIMEOUT_WIDTH, value);
        return this;
    }
}
