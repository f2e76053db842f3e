/**
 * The host interface: the memory layouts the tenant and the device share. Work queues, completion queues and the
 * doorbell ring are regions of host memory with a producer word and a consumer word on their own cache lines, so that
 * each side writes only its own word and the data path needs no lock and no system call. The same layouts serve an
 * embedded application (off-heap memory of its own process) and a tenant in another process (shared-memory files).
 */
package io.softnic.hostif;
