package io.softnic.tools.perf;

/**
 * The order in which the bandwidth engine posts: passes over the QPs, each posting at most one request on every QP
 * that has room (fewer than TX depth requests outstanding and its target not reached), repeated while a pass posted
 * anything. The device thus sees the requests of many QPs interleaved (q0 r0, q1 r0, ..., q0 r1, q1 r1, ...) instead
 * of each QP filled to its depth before the next; a single QP is filled to its depth as before.
 * <p>
 * A pass visits only the QPs that may have room: a bit per QP, cleared when the QP is full or done and set again when
 * a completion frees room ({@link #room}), so with thousands of QPs a fill costs what it posts, not a walk of them all.
 */
final class RoundRobin
{
    /** Posts request {@code seq} of QP {@code q}. */
    interface Post
    {
        void post(int q, long seq);
    }

    private final int qps;
    private final long[] mayPost;

    RoundRobin(final int qps)
    {
        this.qps = qps;
        this.mayPost = new long[(qps + 63) >>> 6];
        everyQp();
    }

    /** Every QP may have room (a round starts, or the targets changed). */
    void everyQp()
    {
        java.util.Arrays.fill(mayPost, -1L);
        if ((qps & 63) != 0)
        {
            mayPost[mayPost.length - 1] = (1L << (qps & 63)) - 1;
        }
    }

    /** QP {@code q} may have room again (a completion came for it). */
    void room(final int q)
    {
        mayPost[q >>> 6] |= 1L << q;
    }

    /**
     * Posts what fits, pass by pass; {@code posted} is advanced for each request posted. Returns how many were posted.
     * Allocates nothing.
     */
    long fill(final long[] posted, final long[] completed, final long[] target, final int depth, final Post post)
    {
        long total = 0;
        int inPass;
        do
        {
            inPass = 0;
            for (int w = 0; w < mayPost.length; w++)
            {
                long bits = mayPost[w];
                while (bits != 0)
                {
                    final int q = (w << 6) + Long.numberOfTrailingZeros(bits);
                    bits &= bits - 1;
                    final long p = posted[q];
                    if (p < target[q] && p - completed[q] < depth)
                    {
                        post.post(q, p);
                        posted[q] = p + 1;
                        inPass++;
                    }
                    else
                    {
                        mayPost[w] &= ~(1L << q); // full or done: looked at again once a completion comes
                    }
                }
            }
            total += inPass;
        }
        while (inPass > 0);
        return total;
    }
}
