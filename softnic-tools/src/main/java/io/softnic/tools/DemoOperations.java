package io.softnic.tools;

import io.softnic.cm.CmParams;
import io.softnic.cm.RdmaCm;
import io.softnic.tools.perf.Pattern;
import io.softnic.tools.perf.RemoteBuffer;
import io.softnic.verbs.IbvAccess;
import io.softnic.verbs.IbvContext;
import io.softnic.verbs.IbvCq;
import io.softnic.verbs.IbvMr;
import io.softnic.verbs.IbvPd;
import io.softnic.verbs.IbvQp;
import io.softnic.verbs.IbvQpAttr;
import io.softnic.verbs.IbvQpAttrMask;
import io.softnic.verbs.IbvQpInitAttr;
import io.softnic.verbs.IbvQpState;
import io.softnic.verbs.IbvRecvWr;
import io.softnic.verbs.IbvSendFlags;
import io.softnic.verbs.IbvSendWr;
import io.softnic.verbs.IbvWc;
import io.softnic.verbs.IbvWcOpcode;
import io.softnic.verbs.IbvWcStatus;
import io.softnic.verbs.IbvWrOpcode;

import java.io.PrintStream;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The demo's tour of the verbs: one RC connection made through the CM, then each operation, client to server, with
 * the data checked where it landed every time and one line printed per operation.
 */
final class DemoOperations implements AutoCloseable
{
    static final int CM_PORT = 18515;
    private static final Duration TIMEOUT = Duration.ofSeconds(5);
    private static final int BUFFER = 64 * 1024;
    private static final long RECV_AREA = 0;
    private static final int RECV_SLOT = 4096;
    private static final int RECVS = 4;
    private static final long SOURCE = 16 * 1024;
    private static final long TARGET = 32 * 1024;
    private static final long WORD = 48 * 1024;
    private static final long FETCHED = WORD + 64;
    private static final int SMALL = 64;
    private static final int PAGE = 4096;
    private static final int REPEAT = 100;

    private final PrintStream out;
    private final Side server;
    private final Side client;
    private RdmaCm.Connection serverConnection;
    private RdmaCm.Connection clientConnection;
    private int verified;
    private int bytes;
    private String note = "";

    /** One side's verbs resources: PD, a CQ for both queues, a registered 64 KiB buffer, an RC QP. */
    private static final class Side implements AutoCloseable
    {
        final String name;
        final IbvContext ibv;
        final IbvPd pd;
        final IbvCq cq;
        final MemorySegment buffer;
        final IbvMr mr;
        final IbvQp qp;
        final IbvWc[] wcs = {new IbvWc()};
        RemoteBuffer peer;
        /** The other side's device: in INVOKER threading this thread must give it its duty cycles too. */
        IbvContext other;

        Side(final String name, final IbvContext ibv)
        {
            this.name = name;
            this.ibv = ibv;
            pd = ibv.allocPd();
            cq = ibv.createCq(64, 0);
            buffer = ibv.allocateBuffer(BUFFER);
            mr = pd.regMr(buffer, IbvAccess.LOCAL_WRITE | IbvAccess.ALL_REMOTE);
            final IbvQpInitAttr init = new IbvQpInitAttr();
            init.sendCq = cq;
            init.recvCq = cq;
            init.cap.maxSendWr = 16;
            init.cap.maxRecvWr = 16;
            init.cap.maxSendSge = 1;
            init.cap.maxRecvSge = 1;
            qp = pd.createQp(init);
            final IbvQpAttr attr = new IbvQpAttr().state(IbvQpState.INIT);
            attr.qpAccessFlags = IbvAccess.LOCAL_WRITE | IbvAccess.ALL_REMOTE;
            qp.modify(attr, IbvQpAttrMask.RC_RESET_TO_INIT);
        }

        RemoteBuffer mine()
        {
            return new RemoteBuffer(mr.addr(), mr.rkey(), mr.length());
        }

        void postReceive(final int slot)
        {
            final IbvRecvWr wr = new IbvRecvWr(1);
            wr.wrId = slot;
            wr.sge(mr.addr() + RECV_AREA + (long)slot * RECV_SLOT, RECV_SLOT, mr.lkey());
            qp.postRecv(wr);
        }

        IbvWc await(final String what)
        {
            final long deadline = System.nanoTime() + TIMEOUT.toNanos();
            while (cq.poll(wcs, 1) == 0)
            {
                other.drive();
                if (System.nanoTime() > deadline)
                {
                    throw new ToolFailure("no completion on the " + name + " within " + TIMEOUT.toSeconds() +
                        " s for " + what);
                }
                Thread.yield();
            }
            final IbvWc wc = wcs[0];
            if (wc.status != IbvWcStatus.SUCCESS)
            {
                throw new ToolFailure(what + ": " + name + " completion " + wc.status + " (" + wc + ")");
            }
            return wc;
        }

        @Override
        public void close()
        {
            quietly(qp::close);
            quietly(mr::close);
            quietly(cq::close);
            quietly(pd::close);
        }
    }

    DemoOperations(final PrintStream out, final LocalEngine serverEngine, final LocalEngine clientEngine)
    {
        this.out = out;
        this.server = new Side("server", serverEngine.ibv());
        Side c = null;
        try
        {
            c = new Side("client", clientEngine.ibv());
            for (int i = 0; i < RECVS; i++)
            {
                server.postReceive(i);
            }
        }
        catch (final RuntimeException ex)
        {
            server.close();
            if (c != null)
            {
                c.close();
            }
            throw ex;
        }
        this.client = c;
        server.other = client.ibv;
        client.other = server.ibv;
    }

    /** Client connects to the server's listener; the private data carries each side's buffer, both ways. */
    void connect(final String serverAddress)
    {
        final RdmaCm.Listener listener = server.ibv.cm().listen(CM_PORT);
        try
        {
            final CompletableFuture<RdmaCm.Connection> accepted = new CompletableFuture<>();
            Thread.ofPlatform().name("softnic-demo-accept").daemon().start(() ->
            {
                try
                {
                    final RdmaCm.Request r = listener.getRequest(TIMEOUT);
                    if (r == null)
                    {
                        throw new ToolFailure("no connection request reached the server within " +
                            TIMEOUT.toSeconds() + " s");
                    }
                    server.peer = RemoteBuffer.decode(r.privateData(), "the client");
                    accepted.complete(r.accept(server.qp, CmParams.defaults().withPrivateData(server.mine().encode())));
                }
                catch (final Throwable t)
                {
                    accepted.completeExceptionally(t);
                }
            });
            final long t0 = System.nanoTime();
            clientConnection = client.ibv.cm().connect(client.qp, serverAddress, CM_PORT,
                CmParams.defaults().withPrivateData(client.mine().encode()), TIMEOUT);
            client.peer = RemoteBuffer.decode(clientConnection.peer().privateData(), "the server");
            serverConnection = accepted.get(TIMEOUT.toSeconds() * 2, TimeUnit.SECONDS);
            out.printf(Locale.ROOT, "  connected in %.1f ms: client QP 0x%x <-> server QP 0x%x, path MTU %d%n",
                (System.nanoTime() - t0) / 1e6, client.qp.qpNum(), server.qp.qpNum(), clientConnection.peer().mtu());
        }
        catch (final ExecutionException ex)
        {
            throw new ToolFailure("the server could not accept: " + ToolFailure.describe(ex.getCause()), ex);
        }
        catch (final TimeoutException ex)
        {
            throw new ToolFailure("the server did not accept within " + TIMEOUT.toSeconds() * 2 + " s", ex);
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
            throw new ToolFailure("interrupted while connecting", ex);
        }
        finally
        {
            listener.close();
        }
    }

    int verified()
    {
        return verified;
    }

    /** Each operation REPEAT times with its data checked every time; one line each, with the median time. */
    void runAll()
    {
        out.printf(Locale.ROOT, "         %-21s %5s    %-62s %5s %9s%n", "operation", "bytes", "checked every time",
            "runs", "median");
        run(IbvWrOpcode.SEND, i -> send(IbvWrOpcode.SEND, i, 0));
        run(IbvWrOpcode.SEND_WITH_IMM, i -> send(IbvWrOpcode.SEND_WITH_IMM, i, 0x5AF70000 | i));
        run(IbvWrOpcode.RDMA_WRITE, i -> write(IbvWrOpcode.RDMA_WRITE, 0, i, 0));
        run(IbvWrOpcode.RDMA_WRITE_WITH_IMM, i -> write(IbvWrOpcode.RDMA_WRITE_WITH_IMM, PAGE, i, 0xC0FF0000 | i));
        run(IbvWrOpcode.RDMA_READ, this::read);
        run(IbvWrOpcode.ATOMIC_CMP_AND_SWP, this::compareAndSwap);
        run(IbvWrOpcode.ATOMIC_FETCH_AND_ADD, this::fetchAndAdd);
    }

    private interface Operation
    {
        /** Runs the operation the i-th time, checks its data, returns its time from post to completion. */
        long once(int i);
    }

    private void run(final int opcode, final Operation op)
    {
        final long[] nanos = new long[REPEAT];
        for (int i = 0; i < REPEAT; i++)
        {
            nanos[i] = op.once(i);
        }
        java.util.Arrays.sort(nanos);
        verified++;
        out.printf(Locale.ROOT, "  [ ok ] %-21s %5d B  %-62s %4dx %6.1f us%n", IbvWrOpcode.name(opcode), bytes,
            note, REPEAT, nanos[REPEAT / 2] / 1e3);
    }

    private long send(final int opcode, final int i, final int imm)
    {
        final long seed = Pattern.seed(10 + opcode, i);
        Pattern.fill(client.buffer, SOURCE, SMALL, seed, 0);
        final IbvSendWr wr = request(opcode, SOURCE, SMALL);
        wr.immData = imm;
        final long t0 = System.nanoTime();
        client.qp.postSend(wr);
        client.await(IbvWrOpcode.name(opcode));
        final IbvWc wc = server.await(IbvWrOpcode.name(opcode) + " receive");
        final long t1 = System.nanoTime();
        final int slot = (int)wc.wrId;
        final boolean withImm = opcode == IbvWrOpcode.SEND_WITH_IMM;
        check(wc.opcode == IbvWcOpcode.RECV && wc.byteLen == SMALL, "receive completion " + wc);
        check(wc.withImm() == withImm && (!withImm || wc.immData == imm), "immediate data " + wc);
        check(Pattern.firstMismatch(server.buffer, RECV_AREA + (long)slot * RECV_SLOT, SMALL, seed, 0) < 0,
            "payload differs in the receive buffer");
        server.postReceive(slot);
        note(SMALL, withImm ? "receive completion with the immediate, payload intact" :
            "receive completion (RECV, 64 B), payload intact");
        return t1 - t0;
    }

    private long write(final int opcode, final long offset, final int i, final int imm)
    {
        final long seed = Pattern.seed(10 + opcode, i);
        Pattern.fill(client.buffer, SOURCE + offset, PAGE, seed, 0);
        final IbvSendWr wr = request(opcode, SOURCE + offset, PAGE);
        wr.remoteAddr = client.peer.addr() + TARGET + offset;
        wr.rkey = client.peer.rkey();
        wr.immData = imm;
        final long t0 = System.nanoTime();
        client.qp.postSend(wr);
        client.await(IbvWrOpcode.name(opcode));
        if (opcode == IbvWrOpcode.RDMA_WRITE_WITH_IMM)
        {
            final IbvWc wc = server.await("RDMA_WRITE_WITH_IMM receive");
            check(wc.opcode == IbvWcOpcode.RECV_RDMA_WITH_IMM && wc.withImm() && wc.immData == imm,
                "receive completion " + wc);
            server.postReceive((int)wc.wrId);
        }
        final long t1 = System.nanoTime();
        check(Pattern.firstMismatch(server.buffer, TARGET + offset, PAGE, seed, 0) < 0,
            "the written bytes differ in the server's memory");
        note(PAGE, opcode == IbvWrOpcode.RDMA_WRITE ? "server memory holds the data" :
            "the immediate consumed a receive, server memory holds the data");
        return t1 - t0;
    }

    private long read(final int i)
    {
        final long seed = Pattern.seed(20, i);
        Pattern.fill(server.buffer, SOURCE, PAGE, seed, 0);
        client.buffer.asSlice(TARGET, PAGE).fill((byte)0);
        final IbvSendWr wr = request(IbvWrOpcode.RDMA_READ, TARGET, PAGE);
        wr.remoteAddr = client.peer.addr() + SOURCE;
        wr.rkey = client.peer.rkey();
        final long t0 = System.nanoTime();
        client.qp.postSend(wr);
        final IbvWc wc = client.await("RDMA_READ");
        final long t1 = System.nanoTime();
        check(wc.opcode == IbvWcOpcode.RDMA_READ, "completion " + wc);
        check(Pattern.firstMismatch(client.buffer, TARGET, PAGE, seed, 0) < 0,
            "the bytes read differ from the server's memory");
        note(PAGE, "client buffer holds the server's data");
        return t1 - t0;
    }

    private long compareAndSwap(final int i)
    {
        final long before = 0x1111_2222_3333_0000L + i;
        final long after = 0x5555_6666_7777_0000L + i;
        server.buffer.set(ValueLayout.JAVA_LONG, WORD, before);
        final long t = atomic(IbvWrOpcode.ATOMIC_CMP_AND_SWP, before, after);
        final long fetched = client.buffer.get(ValueLayout.JAVA_LONG, FETCHED);
        final long now = server.buffer.get(ValueLayout.JAVA_LONG, WORD);
        check(fetched == before && now == after, String.format("CAS fetched 0x%x, word now 0x%x", fetched, now));
        note(8, String.format("fetched 0x%x, server word now 0x%x", fetched, now));
        return t;
    }

    private long fetchAndAdd(final int i)
    {
        final long before = server.buffer.get(ValueLayout.JAVA_LONG, WORD);
        final long add = 0x10;
        final long t = atomic(IbvWrOpcode.ATOMIC_FETCH_AND_ADD, add, 0);
        final long fetched = client.buffer.get(ValueLayout.JAVA_LONG, FETCHED);
        final long now = server.buffer.get(ValueLayout.JAVA_LONG, WORD);
        check(fetched == before && now == before + add,
            String.format("FAA fetched 0x%x, word now 0x%x", fetched, now));
        note(8, String.format("fetched 0x%x, server word now 0x%x", fetched, now));
        return t;
    }

    private long atomic(final int opcode, final long compareAdd, final long swap)
    {
        client.buffer.set(ValueLayout.JAVA_LONG, FETCHED, -1L);
        final IbvSendWr wr = request(opcode, FETCHED, 8);
        wr.remoteAddr = client.peer.addr() + WORD;
        wr.rkey = client.peer.rkey();
        wr.compareAdd = compareAdd;
        wr.swap = swap;
        final long t0 = System.nanoTime();
        client.qp.postSend(wr);
        client.await(IbvWrOpcode.name(opcode));
        return System.nanoTime() - t0;
    }

    private IbvSendWr request(final int opcode, final long localOffset, final int length)
    {
        final IbvSendWr wr = new IbvSendWr(1);
        wr.opcode = opcode;
        wr.wrId = opcode;
        wr.sendFlags = IbvSendFlags.SIGNALED;
        wr.sge(client.mr.addr() + localOffset, length, client.mr.lkey());
        return wr;
    }

    private static void check(final boolean ok, final String what)
    {
        if (!ok)
        {
            throw new ToolFailure("check failed: " + what);
        }
    }

    private void note(final int bytes, final String note)
    {
        this.bytes = bytes;
        this.note = note;
    }

    void disconnect()
    {
        if (clientConnection != null)
        {
            clientConnection.disconnect();
        }
        if (serverConnection != null && serverConnection.isConnected())
        {
            serverConnection.disconnect();
        }
    }

    @Override
    public void close()
    {
        client.close();
        server.close();
    }

    private static void quietly(final Runnable r)
    {
        try
        {
            r.run();
        }
        catch (final RuntimeException ignore)
        {
            // teardown after a failure: report the failure, not this
        }
    }
}
