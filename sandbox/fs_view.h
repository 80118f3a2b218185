/* The cell's filesystem view: an empty tmpfs root holding the host's /usr
 * (and the merged-/usr links), a few generated or bound /etc files, a
 * minimal /dev, a fresh /proc, a private size-limited /tmp, and the app's
 * own paths, each bound from a descriptor that the gateway resolved
 * without following symlinks. Knows nothing of HTTP or Python. */
#ifndef SG_SANDBOX_FS_VIEW_H
#define SG_SANDBOX_FS_VIEW_H

#include <limits.h>
#include <stdbool.h>
#include <sys/types.h>

#include "gateway/error.h"

#define SG_FS_MAX_BINDS 40

struct sg_fs_bind {
	char path[PATH_MAX]; /* absolute; where it appears in the cell (= the host path) */
	int fd;              /* O_PATH, resolved by sg_fs_view_add */
	bool writable;       /* read-write and noexec; else read-only */
	bool exec;           /* read-only, and Landlock allows execve beneath
			      * (CGI roots); never with writable */
};

struct sg_fs_view {
	int n_binds;
	struct sg_fs_bind binds[SG_FS_MAX_BINDS];
	long long tmp_size;   /* bytes of the private /tmp */
	bool resolv_conf;     /* bind /etc/resolv.conf (the network is not "none") */
	char user_name[64];   /* the only user in the generated /etc/passwd */
	char group_name[64];  /* the only group in the generated /etc/group */
};

/* Gateway side. Resolves an absolute path with descriptors (openat2 with
 * RESOLVE_NO_SYMLINKS, or an O_PATH walk refusing symlinks) and adds it
 * to the view. -1 with err naming the path and the component refused. */
int sg_fs_view_add(struct sg_fs_view *v, const char *path, bool writable, struct sg_error *err);

/* Closes the descriptors sg_fs_view_add opened. */
void sg_fs_view_close(struct sg_fs_view *v);

/* Cell side, in the cell's first process (new user and mount namespaces,
 * still privileged in them): builds the root, pivots into it and detaches
 * the old one. NULL on success, else the step that failed (errno set). */
const char *sg_fs_enter(const struct sg_fs_view *v, uid_t uid, gid_t gid);

#endif
