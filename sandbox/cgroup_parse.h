/* The pure half of the cgroup layer (sandbox/cgroup.c does the I/O):
 * finding the gateway's own cgroup in each hierarchy from the text of
 * /proc/self/cgroup and /proc/self/mountinfo, choosing v2 or v1 per
 * controller, and the files and values that set a limit. No I/O, no
 * globals: text in, a path or values out. */
#ifndef SG_SANDBOX_CGROUP_PARSE_H
#define SG_SANDBOX_CGROUP_PARSE_H

#include <stdbool.h>
#include <stddef.h>

#include "gateway/error.h"
#include "sandbox/cgroup.h"

enum sg_cgroup_ctrl { SG_CG_MEMORY, SG_CG_PIDS, SG_CG_CPU, SG_CG_NCTRL };

/* "memory", "pids", "cpu". */
const char *sg_cgroup_ctrl_name(enum sg_cgroup_ctrl ctrl);

/* Whether the limits set anything for ctrl. */
bool sg_cgroup_ctrl_limited(const struct sg_cgroup_limits *lim, enum sg_cgroup_ctrl ctrl);

/* The gateway's cgroup in the v2 hierarchy: the cgroup2 mount's path
 * joined with the "0::PATH" line of proc_cgroup (less the mount's root).
 * -1 with err when there is no cgroup2 mount holding it. */
int sg_cgroup_v2_dir(const char *proc_cgroup, const char *mountinfo, char *dir, size_t size,
		     struct sg_error *err);

/* The same in the v1 hierarchy that has controller ctrl ("pids"), which
 * may be mounted together with others ("cpu,cpuacct"). */
int sg_cgroup_v1_dir(const char *proc_cgroup, const char *mountinfo, const char *ctrl,
		     char *dir, size_t size, struct sg_error *err);

/* Whether word is one of the blank-separated words of list (the text of
 * cgroup.controllers or cgroup.subtree_control). */
bool sg_cgroup_word_listed(const char *list, const char *word);

struct sg_cgroup_where {
	bool v2;
	char dir[4096]; /* the gateway's cgroup in that hierarchy */
};

/* Where ctrl's limit goes: the v2 hierarchy when v2_controllers (the text
 * of v2_dir/cgroup.controllers; NULL when there is no v2 hierarchy) lists
 * it, which means it can be enabled in v2_dir's cgroup.subtree_control;
 * else the v1 hierarchy that has it. -1 with err when neither does. */
int sg_cgroup_choose(const char *proc_cgroup, const char *mountinfo, const char *v2_dir,
		     const char *v2_controllers, enum sg_cgroup_ctrl ctrl,
		     struct sg_cgroup_where *out, struct sg_error *err);

/* One file of a cgroup directory and the text to write to it. */
struct sg_cgroup_setting {
	const char *file;
	char value[48];
};

/* The writes that set ctrl's limit, in order: v2 memory.max, pids.max,
 * cpu.max ("QUOTA PERIOD"); v1 memory.limit_in_bytes, pids.max,
 * cpu.cfs_period_us then cpu.cfs_quota_us. Returns how many (0 when the
 * limit is not set, at most 2). */
int sg_cgroup_settings(const struct sg_cgroup_limits *lim, enum sg_cgroup_ctrl ctrl, bool v2,
		       struct sg_cgroup_setting out[2]);

#endif
