package io.softnic.engine.bus;

/**
 * A named application flow of the bus interface (seed 3): QPs put into it share one flow queue, served against the
 * other flows by its priority class (0 first) and, within the class, by its weight. QPs in no named flow are each a
 * flow of their own (class 0, weight 1). Its statistics are written by the TX pipeline and read by anyone.
 */
public final class BusFlow
{
    public static final int NO_ARBITER_FLOW = -1;

    private final int id;
    private final String name;
    private final int owner;
    private final int priorityClass;
    private final int weight;
    /** Its flow id in the TX pipeline's arbiter, given when it first has a turn; TX thread only. */
    int arbiterFlow = NO_ARBITER_FLOW;
    private volatile long bytes;
    private volatile long turns;
    private volatile long waitNanos;
    private volatile int depth;

    /**
     * @param owner the vNIC id that made it, or -1 for the engine's own applications: only the owner's QPs join it
     */
    public BusFlow(final int id, final String name, final int owner, final int priorityClass, final int weight)
    {
        this.id = id;
        this.name = name;
        this.owner = owner;
        this.priorityClass = priorityClass;
        this.weight = weight;
    }

    public int id()
    {
        return id;
    }

    public String name()
    {
        return name;
    }

    public int owner()
    {
        return owner;
    }

    public int priorityClass()
    {
        return priorityClass;
    }

    public int weight()
    {
        return weight;
    }

    /** Bytes its QPs moved over the bus in their turns. */
    public long bytes()
    {
        return bytes;
    }

    /** Turns its QPs got on the bus. */
    public long turns()
    {
        return turns;
    }

    /** Nanoseconds its turns waited in its queue, from queuing to grant, in total. */
    public long waitNanos()
    {
        return waitNanos;
    }

    /** Turns waiting in its queue now. */
    public int depth()
    {
        return depth;
    }

    /** TX thread: what the arbiter says of the flow now. */
    void update(final long bytes, final long turns, final long waitNanos, final int depth)
    {
        this.bytes = bytes;
        this.turns = turns;
        this.waitNanos = waitNanos;
        this.depth = depth;
    }

    @Override
    public String toString()
    {
        return "flow " + name + " (class " + priorityClass + ", weight " + weight + ")";
    }
}
