package io.softnic.verbs;

/** {@code enum ibv_mtu}: path MTU codes 1..5 for 256..4096 bytes. */
public final class IbvMtu
{
    public static final int MTU_256 = 1;
    public static final int MTU_512 = 2;
    public static final int MTU_1024 = 3;
    public static final int MTU_2048 = 4;
    public static final int MTU_4096 = 5;

    private IbvMtu()
    {
    }

    public static int bytes(final int mtu)
    {
        if (mtu < MTU_256 || mtu > MTU_4096)
        {
            throw new VerbsException("invalid path MTU code " + mtu + " (1=256 .. 5=4096)");
        }
        return 128 << mtu;
    }

    public static int fromBytes(final int bytes)
    {
        return switch (bytes)
        {
            case 256 -> MTU_256;
            case 512 -> MTU_512;
            case 1024 -> MTU_1024;
            case 2048 -> MTU_2048;
            case 4096 -> MTU_4096;
            default -> throw new VerbsException("invalid MTU " + bytes + " (256, 512, 1024, 2048 or 4096)");
        };
    }
}
