package io.softnic.verbs;

import io.softnic.cm.CmControl;
import io.softnic.hostif.DoorbellRing;

import java.lang.foreign.MemorySegment;

/**
 * The command channel from a verbs context to the device's control plane (the "master"). Only control operations go
 * through here; the data path (post, doorbell, poll) touches the rings in host memory directly. An embedded engine
 * implements it with direct calls; an attached tenant implements it over a channel in shared memory.
 */
public interface DeviceControl extends AutoCloseable
{
    String deviceName();

    IbvDeviceAttr queryDevice();

    int allocPd();

    void deallocPd(int pdn);

    /**
     * Memory the device can reach: off-heap memory of this process when embedded, a shared-memory mapping when the
     * tenant lives in another process. Regions to register should come from here.
     */
    MemorySegment allocateBuffer(long bytes, long alignment);

    MrKeys regMr(int pdn, MemorySegment memory, int access);

    void deregMr(int lkey);

    CqResources createCq(int cqe, int compVector);

    void destroyCq(int cqn);

    QpResources createQp(int pdn, int sendCqn, int recvCqn, IbvQpCap cap, boolean sqSigAll);

    /**
     * A QP whose completions spread over a set of CQs, one per completion vector (seed 5): send completions go to
     * the CQ of the vector named in the WQE, receive completions follow {@code recvPolicy} ({@link RecvCqPolicy}).
     */
    QpResources createQp(
        int pdn, int sendCqn, int recvCqn, IbvQpCap cap, boolean sqSigAll, int[] cqSetCqns, int recvPolicy);

    /**
     * A named flow of the bus interface (seed 3) with a priority class and a weight; the same name again gives the
     * same flow if class and weight match. Returns its id.
     */
    int createFlow(String name, int priorityClass, int weight);

    /** Puts the QP into a named flow made by this context. */
    void setQpFlow(int qpn, int flowId);

    /**
     * The event queue of a completion vector for this context, in memory this context can reach; the device creates
     * it on first use. Armed CQs of that vector post their events into it.
     */
    EqResources eventQueue(int compVector);

    /**
     * For a handler thread in the device's own process: the thread sleeping on the EQ, which the device then wakes by
     * unpark rather than by futex; null goes back to the futex. Returns false where the device cannot unpark it (it
     * runs in another process): the thread must sleep on the futex.
     */
    boolean eventQueueWaiter(int compVector, Thread thread);

    /** Interrupt moderation of one CQ ({@code ibv_modify_cq}); null returns the CQ to its EQ's setting. */
    void modifyCqModeration(int cqn, CqModeration moderation);

    /** Interrupt moderation for every CQ of a vector that has none of its own ({@code ethtool -C}). */
    void modifyEqModeration(int compVector, CqModeration moderation);

    void modifyQp(int qpn, IbvQpAttr attr, int mask);

    void queryQp(int qpn, IbvQpAttr attr);

    void destroyQp(int qpn);

    DoorbellRing doorbell();

    /**
     * In INVOKER threading the application's thread drives the device: this runs one duty cycle and returns the work
     * done. In other modes it returns 0 at once.
     */
    int drive();

    CmControl cm();

    @Override
    void close();

    record MrKeys(int lkey, int rkey, long addr, long length)
    {
    }

    record CqResources(int cqn, MemorySegment ring, int capacity)
    {
    }

    record EqResources(int eqn, MemorySegment ring, int capacity)
    {
    }

    record QpResources(
        int qpn,
        MemorySegment sendRing,
        int sendCapacity,
        int sendStride,
        MemorySegment recvRing,
        int recvCapacity,
        int recvStride,
        IbvQpCap granted)
    {
    }
}
