package io.softnic.wire.cm;

/** Disconnect Reply (DREP, attribute 0x0016): comm ids at 24 and 28, private data 32-255 (224 bytes). */
public final class CmDrep extends CmPeerMessage<CmDrep> {
    public static final int PRIVATE_DATA_OFFSET = DATA_OFFSET + 8;
    public static final int PRIVATE_DATA_LENGTH = 224;

    public CmDrep() {
        super(ATTR_DREP, PRIVATE_DATA_OFFSET, PRIVATE_DATA_LENGTH);
    }
}
