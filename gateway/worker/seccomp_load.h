/* The zygote's seccomp layer: the program compiled by the gateway
 * (sandbox/seccomp_build.c) arrives on SG_FD_SECCOMP as a sealed memfd of
 * struct sock_filter. The worker never compiles anything and does not
 * link libseccomp: it reads, checks the size, and loads. */
#ifndef SG_WORKER_SECCOMP_LOAD_H
#define SG_WORKER_SECCOMP_LOAD_H

#include <stddef.h>

#include "gateway/error.h"

struct sg_seccomp_prog {
	void *insns; /* struct sock_filter[len] */
	size_t len;
};

/* Reads the program from SG_FD_SECCOMP and closes the descriptor. Called
 * before any app code runs, so the app never sees descriptor 8. Errors
 * read "seccomp: CALL: reason". */
int sg_seccomp_take(struct sg_seccomp_prog *prog, struct sg_error *err);

/* Loads it for every thread of the process (SECCOMP_FILTER_FLAG_TSYNC);
 * children forked afterwards inherit it. Frees the program. */
int sg_seccomp_load(struct sg_seccomp_prog *prog, struct sg_error *err);

#endif
