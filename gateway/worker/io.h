/* Small blocking I/O helpers for the client socket: whole writes, reads
 * bounded by poll() timeouts, and the monotonic clock. */
#ifndef SG_WORKER_IO_H
#define SG_WORKER_IO_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <sys/uio.h>

/* CLOCK_MONOTONIC in milliseconds. */
uint64_t sg_now_ms(void);

/* Writes all of buf, retrying short writes and EINTR. Returns 0 or -1
 * with errno set. */
int sg_write_all(int fd, const void *buf, size_t len);

/* Writes all iovecs (modified in place). Returns 0 or -1 with errno.
 * Async-signal-safe (the timeout handler uses it). */
int sg_writev_all(int fd, struct iovec *iov, int iovcnt);

/* Reads once: at once when bytes are there, else after waiting up to
 * timeout_ms for fd to become readable. Returns bytes read, 0 at EOF, or
 * -1 with errno (ETIMEDOUT on timeout). */
ssize_t sg_read_timeout(int fd, void *buf, size_t len, int timeout_ms);

/* The same, waiting first: for a read that follows a short one, which
 * left the socket empty (a try would only fail with EAGAIN). */
ssize_t sg_read_wait(int fd, void *buf, size_t len, int timeout_ms);

#endif
