package io.softnic.engine.rc;

import io.softnic.engine.bus.MemoryRegion;

/**
 * One saved READ or atomic request on the responder side (bounded by max_dest_rd_atomic): enough to send its
 * response, and to replay it when the requester asks again (a READ is re-read from memory, an atomic's result is
 * returned without executing it twice).
 */
final class ResponderResource
{
    static final int FREE = 0;
    static final int READ = 1;
    static final int ATOMIC = 2;

    /** This resource's place in the responder's table, which the response queue names it by. */
    final int slot;
    int kind = FREE;
    int firstPsn;
    int lastPsn;
    int packets;
    long virtualAddress;
    int length;
    MemoryRegion region;
    long atomicResult;
    /** Response progress: next PSN to send and the byte offset it carries. */
    int sendPsn;
    long sendOffset;
    boolean queued;
    /** Bumped when the slot is reused, so queue entries for its previous request are skipped. */
    int epoch;

    ResponderResource(final int slot)
    {
        this.slot = slot;
    }
}
