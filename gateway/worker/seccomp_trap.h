/* seccomp_log: the filter's default action is SIGSYS instead of EPERM
 * (sandbox/seccomp_build.c, SG_SECCOMP_TRAP), and this handler writes
 * "[NAME PID] seccomp: denied SYSCALL (nr N)" to the app log (fd 2), then
 * makes the call return -EPERM, so the app sees what it would have seen
 * without the log. The handler is async-signal-safe: the names come from
 * a table compiled in (build/gen/syscall_names.h, from the C library's
 * headers), the line is assembled by hand and written with one write(2).
 *
 * An app that installs its own SIGSYS handler replaces this one, and then
 * gets what seccomp's SECCOMP_RET_TRAP gives it: its business. */
#ifndef SG_WORKER_SECCOMP_TRAP_H
#define SG_WORKER_SECCOMP_TRAP_H

#include "gateway/error.h"

/* Installs the handler; before the filter is loaded (a trap without it
 * kills the process). name is the app's name, for the log line. */
int sg_seccomp_trap_init(const char *name, struct sg_error *err);

/* The name of native syscall nr, or NULL (for tests and the handler). */
const char *sg_syscall_name(long nr);

#endif
