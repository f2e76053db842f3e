package io.softnic.engine;

import io.softnic.verbs.IbvAccess;
import io.softnic.verbs.IbvContext;
import io.softnic.verbs.IbvCq;
import io.softnic.verbs.IbvMr;
import io.softnic.verbs.IbvMtu;
import io.softnic.verbs.IbvPd;
import io.softnic.verbs.IbvQp;
import io.softnic.verbs.IbvQpAttr;
import io.softnic.verbs.IbvQpAttrMask;
import io.softnic.verbs.IbvQpInitAttr;
import io.softnic.verbs.IbvQpState;
import io.softnic.verbs.IbvWc;
import io.softnic.verbs.IbvWcStatus;

import java.lang.foreign.MemorySegment;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * Test fixture: two engines on two loopback addresses, each with a PD, a CQ pair, a registered buffer and an RC QP,
 * the QPs connected to each other by hand (the way ibverbs programs do it without a CM).
 */
public final class RcPair implements AutoCloseable
{
    public static final int BUFFER = 1 << 20;

    public final Side a;
    public final Side b;

    public static final class Side implements AutoCloseable
    {
        public final SoftnicEngine engine;
        public final IbvContext ctx;
        public final IbvPd pd;
        public final IbvCq sendCq;
        public final IbvCq recvCq;
        public final MemorySegment buffer;
        public final IbvMr mr;
        public final IbvQp qp;
        private final IbvWc[] wcs = new IbvWc[64];
        /** Gives both engines a duty cycle while waiting (matters in INVOKER mode, a no-op otherwise). */
        Runnable driveBoth = () -> { };

        Side(final EngineContext ec, final int access, final Consumer<IbvQpInitAttr> qpSetup)
        {
            this(() -> SoftnicEngine.launch(ec), access, qpSetup);
        }

        /** With the engine launched by {@code launcher} (e.g. inside a network namespace). */
        Side(final java.util.function.Supplier<SoftnicEngine> launcher, final int access,
            final Consumer<IbvQpInitAttr> qpSetup)
        {
            engine = launcher.get();
            ctx = engine.open();
            pd = ctx.allocPd();
            sendCq = ctx.createCq(4096, 0);
            recvCq = ctx.createCq(4096, 0);
            buffer = ctx.allocateBuffer(BUFFER);
            mr = pd.regMr(buffer, access);
            final IbvQpInitAttr init = new IbvQpInitAttr();
            init.sendCq = sendCq;
            init.recvCq = recvCq;
            init.cap.maxSendWr = 1024;
            init.cap.maxRecvWr = 1024;
            qpSetup.accept(init);
            qp = pd.createQp(init);
            for (int i = 0; i < wcs.length; i++)
            {
                wcs[i] = new IbvWc();
            }
        }

        public int ipv4()
        {
            return engine.port(0).ipv4();
        }

        /** Polls a CQ until n completions arrived or the timeout passed; returns copies of them. */
        public List<IbvWc> await(final IbvCq cq, final int n, final Duration timeout)
        {
            final List<IbvWc> out = new ArrayList<>();
            final long deadline = System.nanoTime() + timeout.toNanos();
            while (out.size() < n && System.nanoTime() < deadline)
            {
                final int got = cq.poll(wcs, Math.min(wcs.length, n - out.size()));
                for (int i = 0; i < got; i++)
                {
                    out.add(copy(wcs[i]));
                }
                if (got == 0)
                {
                    driveBoth.run();
                    Thread.onSpinWait();
                    java.util.concurrent.locks.LockSupport.parkNanos(20_000);
                }
            }
            return out;
        }

        public IbvWc awaitOne(final IbvCq cq)
        {
            final List<IbvWc> wc = await(cq, 1, Duration.ofSeconds(10));
            if (wc.isEmpty())
            {
                throw new AssertionError("no completion within 10 s on CQ " + cq.cqn() + "; counters: " +
                    engine.counters().snapshot());
            }
            return wc.get(0);
        }

        /** Polls for a while and returns everything that arrived (for "nothing more arrives" checks). */
        public List<IbvWc> drain(final IbvCq cq, final Duration quiet)
        {
            return await(cq, Integer.MAX_VALUE, quiet);
        }

        private static IbvWc copy(final IbvWc wc)
        {
            final IbvWc c = new IbvWc();
            c.wrId = wc.wrId;
            c.status = wc.status;
            c.opcode = wc.opcode;
            c.byteLen = wc.byteLen;
            c.immData = wc.immData;
            c.qpNum = wc.qpNum;
            c.srcQp = wc.srcQp;
            c.wcFlags = wc.wcFlags;
            c.vendorErr = wc.vendorErr;
            return c;
        }

        @Override
        public void close()
        {
            engine.close();
        }
    }

    public RcPair(final EngineContext ea, final EngineContext eb)
    {
        this(ea, eb, IbvAccess.LOCAL_WRITE | IbvAccess.ALL_REMOTE, init -> { }, attr -> { });
    }

    public RcPair(
        final EngineContext ea,
        final EngineContext eb,
        final int mrAccess,
        final Consumer<IbvQpInitAttr> qpSetup,
        final Consumer<IbvQpAttr> connectTuning)
    {
        this(() -> SoftnicEngine.launch(ea), () -> SoftnicEngine.launch(eb), mrAccess, qpSetup, connectTuning);
    }

    /** Two engines launched by the given launchers, one connected QP each. */
    public RcPair(
        final java.util.function.Supplier<SoftnicEngine> ea,
        final java.util.function.Supplier<SoftnicEngine> eb,
        final int mrAccess,
        final Consumer<IbvQpInitAttr> qpSetup,
        final Consumer<IbvQpAttr> connectTuning)
    {
        a = new Side(ea, mrAccess, qpSetup);
        Side sb = null;
        try
        {
            sb = new Side(eb, mrAccess, qpSetup);
            connect(a, sb, 0x100, 0x200, connectTuning);
            connect(sb, a, 0x200, 0x100, connectTuning);
        }
        catch (final RuntimeException | Error ex)
        {
            a.close();
            if (sb != null)
            {
                sb.close();
            }
            throw ex;
        }
        b = sb;
        final Runnable drive = () ->
        {
            a.engine.drive();
            b.engine.drive();
        };
        a.driveBoth = drive;
        b.driveBoth = drive;
    }

    public static EngineContext engine(final String name, final String address)
    {
        return engine(name, address, ThreadingMode.SHARED);
    }

    public static EngineContext engine(final String name, final String address, final ThreadingMode mode)
    {
        return new EngineContext().name(name).port(address).threadingMode(mode).numCompVectors(2);
    }

    /** Brings a local QP to RTS against the remote QP, as a program using plain ibverbs does. */
    public static void connect(
        final Side local, final Side remote, final int sqPsn, final int rqPsn, final Consumer<IbvQpAttr> tuning)
    {
        final IbvQpAttr attr = new IbvQpAttr();
        attr.qpState = IbvQpState.INIT;
        attr.pkeyIndex = 0;
        attr.portNum = 1;
        attr.qpAccessFlags = IbvAccess.LOCAL_WRITE | IbvAccess.ALL_REMOTE;
        local.qp.modify(attr, IbvQpAttrMask.RC_RESET_TO_INIT);

        attr.qpState = IbvQpState.RTR;
        attr.pathMtu = IbvMtu.MTU_1024;
        attr.destQpNum = remote.qp.qpNum();
        attr.rqPsn = rqPsn;
        attr.maxDestRdAtomic = 4;
        attr.minRnrTimer = 1;
        attr.ahAttr.dgidIpv4 = remote.ipv4();
        attr.ahAttr.portNum = 1;
        attr.sqPsn = sqPsn;
        attr.timeout = 14;
        attr.retryCnt = 7;
        attr.rnrRetry = 7;
        attr.maxRdAtomic = 4;
        tuning.accept(attr);
        local.qp.modify(attr, IbvQpAttrMask.RC_INIT_TO_RTR);
        attr.qpState = IbvQpState.RTS;
        local.qp.modify(attr, IbvQpAttrMask.RC_RTR_TO_RTS);
    }

    public static boolean ok(final IbvWc wc)
    {
        return wc.status == IbvWcStatus.SUCCESS;
    }

    @Override
    public void close()
    {
        a.close();
        b.close();
    }
}
