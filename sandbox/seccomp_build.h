/* A parsed policy -> a seccomp BPF program (libseccomp) for the native
 * architecture: default action EPERM (or SIGSYS, to log denials), any
 * other architecture (and x32 on x86_64) killed, the syscalls in a binary
 * tree. The program is written
 * into a memfd sealed against every change, which the cell gets as
 * descriptor 8 and its zygote loads (gateway/worker/seccomp_load.c). */
#ifndef SG_SANDBOX_SECCOMP_BUILD_H
#define SG_SANDBOX_SECCOMP_BUILD_H

#include <stddef.h>

#include "gateway/error.h"
#include "sandbox/policy_parse.h"

/* The kernel's limit on one program (BPF_MAXINSNS). */
#define SG_SECCOMP_MAX_INSNS 4096

/* What the filter does with a syscall the policy does not allow. */
enum sg_seccomp_default {
	SG_SECCOMP_EPERM, /* fails with EPERM */
	SG_SECCOMP_TRAP,  /* SIGSYS, whose handler logs the call and answers EPERM
			   * (seccomp_log; gateway/worker/seccomp_trap.c) */
};

/* Builds p (which parsed without problems). Returns 0 with *fd (a sealed,
 * close-on-exec memfd of struct sock_filter) and *insns; -1 with err
 * ("seccomp: CALL: reason"). */
int sg_seccomp_build(const struct sg_policy *p, int *fd, size_t *insns, struct sg_error *err);
int sg_seccomp_build_as(const struct sg_policy *p, enum sg_seccomp_default dflt, int *fd,
			size_t *insns, struct sg_error *err);

/* Reads dir/name (with its includes), parses and builds it: the whole way
 * from a policy file to a sealed program. Fails closed, err saying which
 * file, line and call. */
int sg_seccomp_compile(const char *dir, const char *name, int *fd, size_t *insns,
		       struct sg_error *err);
int sg_seccomp_compile_as(const char *dir, const char *name, enum sg_seccomp_default dflt,
			  int *fd, size_t *insns, struct sg_error *err);

#endif
