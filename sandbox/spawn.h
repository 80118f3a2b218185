/* Starting a process in a new cell: user, mount, pid, ipc, uts, net and
 * cgroup namespaces (sandbox/netns.h), the cell's own root
 * (sandbox/fs_view.h), the app's uid/gid with no supplementary groups,
 * every capability gone, no_new_privs, Landlock (sandbox/landlock.h), then
 * exec of an already opened program. Knows nothing of HTTP or Python. */
#ifndef SG_SANDBOX_SPAWN_H
#define SG_SANDBOX_SPAWN_H

#include <stdbool.h>
#include <sys/types.h>

#include "gateway/error.h"
#include "sandbox/cgroup.h"
#include "sandbox/fs_view.h"
#include "sandbox/landlock.h"
#include "sandbox/netns.h"
#include "sandbox/rlimits.h"

#define SG_SPAWN_MAX_FDS 9

struct sg_spawn {
	uid_t uid;              /* the app's user, never 0 */
	gid_t gid;
	const char *hostname;   /* uts namespace hostname (the app name) */
	int exe_fd;             /* O_PATH descriptor of the program to exec */
	char *const *argv;
	char *const *envp;
	/* fds[i] becomes descriptor i in the child; -1 leaves i closed
	 * (0 is always /dev/null when -1). */
	int fds[SG_SPAWN_MAX_FDS];
	/* NULL, or the cell's cgroup: the first process is attached to it
	 * after the id maps are written and before it runs on. */
	const struct sg_cgroup *cgroup;
	enum sg_network network;       /* sandbox/netns.h */
	const struct sg_fs_view *fs;   /* the mount view (sandbox/fs_view.h) */
	struct sg_landlock landlock;   /* .fs and .exe_fd are filled in by sg_spawn_cell */
	struct sg_rlimits rlimits;     /* configured ones (sandbox/rlimits.h) */
};

/* Starts the cell's first process (pid 1 of its pid namespace). Returns 0
 * with *pid and *pidfd set once the program has been exec'd; -1 with err
 * naming the step that failed (fail closed: nothing runs then). */
int sg_spawn_cell(const struct sg_spawn *sp, pid_t *pid, int *pidfd, struct sg_error *err);

#endif
