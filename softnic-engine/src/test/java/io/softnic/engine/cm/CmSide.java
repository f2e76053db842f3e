package io.softnic.engine.cm;

import io.softnic.cm.RdmaCm;
import io.softnic.engine.EngineContext;
import io.softnic.engine.SoftnicEngine;
import io.softnic.engine.ThreadingMode;
import io.softnic.engine.fault.FaultInjector;
import io.softnic.verbs.IbvAccess;
import io.softnic.verbs.IbvContext;
import io.softnic.verbs.IbvCq;
import io.softnic.verbs.IbvMr;
import io.softnic.verbs.IbvPd;
import io.softnic.verbs.IbvQp;
import io.softnic.verbs.IbvQpAttr;
import io.softnic.verbs.IbvQpInitAttr;
import io.softnic.verbs.IbvWc;

import java.lang.foreign.MemorySegment;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;

/** Test fixture: one engine with a PD, a CQ pair, a registered buffer and RC QPs in RESET, and its RdmaCm. */
final class CmSide implements AutoCloseable
{
    static final int BUFFER = 64 * 1024;
    /**
     * Loopback addresses of the CM tests, apart from the .2/.3 of the transport tests so that the two can run at the
     * same time on one machine.
     */
    static final String CLIENT = "127.0.0.42";
    static final String SERVER = "127.0.0.43";
    static final String FAKE_PEER = "127.0.0.49";

    final SoftnicEngine engine;
    final IbvContext ctx;
    final IbvPd pd;
    final IbvCq sendCq;
    final IbvCq recvCq;
    final MemorySegment buffer;
    final IbvMr mr;
    final RdmaCm cm;
    private final List<IbvQp> qps = new ArrayList<>();

    CmSide(final String name, final String address, final ThreadingMode mode, final FaultInjector.Config faults)
    {
        this(name, address, mode, ec -> ec.faults(faults));
    }

    CmSide(final String name, final String address, final ThreadingMode mode, final Consumer<EngineContext> tuning)
    {
        final EngineContext ec = new EngineContext().name(name).port(address).threadingMode(mode)
            .numCompVectors(2).idle("backoff");
        tuning.accept(ec);
        engine = SoftnicEngine.launch(ec);
        try
        {
            ctx = engine.open();
            pd = ctx.allocPd();
            sendCq = ctx.createCq(1024, 0);
            recvCq = ctx.createCq(1024, 0);
            buffer = ctx.allocateBuffer(BUFFER);
            mr = pd.regMr(buffer, IbvAccess.LOCAL_WRITE | IbvAccess.ALL_REMOTE);
            cm = ctx.cm();
        }
        catch (final RuntimeException | Error ex)
        {
            engine.close();
            throw ex;
        }
    }

    CmSide(final String name, final String address, final ThreadingMode mode)
    {
        this(name, address, mode, FaultInjector.Config.NONE);
    }

    IbvQp newQp()
    {
        final IbvQpInitAttr init = new IbvQpInitAttr();
        init.sendCq = sendCq;
        init.recvCq = recvCq;
        init.cap.maxSendWr = 64;
        init.cap.maxRecvWr = 64;
        final IbvQp qp = pd.createQp(init);
        qps.add(qp);
        return qp;
    }

    int ipv4()
    {
        return engine.port(0).ipv4();
    }

    long counter(final int id)
    {
        return engine.counters().get(id);
    }

    IbvQpAttr query(final IbvQp qp)
    {
        return qp.query(new IbvQpAttr());
    }

    int cmState(final IbvQp qp)
    {
        return engine.controlPlane().embeddedDevice().cm().state(qp.qpNum());
    }

    /** Polls a CQ (driving the engine in INVOKER mode) until n completions arrived or the timeout passed. */
    List<IbvWc> await(final IbvCq cq, final int n, final Duration timeout)
    {
        final List<IbvWc> out = new ArrayList<>();
        final IbvWc[] wcs = new IbvWc[16];
        for (int i = 0; i < wcs.length; i++)
        {
            wcs[i] = new IbvWc();
        }
        final long deadline = System.nanoTime() + timeout.toNanos();
        while (out.size() < n && System.nanoTime() < deadline)
        {
            final int got = cq.poll(wcs, Math.min(wcs.length, n - out.size()));
            for (int i = 0; i < got; i++)
            {
                final IbvWc c = new IbvWc();
                c.wrId = wcs[i].wrId;
                c.status = wcs[i].status;
                c.opcode = wcs[i].opcode;
                c.byteLen = wcs[i].byteLen;
                c.qpNum = wcs[i].qpNum;
                out.add(c);
            }
            if (got == 0)
            {
                pause();
            }
        }
        return out;
    }

    /** Waits (driving the engine in INVOKER mode) until the condition holds; false on timeout. */
    boolean until(final BooleanSupplier condition, final Duration timeout)
    {
        final long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean())
        {
            if (System.nanoTime() > deadline)
            {
                return false;
            }
            pause();
        }
        return true;
    }

    void pause()
    {
        engine.drive();
        java.util.concurrent.locks.LockSupport.parkNanos(20_000);
    }

    @Override
    public void close()
    {
        engine.close();
    }
}
