package io.softnic.tools.perf;

import io.softnic.verbs.IbvWrOpcode;

/**
 * Which atomic the atomic tests issue (perftest's -A). Both leave the same values behind, so both are checked alike.
 */
public enum AtomicOp
{
    FETCH_AND_ADD(IbvWrOpcode.ATOMIC_FETCH_AND_ADD),
    CMP_AND_SWAP(IbvWrOpcode.ATOMIC_CMP_AND_SWP);

    private final int opcode;

    AtomicOp(final int opcode)
    {
        this.opcode = opcode;
    }

    public int opcode()
    {
        return opcode;
    }
}
