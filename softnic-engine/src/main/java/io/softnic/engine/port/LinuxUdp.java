package io.softnic.engine.port;

import java.io.IOException;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.net.BindException;
import java.nio.ByteOrder;

import static java.lang.foreign.MemoryLayout.PathElement.groupElement;
import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

/**
 * The libc socket calls, constants and struct layouts that {@link NativeUdpSocket} needs, for 64-bit Linux (x86_64
 * and aarch64, whose socket ABI is the same for everything used here). Only touched once {@link NativeUdpSocket}
 * has decided it runs on such a system, so that its class initialisation cannot fail elsewhere.
 */
final class LinuxUdp
{
    static final int AF_INET = 2;
    static final int SOCK_DGRAM = 2;
    static final int SOCK_NONBLOCK = 0x800;     // O_NONBLOCK, 04000 on x86_64 and aarch64
    static final int SOCK_CLOEXEC = 0x80000;    // O_CLOEXEC, 02000000
    static final int SOL_SOCKET = 1;
    static final int SO_SNDBUF = 7;
    static final int SO_RCVBUF = 8;
    static final int IPPROTO_IP = 0;
    static final int IP_MTU_DISCOVER = 10;
    static final int IP_PMTUDISC_DO = 2;
    static final int SOL_UDP = 17;
    static final int UDP_SEGMENT = 103;
    static final int UDP_GRO = 104;
    static final int MSG_TRUNC = 0x20;
    static final int MSG_DONTWAIT = 0x40;

    static final int EPERM = 1;
    static final int EINTR = 4;
    static final int EIO = 5;
    static final int EBADF = 9;
    static final int EAGAIN = 11;
    static final int ENOMEM = 12;
    static final int EACCES = 13;
    static final int EFAULT = 14;
    static final int EINVAL = 22;
    static final int EMFILE = 24;
    static final int EMSGSIZE = 90;
    static final int ENOPROTOOPT = 92;
    static final int EOPNOTSUPP = 95;
    static final int EADDRINUSE = 98;
    static final int EADDRNOTAVAIL = 99;
    static final int ENETUNREACH = 101;
    static final int ENOBUFS = 105;
    static final int ECONNREFUSED = 111;
    static final int EHOSTUNREACH = 113;

    static final ValueLayout.OfShort U16_BE = JAVA_SHORT.withOrder(ByteOrder.BIG_ENDIAN);
    static final ValueLayout.OfInt U32_BE = JAVA_INT.withOrder(ByteOrder.BIG_ENDIAN);

    /** struct sockaddr_in: family (host order), port and address (network order), 8 zero bytes. */
    static final StructLayout SOCKADDR_IN = MemoryLayout.structLayout(
        JAVA_SHORT.withName("sin_family"),
        U16_BE.withName("sin_port"),
        U32_BE.withName("sin_addr"),
        MemoryLayout.sequenceLayout(8, JAVA_BYTE).withName("sin_zero")).withName("sockaddr_in");

    /** struct iovec. */
    static final StructLayout IOVEC = MemoryLayout.structLayout(
        ADDRESS.withName("iov_base"),
        JAVA_LONG.withName("iov_len")).withName("iovec");

    /** struct msghdr on LP64 Linux: socklen_t msg_namelen is followed by 4 bytes of padding, and so is msg_flags. */
    static final StructLayout MSGHDR = MemoryLayout.structLayout(
        ADDRESS.withName("msg_name"),
        JAVA_INT.withName("msg_namelen"),
        MemoryLayout.paddingLayout(4),
        ADDRESS.withName("msg_iov"),
        JAVA_LONG.withName("msg_iovlen"),
        ADDRESS.withName("msg_control"),
        JAVA_LONG.withName("msg_controllen"),
        JAVA_INT.withName("msg_flags"),
        MemoryLayout.paddingLayout(4)).withName("msghdr");

    /** struct mmsghdr: a msghdr and the byte count the kernel fills in, padded to 8. */
    static final StructLayout MMSGHDR = MemoryLayout.structLayout(
        MSGHDR.withName("msg_hdr"),
        JAVA_INT.withName("msg_len"),
        MemoryLayout.paddingLayout(4)).withName("mmsghdr");

    /** struct cmsghdr; its data follows at {@link #CMSG_DATA}. */
    static final StructLayout CMSGHDR = MemoryLayout.structLayout(
        JAVA_LONG.withName("cmsg_len"),
        JAVA_INT.withName("cmsg_level"),
        JAVA_INT.withName("cmsg_type")).withName("cmsghdr");

    static final long SOCKADDR_IN_SIZE = SOCKADDR_IN.byteSize();
    static final long SIN_FAMILY = SOCKADDR_IN.byteOffset(groupElement("sin_family"));
    static final long SIN_PORT = SOCKADDR_IN.byteOffset(groupElement("sin_port"));
    static final long SIN_ADDR = SOCKADDR_IN.byteOffset(groupElement("sin_addr"));

    static final long IOVEC_SIZE = IOVEC.byteSize();
    static final long IOV_BASE = IOVEC.byteOffset(groupElement("iov_base"));
    static final long IOV_LEN = IOVEC.byteOffset(groupElement("iov_len"));

    static final long MSGHDR_SIZE = MSGHDR.byteSize();
    static final long MSG_NAME = MSGHDR.byteOffset(groupElement("msg_name"));
    static final long MSG_NAMELEN = MSGHDR.byteOffset(groupElement("msg_namelen"));
    static final long MSG_IOV = MSGHDR.byteOffset(groupElement("msg_iov"));
    static final long MSG_IOVLEN = MSGHDR.byteOffset(groupElement("msg_iovlen"));
    static final long MSG_CONTROL = MSGHDR.byteOffset(groupElement("msg_control"));
    static final long MSG_CONTROLLEN = MSGHDR.byteOffset(groupElement("msg_controllen"));
    static final long MSG_FLAGS = MSGHDR.byteOffset(groupElement("msg_flags"));

    static final long MMSGHDR_SIZE = MMSGHDR.byteSize();
    static final long MMSG_LEN = MMSGHDR.byteOffset(groupElement("msg_len"));

    static final long CMSG_LEN_FIELD = CMSGHDR.byteOffset(groupElement("cmsg_len"));
    static final long CMSG_LEVEL = CMSGHDR.byteOffset(groupElement("cmsg_level"));
    static final long CMSG_TYPE = CMSGHDR.byteOffset(groupElement("cmsg_type"));
    static final long CMSG_DATA = cmsgAlign(CMSGHDR.byteSize());

    private static final Linker LINKER = Linker.nativeLinker();
    private static final Linker.Option CAPTURE_ERRNO = Linker.Option.captureCallState("errno");
    static final StructLayout CALL_STATE = Linker.Option.captureStateLayout();
    private static final long ERRNO_OFFSET = CALL_STATE.byteOffset(groupElement("errno"));

    // every handle takes the call-state segment first, then the C arguments
    static final MethodHandle SOCKET = downcall("socket",
        FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT));
    static final MethodHandle SETSOCKOPT = downcall("setsockopt",
        FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT));
    static final MethodHandle BIND = downcall("bind",
        FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT));
    static final MethodHandle GETSOCKNAME = downcall("getsockname",
        FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, ADDRESS));
    static final MethodHandle SENDMMSG = downcall("sendmmsg",
        FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT));
    static final MethodHandle SENDMSG = downcall("sendmsg",
        FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_INT));
    static final MethodHandle RECVMMSG = downcall("recvmmsg",
        FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT, ADDRESS));
    // The same calls without errno capture, for the data path: the JDK allocates a slice of the capture segment on
    // every capturing call, so these run first and the capturing ones only repeat a call that failed.
    static final MethodHandle SENDMMSG_NO_ERRNO = plainDowncall("sendmmsg",
        FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT));
    static final MethodHandle SENDMSG_NO_ERRNO = plainDowncall("sendmsg",
        FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_INT));
    static final MethodHandle RECVMMSG_NO_ERRNO = plainDowncall("recvmmsg",
        FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT, ADDRESS));
    static final MethodHandle CLOSE = downcall("close",
        FunctionDescriptor.of(JAVA_INT, JAVA_INT));

    private LinuxUdp()
    {
    }

    private static MethodHandle plainDowncall(final String name, final FunctionDescriptor descriptor)
    {
        final MemorySegment symbol = LINKER.defaultLookup().find(name)
            .orElseThrow(() -> new UnsatisfiedLinkError("libc has no " + name));
        return LINKER.downcallHandle(symbol, descriptor);
    }

    private static MethodHandle downcall(final String name, final FunctionDescriptor descriptor)
    {
        final MemorySegment symbol = LINKER.defaultLookup().find(name)
            .orElseThrow(() -> new UnsatisfiedLinkError("libc has no " + name));
        return LINKER.downcallHandle(symbol, descriptor, CAPTURE_ERRNO);
    }

    static long cmsgAlign(final long length)
    {
        return (length + 7) & ~7L;
    }

    /** CMSG_SPACE(n): room a control message with n data bytes takes in a control buffer. */
    static long cmsgSpace(final long dataLength)
    {
        return CMSG_DATA + cmsgAlign(dataLength);
    }

    /** CMSG_LEN(n): the value of cmsg_len for a control message with n data bytes. */
    static long cmsgLen(final long dataLength)
    {
        return CMSG_DATA + dataLength;
    }

    static int errno(final MemorySegment callState)
    {
        return callState.get(JAVA_INT, ERRNO_OFFSET);
    }

    static void writeSockaddr(final MemorySegment s, final long offset, final int ipv4, final int port)
    {
        s.set(JAVA_SHORT, offset + SIN_FAMILY, (short)AF_INET);
        s.set(U16_BE, offset + SIN_PORT, (short)port);
        s.set(U32_BE, offset + SIN_ADDR, ipv4);
        s.set(JAVA_LONG, offset + SIN_ADDR + 4, 0L);
    }

    static RuntimeException rethrow(final Throwable t)
    {
        if (t instanceof RuntimeException r)
        {
            throw r;
        }
        if (t instanceof Error e)
        {
            throw e;
        }
        throw new IllegalStateException("unexpected checked exception from a downcall", t);
    }

    static String errnoName(final int errno)
    {
        return switch (errno)
        {
            case EPERM -> "operation not permitted (EPERM)";
            case EINTR -> "interrupted (EINTR)";
            case EIO -> "I/O error (EIO)";
            case EBADF -> "bad file descriptor (EBADF)";
            case EAGAIN -> "would block (EAGAIN)";
            case ENOMEM -> "out of memory (ENOMEM)";
            case EACCES -> "permission denied (EACCES)";
            case EFAULT -> "bad address (EFAULT)";
            case EINVAL -> "invalid argument (EINVAL)";
            case EMFILE -> "too many open files (EMFILE)";
            case EMSGSIZE -> "message too long (EMSGSIZE)";
            case ENOPROTOOPT -> "protocol option not available (ENOPROTOOPT)";
            case EOPNOTSUPP -> "operation not supported (EOPNOTSUPP)";
            case EADDRINUSE -> "address in use (EADDRINUSE)";
            case EADDRNOTAVAIL -> "address not available on this host (EADDRNOTAVAIL)";
            case ENETUNREACH -> "network unreachable (ENETUNREACH)";
            case ENOBUFS -> "no buffer space (ENOBUFS)";
            case ECONNREFUSED -> "connection refused (ECONNREFUSED)";
            case EHOSTUNREACH -> "host unreachable (EHOSTUNREACH)";
            default -> "error";
        };
    }

    /** An exception naming the failed call and errno; a bind that finds the address taken is a {@link BindException}. */
    static IOException error(final String call, final int errno)
    {
        final String message = call + " failed: " + errnoName(errno) + ", errno " + errno;
        return errno == EADDRINUSE || errno == EADDRNOTAVAIL ? new BindException(message) : new IOException(message);
    }

    static String ipv4String(final int ipv4)
    {
        return (ipv4 >>> 24) + "." + ((ipv4 >>> 16) & 0xFF) + "." + ((ipv4 >>> 8) & 0xFF) + "." + (ipv4 & 0xFF);
    }
}
