package io.softnic.engine.cm;

import io.softnic.engine.ThreadingMode;

/** The same tests with no engine threads: blocking CM calls drive their engine on the caller's thread. */
class CmConnectInvokerTest extends CmConnectTest
{
    @Override
    ThreadingMode mode()
    {
        return ThreadingMode.INVOKER;
    }
}
