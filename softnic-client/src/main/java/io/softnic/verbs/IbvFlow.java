package io.softnic.verbs;

/**
 * A named application flow of the device's bus interface (seed 3): QPs put into it share one queue on the device's
 * bus, served against other flows by its priority class (0 first) and, within a class, by its weight, so that a
 * bulk flow cannot stall a latency-sensitive one. QPs in no named flow are each a flow of their own (class 0,
 * weight 1). Made by {@link IbvContext#createFlow}; a QP joins one through {@link IbvQpInitAttr#flow} or
 * {@link IbvQp#flow(IbvFlow)}.
 */
public final class IbvFlow
{
    /** Priority classes are 0 (served first) to this minus one. */
    public static final int CLASSES = 8;
    public static final int MAX_WEIGHT = 1024;

    private final IbvContext context;
    private final int id;
    private final String name;
    private final int priorityClass;
    private final int weight;

    IbvFlow(final IbvContext context, final int id, final String name, final int priorityClass, final int weight)
    {
        this.context = context;
        this.id = id;
        this.name = name;
        this.priorityClass = priorityClass;
        this.weight = weight;
    }

    /** Checks the arguments of a new flow: the client before any message, the device again (they are untrusted). */
    public static void validate(final String name, final int priorityClass, final int weight)
    {
        if (name == null || !name.matches("[A-Za-z0-9][A-Za-z0-9_.-]{0,31}"))
        {
            throw new VerbsException("flow name '" + name + "': 1..32 letters, digits, '_', '.', '-', starting " +
                "with a letter or digit");
        }
        if (priorityClass < 0 || priorityClass >= CLASSES)
        {
            throw new VerbsException("flow priority class " + priorityClass + " out of range 0.." + (CLASSES - 1));
        }
        if (weight < 1 || weight > MAX_WEIGHT)
        {
            throw new VerbsException("flow weight " + weight + " out of range 1.." + MAX_WEIGHT);
        }
    }

    IbvContext context()
    {
        return context;
    }

    public int id()
    {
        return id;
    }

    public String name()
    {
        return name;
    }

    public int priorityClass()
    {
        return priorityClass;
    }

    public int weight()
    {
        return weight;
    }

    @Override
    public String toString()
    {
        return "flow " + name + " (class " + priorityClass + ", weight " + weight + ")";
    }
}
