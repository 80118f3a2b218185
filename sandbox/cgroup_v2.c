/* The v2 parents of a cell's directory. v2 hands a controller to a child
 * only when the parent's cgroup.subtree_control enables it, and a cgroup
 * other than the root cannot enable one while it has processes of its own
 * (EBUSY). So the gateway moves itself into the leaf BASE/gateway, before
 * its first cell (cells without limits are then born there too), which
 * leaves BASE empty when the gateway was alone in it (a systemd service
 * with Delegate=yes); then the controllers are enabled in BASE and in
 * BASE/sandgate. */
#include "sandbox/cgroup_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#define GATEWAY_LEAF "gateway"

/* "+memory +pids" for a v2 cgroup.subtree_control. */
static void enable_text(unsigned ctrls, char *text, size_t size)
{
	size_t len = 0;
	text[0] = '\0';
	for (int c = 0; c < SG_CG_NCTRL; c++)
		if (ctrls & (1u << c))
			len += (size_t)snprintf(text + len, size - len, "%s+%s", len ? " " : "",
						sg_cgroup_ctrl_name((enum sg_cgroup_ctrl)c));
}

/* Moves the gateway into BASE/gateway, a leaf of its own. */
static int move_self(int base_fd, const char *base, struct sg_error *err)
{
	char pid[24];
	if (mkdirat(base_fd, GATEWAY_LEAF, 0755) < 0 && errno != EEXIST)
		return sg_fail_errno(err, "cgroup: mkdir %s/" GATEWAY_LEAF, base);
	int fd = sg_cgroup_open_dir(base_fd, GATEWAY_LEAF);
	snprintf(pid, sizeof pid, "%d", (int)getpid());
	if (fd < 0 || sg_cgroup_write_at(fd, "cgroup.procs", pid) < 0) {
		sg_fail_errno(err, "cgroup: move the gateway to %s/" GATEWAY_LEAF "/cgroup.procs",
			      base);
		if (fd >= 0)
			close(fd);
		return -1;
	}
	close(fd);
	return 0;
}

void sg_cgroup_v2_leaf(const char *base)
{
	int fd = sg_cgroup_open_dir(AT_FDCWD, base);
	if (fd >= 0) {
		move_self(fd, base, NULL);
		close(fd);
	}
}

static int enable_in_base(int base_fd, const char *base, const char *text, struct sg_error *err)
{
	if (sg_cgroup_write_at(base_fd, "cgroup.subtree_control", text) == 0)
		return 0;
	if (errno != EBUSY)
		return sg_fail_errno(err, "cgroup: write \"%s\" to %s/cgroup.subtree_control", text,
				     base);
	if (move_self(base_fd, base, err) < 0)
		return -1;
	if (sg_cgroup_write_at(base_fd, "cgroup.subtree_control", text) == 0)
		return 0;
	return sg_fail_errno(err, "cgroup: write \"%s\" to %s/cgroup.subtree_control%s", text, base,
			     errno == EBUSY ? " (other processes share the gateway's cgroup; "
					      "run sandgate in a cgroup of its own)" : "");
}

int sg_cgroup_open_parent(const char *base, bool v2, unsigned ctrls, struct sg_error *err)
{
	char text[64];
	enable_text(ctrls, text, sizeof text);
	int base_fd = sg_cgroup_open_dir(AT_FDCWD, base);
	if (base_fd < 0)
		return sg_fail_errno(err, "cgroup: open %s", base);
	int fd = -1;
	if (v2 && enable_in_base(base_fd, base, text, err) < 0)
		goto out;
	if (mkdirat(base_fd, SG_CGROUP_PARENT, 0755) < 0 && errno != EEXIST) {
		sg_fail_errno(err, "cgroup: mkdir %s/" SG_CGROUP_PARENT, base);
		goto out;
	}
	if ((fd = sg_cgroup_open_dir(base_fd, SG_CGROUP_PARENT)) < 0) {
		sg_fail_errno(err, "cgroup: open %s/" SG_CGROUP_PARENT, base);
		goto out;
	}
	if (v2 && sg_cgroup_write_at(fd, "cgroup.subtree_control", text) < 0) {
		sg_fail_errno(err, "cgroup: write \"%s\" to %s/" SG_CGROUP_PARENT
				   "/cgroup.subtree_control", text, base);
		close(fd);
		fd = -1;
	}
out:
	close(base_fd);
	return fd;
}

