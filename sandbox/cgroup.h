/* A cell's cgroup: its memory, process and CPU limits (catalogue rows
 * 30-31). For each limit that is set, a directory
 * <the gateway's own cgroup>/sandgate/<name>-<n> in the hierarchy of its
 * controller: cgroup v2 where the v2 hierarchy offers the controller,
 * else the v1 hierarchy that has it. The gateway creates it before the
 * cell's first process is let go (sandbox/spawn.c attaches that process
 * to it) and removes it once every process of the cell is gone. Knows
 * nothing of HTTP, Python or the configuration. */
#ifndef SG_SANDBOX_CGROUP_H
#define SG_SANDBOX_CGROUP_H

#include <stdbool.h>
#include <sys/types.h>

#include "gateway/error.h"

/* cpu.max's period; a quota is CPU time per period. */
#define SG_CGROUP_CPU_PERIOD_US 100000

/* 0 = no limit. */
struct sg_cgroup_limits {
	long long memory; /* bytes (memory.max, v1 memory.limit_in_bytes) */
	int pids;         /* processes and threads (pids.max) */
	int cpu_us;       /* CPU time per SG_CGROUP_CPU_PERIOD_US (cpu.max) */
};

struct sg_cgroup;

/* Creates the cell's cgroup directories and writes the limits. *out is
 * NULL when no limit is set (nothing to do). Fails closed: -1 with err
 * ("cgroup: CALL PATH: reason") leaves nothing behind. */
int sg_cgroup_create(const char *name, const struct sg_cgroup_limits *lim,
		     struct sg_cgroup **out, struct sg_error *err);

/* Moves process pid (and so everything it will fork) into the cgroup, in
 * every hierarchy: its pid written to each directory's cgroup.procs. */
int sg_cgroup_attach(const struct sg_cgroup *cg, pid_t pid, struct sg_error *err);

/* The first directory, for the log. */
const char *sg_cgroup_path(const struct sg_cgroup *cg);

/* Removes the directories (rmdir; the cell's processes must all be gone)
 * and frees cg, also when a directory could not be removed (-1, err). */
int sg_cgroup_remove(struct sg_cgroup *cg, struct sg_error *err);

#endif
