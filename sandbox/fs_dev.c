/* The cell's /dev: a small tmpfs, read-only once built, holding the five
 * character devices a program may expect (each a read-only bind of the
 * host's node: writing to /dev/null still works, a device being no file
 * of the mount) and the usual links into /proc/self/fd. Nothing else: no
 * pts, no shm, no block device. */
#include "sandbox/fs_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

static const char *bind_node(int dev, const char *name)
{
	char path[32];
	snprintf(path, sizeof path, "/dev/%s", name);
	int src = open(path, O_PATH | O_NOFOLLOW | O_CLOEXEC);
	struct stat st;
	if (src < 0 || fstat(src, &st) < 0 || !S_ISCHR(st.st_mode)) {
		if (src >= 0) {
			close(src);
			errno = ENODEV;
		}
		return sg_fs_step("open the host's %s", path);
	}
	/* The one place without nodev: these nodes are what /dev is for. */
	int rc = sg_fs_attach(src, dev, name, MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID |
						      MOUNT_ATTR_NOEXEC);
	int saved = errno;
	close(src);
	errno = saved;
	return rc < 0 ? sg_fs_step("bind %s", path) : NULL;
}

const char *sg_fs_dev_build(int root)
{
	static const char *const nodes[] = { "null", "zero", "full", "random", "urandom" };
	static const char *const links[][2] = { { "fd", "/proc/self/fd" },
						{ "stdin", "/proc/self/fd/0" },
						{ "stdout", "/proc/self/fd/1" },
						{ "stderr", "/proc/self/fd/2" } };
	int dev = sg_fs_tmpfs(SG_FS_RW, "64k", "0755", "64");
	if (dev < 0)
		return sg_fs_step("tmpfs for /dev");
	const char *step = NULL;
	if (sg_fs_put(dev, root, "dev") < 0)
		step = sg_fs_step("mount /dev");
	for (size_t i = 0; step == NULL && i < sizeof nodes / sizeof nodes[0]; i++)
		step = bind_node(dev, nodes[i]);
	for (size_t i = 0; step == NULL && i < sizeof links / sizeof links[0]; i++)
		if (symlinkat(links[i][1], dev, links[i][0]) < 0)
			step = sg_fs_step("symlink /dev/%s", links[i][0]);
	if (step == NULL && sg_fs_seal(dev) < 0)
		step = sg_fs_step("make /dev read-only");
	int saved = errno;
	close(dev);
	errno = saved;
	return step;
}
