package io.softnic.engine.bus;

/**
 * The bus interface's per-flow queues (seed 3): each application flow has its own bounded FIFO of transfers, and the
 * bus is granted to one chunk of one flow at a time, so a bulk flow cannot stall a latency-sensitive one.
 * <ul>
 *   <li><b>Strict priority between classes</b>: class 0 is served first; a lower class (higher number) is served only
 *   while every higher class is empty.</li>
 *   <li><b>Deficit weighted round robin within a class</b> (Shreedhar and Varghese's DRR): each turn a flow earns
 *   {@code weight * quantum} bytes of credit and sends chunks while its credit covers the next one; an unspent credit
 *   carries to its next turn, and an emptied flow forfeits it. Over a backlogged run the bytes each flow of a class
 *   got, divided by its weight, differ by less than {@code quantum + maxChunk}.</li>
 *   <li><b>Bounded chunks</b>: a transfer larger than {@code maxChunk} goes out in pieces, so other flows interleave
 *   with it.</li>
 *   <li><b>Back-pressure per flow</b>: a full flow queue refuses that flow's {@link #offer} only.</li>
 * </ul>
 * Fixed capacities, all state in primitive arrays: nothing allocates after construction except
 * {@link #addFlow}'s argument checks. Single-threaded: the pipeline thread that owns the bus offers and polls.
 * A transfer is named by the caller's {@code tag} (e.g. an index into its own descriptor table).
 */
public final class FlowArbiter
{
    /** Classes are kept as bits of one int, so finding the highest backlogged class is one instruction. */
    public static final int MAX_CLASSES = Integer.SIZE;
    /** No flow, or no chunk to serve. */
    public static final int NONE = -1;

    private final int maxFlows;
    private final int classes;
    private final int queueCapacity;
    private final int quantum;
    private final int maxChunk;

    // per flow; flowClass NONE marks a free flow id
    private final int[] flowClass;
    private final int[] weight;
    private final long[] deficit;
    private final boolean[] inTurn;
    private final int[] head;
    private final int[] depth;
    private final int[] headServed; // bytes of the head transfer already granted
    private final int[] nextActive; // intrusive singly linked list of a class's backlogged flows
    private final long[] bytesServed;
    private final long[] chunksServed;
    private final long[] refused;
    private final long[] transfersStarted;
    private final long[] waitNanos;

    // flow queues: flow f's ring is slots [f * queueCapacity, (f + 1) * queueCapacity)
    private final long[] tags;
    private final int[] lengths;
    private final long[] offeredAt;

    // per class: backlogged flows in round-robin order; the head is the flow whose turn it is
    private final int[] activeHead;
    private final int[] activeTail;
    private int backlogged;

    private final int[] freeIds;
    private int freeCount;

    // the chunk granted by the last poll
    private long chunkTag;
    private int chunkOffset;
    private int chunkLength;
    private boolean chunkEnds;

    /**
     * @param maxFlows      flows that may exist at once.
     * @param classes       priority classes, 1..{@value #MAX_CLASSES}; 0 is the highest.
     * @param queueCapacity transfers each flow may have queued.
     * @param quantum       bytes of credit per turn per unit of weight.
     * @param maxChunk      the largest piece of a transfer granted at once.
     */
    public FlowArbiter(final int maxFlows, final int classes, final int queueCapacity, final int quantum,
        final int maxChunk)
    {
        if (maxFlows < 1 || classes < 1 || classes > MAX_CLASSES || queueCapacity < 1 || quantum < 1 || maxChunk < 1)
        {
            throw new IllegalArgumentException("maxFlows, queueCapacity, quantum, maxChunk >= 1; classes 1.."
                + MAX_CLASSES);
        }
        if ((long)maxFlows * queueCapacity > Integer.MAX_VALUE - 8)
        {
            throw new IllegalArgumentException("maxFlows * queueCapacity too large");
        }
        this.maxFlows = maxFlows;
        this.classes = classes;
        this.queueCapacity = queueCapacity;
        this.quantum = quantum;
        this.maxChunk = maxChunk;
        this.flowClass = new int[maxFlows];
        this.weight = new int[maxFlows];
        this.deficit = new long[maxFlows];
        this.inTurn = new boolean[maxFlows];
        this.head = new int[maxFlows];
        this.depth = new int[maxFlows];
        this.headServed = new int[maxFlows];
        this.nextActive = new int[maxFlows];
        this.bytesServed = new long[maxFlows];
        this.chunksServed = new long[maxFlows];
        this.refused = new long[maxFlows];
        this.transfersStarted = new long[maxFlows];
        this.waitNanos = new long[maxFlows];
        this.tags = new long[maxFlows * queueCapacity];
        this.lengths = new int[maxFlows * queueCapacity];
        this.offeredAt = new long[maxFlows * queueCapacity];
        this.activeHead = new int[classes];
        this.activeTail = new int[classes];
        java.util.Arrays.fill(activeHead, NONE);
        java.util.Arrays.fill(activeTail, NONE);
        java.util.Arrays.fill(flowClass, NONE);
        this.freeIds = new int[maxFlows];
        for (int i = 0; i < maxFlows; i++)
        {
            freeIds[i] = maxFlows - 1 - i; // lowest ids handed out first
        }
        this.freeCount = maxFlows;
    }

    /** A new flow, or {@link #NONE} if {@code maxFlows} exist already. Control path. */
    public int addFlow(final int priorityClass, final int flowWeight)
    {
        if (priorityClass < 0 || priorityClass >= classes || flowWeight < 1)
        {
            throw new IllegalArgumentException("class 0.." + (classes - 1) + ", weight >= 1");
        }
        if (freeCount == 0)
        {
            return NONE;
        }
        final int flow = freeIds[--freeCount];
        flowClass[flow] = priorityClass;
        weight[flow] = flowWeight;
        deficit[flow] = 0;
        inTurn[flow] = false;
        head[flow] = 0;
        depth[flow] = 0;
        headServed[flow] = 0;
        nextActive[flow] = NONE;
        bytesServed[flow] = 0;
        chunksServed[flow] = 0;
        refused[flow] = 0;
        transfersStarted[flow] = 0;
        waitNanos[flow] = 0;
        return flow;
    }

    /** Removes a flow and drops what it had queued (the caller fails or re-posts those). Returns the number dropped. */
    public int removeFlow(final int flow)
    {
        checkFlow(flow);
        final int dropped = depth[flow];
        if (dropped > 0)
        {
            unlink(flow);
        }
        flowClass[flow] = NONE;
        depth[flow] = 0;
        freeIds[freeCount++] = flow;
        return dropped;
    }

    /**
     * Queues a transfer of {@code bytes} (>= 1) on the flow. Returns false, and counts a refusal, if the flow's queue
     * is full: back-pressure on that flow alone.
     */
    public boolean offer(final int flow, final long tag, final int bytes)
    {
        return offer(flow, tag, bytes, 0);
    }

    /** As {@link #offer(int, long, int)}, stamped with the time it was queued, for the flow's waiting time. */
    public boolean offer(final int flow, final long tag, final int bytes, final long nowNanos)
    {
        checkFlow(flow);
        if (bytes < 1)
        {
            throw new IllegalArgumentException("a transfer moves at least one byte");
        }
        final int queued = depth[flow];
        if (queued == queueCapacity)
        {
            refused[flow]++;
            return false;
        }
        int index = head[flow] + queued;
        if (index >= queueCapacity)
        {
            index -= queueCapacity;
        }
        final int slot = flow * queueCapacity + index;
        tags[slot] = tag;
        lengths[slot] = bytes;
        offeredAt[slot] = nowNanos;
        depth[flow] = queued + 1;
        if (queued == 0)
        {
            append(flowClass[flow], flow);
        }
        return true;
    }

    /**
     * Grants the bus to the next chunk: returns its flow (then {@link #chunkTag()}, {@link #chunkOffset()},
     * {@link #chunkLength()} and {@link #chunkEnds()} describe it) or {@link #NONE} when every queue is empty.
     */
    public int poll()
    {
        return poll(0);
    }

    /** As {@link #poll()}; a transfer's first chunk adds how long it waited since its offer to its flow's total. */
    public int poll(final long nowNanos)
    {
        if (backlogged == 0)
        {
            return NONE;
        }
        final int cls = Integer.numberOfTrailingZeros(backlogged);
        while (true) // ends: every pass either grants a chunk or moves on with more credit, which grows without bound
        {
            final int flow = activeHead[cls];
            if (!inTurn[flow])
            {
                deficit[flow] += (long)weight[flow] * quantum;
                inTurn[flow] = true;
            }
            final int slot = flow * queueCapacity + head[flow];
            final int served = headServed[flow];
            final int chunk = Math.min(lengths[slot] - served, maxChunk);
            if (chunk > deficit[flow])
            {
                inTurn[flow] = false; // credit carries over to its next turn
                rotate(cls);
                continue;
            }
            deficit[flow] -= chunk;
            if (served == 0)
            {
                transfersStarted[flow]++;
                waitNanos[flow] += nowNanos - offeredAt[slot];
            }
            chunkTag = tags[slot];
            chunkOffset = served;
            chunkLength = chunk;
            chunkEnds = served + chunk == lengths[slot];
            bytesServed[flow] += chunk;
            chunksServed[flow]++;
            if (!chunkEnds)
            {
                headServed[flow] = served + chunk;
                return flow;
            }
            headServed[flow] = 0;
            head[flow] = head[flow] + 1 == queueCapacity ? 0 : head[flow] + 1;
            if (--depth[flow] == 0)
            {
                deficit[flow] = 0; // an idle flow does not bank credit (DRR)
                inTurn[flow] = false;
                removeHead(cls);
            }
            return flow;
        }
    }

    /**
     * The last granted chunk of {@code flow} moved {@code usedBytes} rather than the {@code grantedBytes} it was
     * granted (a transfer whose size is known only once it runs): the flow's credit and served bytes follow what it
     * really moved. A flow that has gone idle keeps no credit either way.
     */
    public void charge(final int flow, final int grantedBytes, final int usedBytes)
    {
        checkFlow(flow);
        bytesServed[flow] += usedBytes - grantedBytes;
        if (depth[flow] > 0)
        {
            deficit[flow] += grantedBytes - usedBytes;
        }
    }

    /**
     * Ends the head transfer of {@code flow} where it is, its remaining bytes dropped (a transfer that turned out
     * smaller than offered). A flow left with nothing queued goes idle and keeps no credit.
     */
    public void endTransfer(final int flow)
    {
        checkFlow(flow);
        if (depth[flow] == 0)
        {
            throw new IllegalStateException("flow " + flow + " has no transfer to end");
        }
        headServed[flow] = 0;
        head[flow] = head[flow] + 1 == queueCapacity ? 0 : head[flow] + 1;
        if (--depth[flow] == 0)
        {
            deficit[flow] = 0;
            inTurn[flow] = false;
            unlink(flow);
        }
    }

    public long chunkTag()
    {
        return chunkTag;
    }

    /** Where in its transfer the last granted chunk starts. */
    public int chunkOffset()
    {
        return chunkOffset;
    }

    public int chunkLength()
    {
        return chunkLength;
    }

    /** Whether the last granted chunk finished its transfer. */
    public boolean chunkEnds()
    {
        return chunkEnds;
    }

    public boolean isEmpty()
    {
        return backlogged == 0;
    }

    /** Transfers queued on the flow (the one being chunked included). */
    public int depth(final int flow)
    {
        return depth[flow];
    }

    public long bytesServed(final int flow)
    {
        return bytesServed[flow];
    }

    public long chunksServed(final int flow)
    {
        return chunksServed[flow];
    }

    /** Transfers of the flow that have started (got their first chunk). */
    public long transfersStarted(final int flow)
    {
        return transfersStarted[flow];
    }

    /** Nanoseconds the flow's started transfers waited in its queue, from offer to first chunk, in total. */
    public long waitNanos(final int flow)
    {
        return waitNanos[flow];
    }

    /** Offers refused because the flow's queue was full. */
    public long refused(final int flow)
    {
        return refused[flow];
    }

    public int priorityClass(final int flow)
    {
        return flowClass[flow];
    }

    public int weight(final int flow)
    {
        return weight[flow];
    }

    public int queueCapacity()
    {
        return queueCapacity;
    }

    public int quantum()
    {
        return quantum;
    }

    public int maxChunk()
    {
        return maxChunk;
    }

    private void checkFlow(final int flow)
    {
        if (flow < 0 || flow >= maxFlows || flowClass[flow] == NONE)
        {
            throw new IllegalArgumentException("no flow " + flow);
        }
    }

    private void append(final int cls, final int flow)
    {
        nextActive[flow] = NONE;
        if (activeTail[cls] == NONE)
        {
            activeHead[cls] = flow;
            backlogged |= 1 << cls;
        }
        else
        {
            nextActive[activeTail[cls]] = flow;
        }
        activeTail[cls] = flow;
    }

    private void removeHead(final int cls)
    {
        final int flow = activeHead[cls];
        activeHead[cls] = nextActive[flow];
        nextActive[flow] = NONE;
        if (activeHead[cls] == NONE)
        {
            activeTail[cls] = NONE;
            backlogged &= ~(1 << cls);
        }
    }

    /** The head's turn is over: it goes to the back of its class. */
    private void rotate(final int cls)
    {
        final int flow = activeHead[cls];
        if (flow == activeTail[cls])
        {
            return;
        }
        activeHead[cls] = nextActive[flow];
        nextActive[flow] = NONE;
        nextActive[activeTail[cls]] = flow;
        activeTail[cls] = flow;
    }

    /** Walks the class's list to find the predecessor: flow removal, and a flow going idle out of its turn. */
    private void unlink(final int flow)
    {
        final int cls = flowClass[flow];
        if (activeHead[cls] == flow)
        {
            removeHead(cls);
            return;
        }
        int previous = activeHead[cls];
        while (nextActive[previous] != flow)
        {
            previous = nextActive[previous];
        }
        nextActive[previous] = nextActive[flow];
        if (activeTail[cls] == flow)
        {
            activeTail[cls] = previous;
        }
        nextActive[flow] = NONE;
    }
}
