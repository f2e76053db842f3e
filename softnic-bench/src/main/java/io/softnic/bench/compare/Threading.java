package io.softnic.bench.compare;

/**
 * Who drives the devices (softnic's engines, Aeron's media drivers), the same for every peer so thread counts match.
 * SHARED: one thread per device, idling with the same back-off (spin, yield, park up to 100 us). INVOKER: no device
 * thread; the application's threads run the device's duty cycle. DEDICATED is left out: it wants more cores than
 * the two this comparison is made for.
 */
public enum Threading
{
    SHARED,
    INVOKER
}
