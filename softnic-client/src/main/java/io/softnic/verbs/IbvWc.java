package io.softnic.verbs;

/** A work completion, filled in place by {@link IbvCq#poll(IbvWc[], int)}; allocate an array once and reuse it. */
public final class IbvWc
{
    public long wrId;
    public IbvWcStatus status = IbvWcStatus.SUCCESS;
    public int opcode;
    public int vendorErr;
    public int byteLen;
    public int immData;
    public int qpNum;
    public int srcQp;
    public int wcFlags;

    public boolean withImm()
    {
        return (wcFlags & io.softnic.hostif.Cqe.WC_WITH_IMM) != 0;
    }

    @Override
    public String toString()
    {
        return "IbvWc{wrId=" + wrId + ", status=" + status + ", opcode=" + IbvWcOpcode.name(opcode) +
            ", byteLen=" + byteLen + ", qpNum=" + qpNum + (withImm() ? ", imm=0x" + Integer.toHexString(immData) : "") +
            (vendorErr != 0 ? ", vendorErr=" + vendorErr : "") + "}";
    }
}
