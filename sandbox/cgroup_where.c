/* Where a cell's limits go: per controller, the gateway's own cgroup in
 * the hierarchy that offers it (cgroup_parse.c chooses: v2 when the
 * gateway's v2 cgroup lists the controller in cgroup.controllers, else its
 * v1 hierarchy). Found once, at the first cell, and kept: in v2 the
 * gateway then moves itself into a leaf (cgroup_v2.c), which changes
 * /proc/self/cgroup but not where the cells go. */
#include "sandbox/cgroup_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#define TEXT_MAX (4 << 20) /* bytes read from a /proc file at most */

static struct {
	bool done;
	bool ok[SG_CG_NCTRL];
	struct sg_cgroup_where where[SG_CG_NCTRL];
	struct sg_error why[SG_CG_NCTRL];
} located;

/* The whole of a small file (at most TEXT_MAX bytes) as a string,
 * malloc'd; NULL with errno set. */
static char *read_text(const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	char *buf = NULL;
	size_t cap = 0, len = 0;
	ssize_t n = fd < 0 ? -1 : 1;
	while (n > 0) {
		if (len + 1 >= cap) {
			size_t bigger = cap == 0 ? 8192 : cap * 2;
			char *grown = bigger <= TEXT_MAX ? realloc(buf, bigger) : NULL;
			if (grown == NULL) {
				errno = bigger <= TEXT_MAX ? ENOMEM : EFBIG;
				n = -1;
				break;
			}
			buf = grown;
			cap = bigger;
		}
		n = read(fd, buf + len, cap - 1 - len);
		len += n > 0 ? (size_t)n : 0;
	}
	int saved = errno;
	if (fd >= 0)
		close(fd);
	if (n < 0) {
		free(buf);
		errno = saved;
		return NULL;
	}
	buf[len] = '\0';
	return buf;
}

static void locate(void)
{
	if (located.done)
		return;
	char *proc = read_text("/proc/self/cgroup");
	char *mounts = proc != NULL ? read_text("/proc/self/mountinfo") : NULL;
	char v2_dir[4096], path[4096 + 32];
	char *controllers = NULL;
	bool have_v2 = false;
	if (mounts != NULL) {
		have_v2 = sg_cgroup_v2_dir(proc, mounts, v2_dir, sizeof v2_dir, NULL) == 0;
		snprintf(path, sizeof path, "%s/cgroup.controllers", have_v2 ? v2_dir : "");
		controllers = have_v2 ? read_text(path) : NULL;
	}
	for (int c = 0; c < SG_CG_NCTRL; c++) {
		if (mounts == NULL) {
			sg_fail_errno(&located.why[c], "cgroup: read /proc/self/%s",
				      proc == NULL ? "cgroup" : "mountinfo");
			continue;
		}
		located.ok[c] = sg_cgroup_choose(proc, mounts, have_v2 ? v2_dir : NULL, controllers,
						 (enum sg_cgroup_ctrl)c, &located.where[c],
						 &located.why[c]) == 0;
	}
	located.done = mounts != NULL; /* a failed read is tried again next time */
	free(proc);
	free(mounts);
	free(controllers);
}

/* In v2, before the first cell is cloned: a cell without limits is born
 * in the gateway's cgroup and would keep it busy (cgroup_v2.c). */
static void leaf_once(void)
{
	static bool tried;
	if (tried || !located.done)
		return;
	tried = true;
	for (int c = 0; c < SG_CG_NCTRL; c++) {
		if (located.ok[c] && located.where[c].v2) {
			sg_cgroup_v2_leaf(located.where[c].dir);
			return;
		}
	}
}

void sg_cgroup_prepare(void)
{
	locate();
	leaf_once();
}

const struct sg_cgroup_where *sg_cgroup_where(enum sg_cgroup_ctrl ctrl, struct sg_error *err)
{
	if (!located.ok[ctrl]) {
		if (err != NULL)
			*err = located.why[ctrl];
		return NULL;
	}
	return &located.where[ctrl];
}
