package io.softnic.wire.cm;

import java.lang.foreign.MemorySegment;

/**
 * A CM message body within its MAD: every message starts with the sender's local communication
 * id and ends with a private data area whose size depends on the message type. All offsets of
 * subclasses are from the start of the MAD, i.e. already include the 24-byte header.
 *
 * <p>Self-typed so that setters declared here chain into the subclass's own setters.
 *
 * @param <T> the concrete message type
 */
public abstract class CmMessage<T extends CmMessage<T>> extends Mad {
    public static final int LOCAL_COMM_ID_OFFSET = DATA_OFFSET;

    /** Encodings of "message REJected" / "message MRAed". */
    public static final int MESSAGE_REQ = 0;
    public static final int MESSAGE_REP = 1;
    public static final int MESSAGE_OTHER = 2;

    private final int attributeId;
    private final int privateDataOffset;
    private final int privateDataLength;

    protected CmMessage(final int attributeId, final int privateDataOffset, final int privateDataLength) {
        this.attributeId = attributeId;
        this.privateDataOffset = privateDataOffset;
        this.privateDataLength = privateDataLength;
    }

    @SuppressWarnings("unchecked")
    protected final T self() {
        return (T) this;
    }

    @Override
    public T wrap(final MemorySegment segment, final long offset) {
        super.wrap(segment, offset);
        return self();
    }

    /** Zeroes the MAD and writes the CM SEND header with this message's attribute id. */
    public T init(final long transactionId) {
        initCm(attributeId, transactionId);
        return self();
    }

    /** True if the wrapped MAD is a CM MAD carrying this message type. */
    public boolean isValid() {
        return isCm() && attributeId() == attributeId;
    }

    public int localCommId() {
        return getI32(LOCAL_COMM_ID_OFFSET);
    }

    public T localCommId(final int value) {
        putI32(LOCAL_COMM_ID_OFFSET, value);
        return self();
    }

    /** Offset of the private data from the start of the MAD. */
    public final int privateDataOffset() {
        return privateDataOffset;
    }

    /** Capacity of the private data area (it has no length field: unused bytes are zero). */
    public final int privateDataLength() {
        return privateDataLength;
    }

    /** Copies {@code length} bytes of private data (from its start) into {@code dst}. */
    public final void getPrivateData(final MemorySegment dst, final long dstOffset, final int length) {
        checkPrivateDataLength(length);
        copyOut(privateDataOffset, dst, dstOffset, length);
    }

    /** Writes {@code length} bytes of private data and zeroes the rest of the area. */
    public final T putPrivateData(final MemorySegment src, final long srcOffset, final int length) {
        checkPrivateDataLength(length);
        copyIn(privateDataOffset, src, srcOffset, length);
        zero(privateDataOffset + length, privateDataLength - length);
        return self();
    }

    private void checkPrivateDataLength(final int length) {
        if (length < 0 || length > privateDataLength) {
            throw new IllegalArgumentException(
                "private data length " + length + " outside 0.." + privateDataLength);
        }
    }
}
