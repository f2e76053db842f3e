package io.softnic.verbs;

/** {@code enum ibv_access_flags} for memory regions and QPs. */
public final class IbvAccess
{
    public static final int LOCAL_WRITE = 1;
    public static final int REMOTE_WRITE = 1 << 1;
    public static final int REMOTE_READ = 1 << 2;
    public static final int REMOTE_ATOMIC = 1 << 3;
    public static final int MW_BIND = 1 << 4;

    public static final int ALL_REMOTE = REMOTE_WRITE | REMOTE_READ | REMOTE_ATOMIC;
    static final int ALL = LOCAL_WRITE | ALL_REMOTE | MW_BIND;

    private IbvAccess()
    {
    }

    /** ibverbs refuses remote write or atomic access without local write; so do we. */
    public static void validate(final int access)
    {
        if ((access & ~ALL) != 0)
        {
            throw new VerbsException("unknown access flags 0x" + Integer.toHexString(access & ~ALL));
        }
        if ((access & (REMOTE_WRITE | REMOTE_ATOMIC)) != 0 && (access & LOCAL_WRITE) == 0)
        {
            throw new VerbsException("REMOTE_WRITE and REMOTE_ATOMIC require LOCAL_WRITE (as in ibverbs)");
        }
    }
}
