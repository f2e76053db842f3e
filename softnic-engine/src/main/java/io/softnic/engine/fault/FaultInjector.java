package io.softnic.engine.fault;

import java.util.SplittableRandom;

/**
 * A debug option on the receive path: drops, duplicates, reorders or corrupts received packets at set rates, from a
 * seeded generator so a failing run can be repeated. Decisions only; the RX pipeline carries them out.
 */
public final class FaultInjector
{
    public static final int PASS = 0;
    public static final int DROP = 1;
    public static final int DUPLICATE = 2;
    public static final int REORDER = 3;
    public static final int CORRUPT = 4;

    /** Rates are probabilities in [0, 1] applied to each received packet. */
    public record Config(double drop, double duplicate, double reorder, double corrupt, long seed)
    {
        public static final Config NONE = new Config(0, 0, 0, 0, 0);

        public Config
        {
            for (final double r : new double[]{drop, duplicate, reorder, corrupt})
            {
                if (!(r >= 0 && r <= 1))
                {
                    throw new IllegalArgumentException("fault rate must be in [0,1]: " + r);
                }
            }
            if (drop + duplicate + reorder + corrupt > 1)
            {
                throw new IllegalArgumentException("fault rates add up to more than 1");
            }
        }

        public boolean enabled()
        {
            return drop + duplicate + reorder + corrupt > 0;
        }

        public static Config uniform(final double rate, final long seed)
        {
            return new Config(rate, rate, rate, rate, seed);
        }
    }

    private final Config config;
    private final SplittableRandom random;

    public FaultInjector(final Config config)
    {
        this.config = config;
        this.random = new SplittableRandom(config.seed());
    }

    public boolean enabled()
    {
        return config.enabled();
    }

    public int decide()
    {
        final double r = random.nextDouble();
        double edge = config.drop();
        if (r < edge)
        {
            return DROP;
        }
        edge += config.duplicate();
        if (r < edge)
        {
            return DUPLICATE;
        }
        edge += config.reorder();
        if (r < edge)
        {
            return REORDER;
        }
        edge += config.corrupt();
        return r < edge ? CORRUPT : PASS;
    }

    /** Which byte to flip, and how, for a corrupted packet of the given length. */
    public int corruptIndex(final int length)
    {
        return random.nextInt(length);
    }

    public int corruptMask()
    {
        return 1 + random.nextInt(255);
    }
}
