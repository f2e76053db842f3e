package io.softnic.verbs;

/** {@code struct ibv_qp_cap}. The device may round up; the granted values are written back at create time. */
public final class IbvQpCap
{
    public int maxSendWr = 128;
    public int maxRecvWr = 128;
    public int maxSendSge = 4;
    public int maxRecvSge = 4;
    public int maxInlineData = 64;

    public IbvQpCap copyFrom(final IbvQpCap other)
    {
        maxSendWr = other.maxSendWr;
        maxRecvWr = other.maxRecvWr;
        maxSendSge = other.maxSendSge;
        maxRecvSge = other.maxRecvSge;
        maxInlineData = other.maxInlineData;
        return this;
    }

    @Override
    public String toString()
    {
        return "cap{sendWr=" + maxSendWr + ", recvWr=" + maxRecvWr + ", sendSge=" + maxSendSge +
            ", recvSge=" + maxRecvSge + ", inline=" + maxInlineData + "}";
    }
}
