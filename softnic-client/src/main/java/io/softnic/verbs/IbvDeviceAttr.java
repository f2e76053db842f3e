package io.softnic.verbs;

/** {@code struct ibv_device_attr}: the limits the device grants, and its address. */
public record IbvDeviceAttr(
    String name,
    int maxQp,
    int maxQpWr,
    int maxSge,
    int maxCq,
    int maxCqe,
    int maxMr,
    long maxMrSize,
    int maxPd,
    int maxQpRdAtom,
    int maxQpInitRdAtom,
    int maxInlineData,
    int numCompVectors,
    int physPortCnt,
    int gidIpv4)
{
}
