package io.softnic.tools.perf;

/**
 * The order in which the bandwidth engine posts: passes over the QPs, each posting at most one request on every QP
 * that has room (fewer than TX depth requests outstanding and its target not reached), repeated while a pass posted
 * anything. The device thus sees the requests of many QPs interleaved (q0 r0, q1 r0, ..., q0 r1, q1 r1, ...) instead
 * of each QP filled to its depth before the next; a single QP is filled to its depth as before.
 */
final class RoundRobin
{
    /** Posts request {@code seq} of QP {@code q}. */
    interface Post
    {
        void post(int q, long seq);
    }

    private RoundRobin()
    {
    }

    /**
     * Posts what fits, pass by pass; {@code posted} is advanced for each request posted. Returns how many were posted.
     * Allocates nothing.
     */
    static long fill(final long[] posted, final long[] completed, final long[] target, final int depth,
        final Post post)
    {
        final int qps = posted.length;
        long total = 0;
        int inPass;
        do
        {
            inPass = 0;
            for (int q = 0; q < qps; q++)
            {
                final long p = posted[q];
                if (p < target[q] && p - completed[q] < depth)
                {
                    post.post(q, p);
                    posted[q] = p + 1;
                    inPass++;
                }
            }
            total += inPass;
        }
        while (inPass > 0);
        return total;
    }
}
