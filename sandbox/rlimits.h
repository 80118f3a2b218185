/* A cell's resource limits that need no cgroup: no core dumps, a bounded
 * descriptor table. Set in the cell's first process before the worker is
 * exec'd; the worker and everything it forks inherit them. */
#ifndef SG_SANDBOX_RLIMITS_H
#define SG_SANDBOX_RLIMITS_H

/* The most descriptors a cell's process may have open. */
#define SG_RLIMIT_NOFILE_MAX 4096

/* Returns NULL on success, or the name of the step that failed (errno is
 * set), for the caller to report. */
const char *sg_rlimits_apply(void);

#endif
