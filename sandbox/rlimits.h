/* A cell's resource limits that need no cgroup: no core dumps, a bounded
 * descriptor table. Set in the cell's first process before the worker is
 * exec'd; the worker and everything it forks inherit them. */
#ifndef SG_SANDBOX_RLIMITS_H
#define SG_SANDBOX_RLIMITS_H

/* The most descriptors a cell's process may have open. */
#define SG_RLIMIT_NOFILE_MAX 4096

/* Limits an app's configuration may add; 0 = not set. */
struct sg_rlimits {
	long long fsize; /* RLIMIT_FSIZE, bytes: a larger write fails with EFBIG */
	long long as;    /* RLIMIT_AS, bytes of address space per process */
	long long cpu;   /* RLIMIT_CPU, seconds of CPU time per process */
};

/* Returns NULL on success, or the name of the step that failed (errno is
 * set), for the caller to report. extra may be NULL. */
const char *sg_rlimits_apply(const struct sg_rlimits *extra);

#endif
