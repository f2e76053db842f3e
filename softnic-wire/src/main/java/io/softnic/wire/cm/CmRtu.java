package io.softnic.wire.cm;

/** Ready To Use (RTU, attribute 0x0014): comm ids at 24 and 28, private data 32-255 (224 bytes). */
public final class CmRtu extends CmPeerMessage<CmRtu> {
    public static final int PRIVATE_DATA_OFFSET = DATA_OFFSET + 8;
    public static final int PRIVATE_DATA_LENGTH = 224;

    public CmRtu() {
        super(ATTR_RTU, PRIVATE_DATA_OFFSET, PRIVATE_DATA_LENGTH);
    }
}
