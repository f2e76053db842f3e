package io.softnic.verbs;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** Codes must match ibverbs' C enums so tools and people reading numbers see the same thing. */
@Timeout(10)
class VerbsConstantsTest
{
    @Test
    void statusCodesFollowTheCEnum()
    {
        assertEquals(0, IbvWcStatus.SUCCESS.code());
        assertEquals(4, IbvWcStatus.LOC_PROT_ERR.code());
        assertEquals(5, IbvWcStatus.WR_FLUSH_ERR.code());
        assertEquals(10, IbvWcStatus.REM_ACCESS_ERR.code());
        assertEquals(12, IbvWcStatus.RETRY_EXC_ERR.code());
        assertEquals(13, IbvWcStatus.RNR_RETRY_EXC_ERR.code());
        assertEquals(21, IbvWcStatus.GENERAL_ERR.code());
        assertEquals(IbvWcStatus.GENERAL_ERR, IbvWcStatus.of(200), "garbage reads as GENERAL_ERR, never throws");
    }

    @Test
    void mtuCodes()
    {
        assertEquals(256, IbvMtu.bytes(IbvMtu.MTU_256));
        assertEquals(4096, IbvMtu.bytes(IbvMtu.MTU_4096));
        assertEquals(IbvMtu.MTU_1024, IbvMtu.fromBytes(1024));
        assertThrows(VerbsException.class, () -> IbvMtu.bytes(6));
        assertThrows(VerbsException.class, () -> IbvMtu.fromBytes(1500));
    }

    @Test
    void accessFlagsAreCheckedAsIbverbsDoes()
    {
        IbvAccess.validate(IbvAccess.LOCAL_WRITE | IbvAccess.ALL_REMOTE);
        IbvAccess.validate(IbvAccess.REMOTE_READ);
        assertThrows(VerbsException.class, () -> IbvAccess.validate(IbvAccess.REMOTE_WRITE));
        assertThrows(VerbsException.class, () -> IbvAccess.validate(IbvAccess.REMOTE_ATOMIC));
        assertThrows(VerbsException.class, () -> IbvAccess.validate(1 << 20));
    }

    @Test
    void wrOpcodesMapToCompletionOpcodes()
    {
        assertEquals(IbvWcOpcode.RDMA_WRITE, IbvWrOpcode.completionOpcode(IbvWrOpcode.RDMA_WRITE_WITH_IMM));
        assertEquals(IbvWcOpcode.SEND, IbvWrOpcode.completionOpcode(IbvWrOpcode.SEND_WITH_IMM));
        assertEquals(IbvWcOpcode.COMP_SWAP, IbvWrOpcode.completionOpcode(IbvWrOpcode.ATOMIC_CMP_AND_SWP));
        assertEquals(IbvWcOpcode.FETCH_ADD, IbvWrOpcode.completionOpcode(IbvWrOpcode.ATOMIC_FETCH_AND_ADD));
        assertEquals(IbvWcOpcode.RDMA_READ, IbvWrOpcode.completionOpcode(IbvWrOpcode.RDMA_READ));
    }
}
