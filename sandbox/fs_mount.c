/* Mount primitives of the cell side, all relative to descriptors of the
 * tree being built, so that no path is looked up in the host's tree once
 * the sources are open: open_tree(OPEN_TREE_CLONE | AT_RECURSIVE) clones
 * a source, mount_setattr sets the clone's flags before anything can use
 * it, move_mount attaches it. */
#include "sandbox/fs_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

const char *sg_fs_step(const char *fmt, ...)
{
	static char step[PATH_MAX + 128];
	int saved = errno;
	va_list ap;
	va_start(ap, fmt);
	int n = snprintf(step, sizeof step, "filesystem: ");
	vsnprintf(step + n, sizeof step - (size_t)n, fmt, ap);
	va_end(ap);
	errno = saved;
	return step;
}

/* One component below dir: opened if there, else created. Never follows
 * a symlink (O_NOFOLLOW; a directory wanted must be one: O_DIRECTORY). */
static int step_into(int dir, const char *name, bool want_dir)
{
	int flags = O_PATH | O_NOFOLLOW | O_CLOEXEC | (want_dir ? O_DIRECTORY : 0);
	int fd = openat(dir, name, flags);
	if (fd >= 0 || errno != ENOENT)
		goto check;
	if (want_dir) {
		if (mkdirat(dir, name, 0755) < 0 && errno != EEXIST)
			return -1;
	} else {
		int made = openat(dir, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
		if (made < 0 && errno != EEXIST)
			return -1;
		if (made >= 0)
			close(made);
	}
	fd = openat(dir, name, flags);
check:
	if (fd >= 0 && !want_dir) {
		struct stat st;
		if (fstat(fd, &st) < 0 || S_ISLNK(st.st_mode) || S_ISDIR(st.st_mode)) {
			close(fd);
			errno = S_ISDIR(st.st_mode) ? EISDIR : ELOOP;
			return -1;
		}
	}
	return fd;
}

int sg_fs_mkpath(int root, const char *rel, bool dir)
{
	char name[NAME_MAX + 1];
	int fd = fcntl(root, F_DUPFD_CLOEXEC, 0);
	const char *seg = rel;
	while (*seg == '/')
		seg++;
	while (fd >= 0 && *seg != '\0') {
		const char *end = strchrnul(seg, '/');
		size_t n = (size_t)(end - seg);
		if (n > NAME_MAX) {
			close(fd);
			errno = ENAMETOOLONG;
			return -1;
		}
		memcpy(name, seg, n);
		name[n] = '\0';
		int next = step_into(fd, name, *end == '/' || dir);
		int saved = errno;
		close(fd);
		errno = saved;
		fd = next;
		seg = *end == '/' ? end + 1 : end;
	}
	return fd;
}

int sg_fs_attach(int src, int root, const char *rel, unsigned attrs)
{
	struct stat st;
	if (fstat(src, &st) < 0)
		return -1;
	int tree = open_tree(src, "", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_RECURSIVE |
					      AT_EMPTY_PATH);
	if (tree < 0)
		return -1;
	struct mount_attr attr = { .attr_set = attrs };
	int rc = -1;
	int at = -1;
	if (mount_setattr(tree, "", AT_EMPTY_PATH | AT_RECURSIVE, &attr, sizeof attr) == 0 &&
	    (at = sg_fs_mkpath(root, rel, S_ISDIR(st.st_mode))) >= 0)
		rc = move_mount(tree, "", at, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH);
	int saved = errno;
	close(tree);
	if (at >= 0)
		close(at);
	errno = saved;
	return rc;
}

int sg_fs_tmpfs(unsigned attrs, const char *size, const char *mode, const char *inodes)
{
	int fs = fsopen("tmpfs", FSOPEN_CLOEXEC);
	if (fs < 0)
		return -1;
	int mnt = -1;
	if (fsconfig(fs, FSCONFIG_SET_STRING, "size", size, 0) == 0 &&
	    fsconfig(fs, FSCONFIG_SET_STRING, "mode", mode, 0) == 0 &&
	    (inodes == NULL || fsconfig(fs, FSCONFIG_SET_STRING, "nr_inodes", inodes, 0) == 0) &&
	    fsconfig(fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0) == 0)
		mnt = fsmount(fs, FSMOUNT_CLOEXEC, attrs);
	int saved = errno;
	close(fs);
	errno = saved;
	return mnt;
}

int sg_fs_put(int mnt, int root, const char *rel)
{
	int at = sg_fs_mkpath(root, rel, true);
	if (at < 0)
		return -1;
	int rc = move_mount(mnt, "", at, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH);
	int saved = errno;
	close(at);
	errno = saved;
	return rc;
}

int sg_fs_seal(int fd)
{
	struct mount_attr attr = { .attr_set = MOUNT_ATTR_RDONLY };
	return mount_setattr(fd, "", AT_EMPTY_PATH, &attr, sizeof attr);
}
