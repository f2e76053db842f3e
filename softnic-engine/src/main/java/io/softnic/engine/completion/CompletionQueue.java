package io.softnic.engine.completion;

import io.softnic.engine.counters.EngineCounters;
import io.softnic.hostif.Cqe;
import io.softnic.hostif.HostRing;
import io.softnic.verbs.IbvCq;

/**
 * The device side of a completion queue: the one writer of its ring. Both pipelines may complete into one CQ (send
 * completions from the completer, receive completions from the responder, flushes from the control plane), so
 * writes are serialized on the CQ itself; the lock is the CQ's own, never shared between tenants.
 */
public final class CompletionQueue
{
    private final int cqn;
    private final int compVector;
    private final HostRing ring;
    private final EngineCounters counters;
    private long producer;
    private boolean overrun;

    public CompletionQueue(final int cqn, final int compVector, final HostRing ring, final EngineCounters counters)
    {
        this.cqn = cqn;
        this.compVector = compVector;
        this.ring = ring;
        this.counters = counters;
        this.producer = ring.producerAcquire();
    }

    public int cqn()
    {
        return cqn;
    }

    public int compVector()
    {
        return compVector;
    }

    public HostRing ring()
    {
        return ring;
    }

    /** Writes one completion; false if the CQ has overrun (it is then in error, as IBV_EVENT_CQ_ERR). */
    public synchronized boolean complete(
        final long wrId,
        final int status,
        final int opcode,
        final int byteLen,
        final int qpn,
        final int srcQp,
        final int wcFlags,
        final int immData)
    {
        counters.completion(status);
        if (overrun)
        {
            return false;
        }
        if (producer - ring.consumerAcquire() >= ring.capacity())
        {
            overrun = true;
            ring.errorWord(IbvCq.ERROR_OVERRUN);
            return false;
        }
        Cqe.put(ring.region(), ring.entryOffset(producer), wrId, status, opcode, byteLen, qpn, srcQp, wcFlags, immData, 0);
        producer++;
        ring.producerRelease(producer);
        return true;
    }

    public synchronized boolean overrun()
    {
        return overrun;
    }
}
