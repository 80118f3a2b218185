/* Cell side of the filesystem layer, in the cell's first process (its own
 * user and mount namespaces, every capability in them, the host's tree
 * still visible, made private by spawn.c). In order:
 *
 * 1. file ids := the app's: what is created below belongs to the app's
 *    user (the gateway's root is not mapped in the cell: it could create
 *    nothing), and the paths of the view are re-resolved with the app's
 *    rights rather than root's.
 * 2. each path of the view is opened again here, without symlinks, and
 *    must be the very directory the gateway opened (same device and
 *    inode): a component swapped for a symlink or another directory since
 *    then refuses the cell. The gateway's descriptors cannot be bound
 *    themselves, as they belong to the host's mount namespace.
 * 3. an empty tmpfs becomes the new root (attached over the host's /tmp
 *    of this private namespace: every source under /tmp is open already),
 *    and is filled: /usr and the merged-/usr links, /etc, /dev, /tmp,
 *    /proc, then the view's paths, parents before children.
 * 4. the root is made read-only, pivot_root makes it /, and the host's
 *    tree, now on top of it, is detached. */
#include "sandbox/fs_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/fsuid.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#define ROOT_ATTRS (MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC)

static const char *file_ids(uid_t uid, gid_t gid)
{
	setfsgid(gid);
	setfsuid(uid);
	if ((uid_t)setfsuid((uid_t)-1) != uid || (gid_t)setfsgid((gid_t)-1) != gid) {
		errno = EPERM;
		return sg_fs_step("setfsuid/setfsgid to the app's ids");
	}
	return NULL;
}

const char *sg_fs_reopen(const struct sg_fs_bind *b, int *fd)
{
	struct stat want, got;
	if (fstat(b->fd, &want) < 0)
		return sg_fs_step("fstat %s", b->path);
	*fd = sg_fs_resolve(b->path);
	if (*fd < 0)
		return sg_fs_step(errno == ELOOP ? "%s: a component is now a symbolic link (refused)"
						 : "%s: resolving it again in the cell", b->path);
	if (fstat(*fd, &got) < 0)
		return sg_fs_step("fstat %s", b->path);
	if (got.st_dev != want.st_dev || got.st_ino != want.st_ino) {
		errno = ESTALE;
		return sg_fs_step("%s: not what the gateway resolved (changed during setup; refused)",
				  b->path);
	}
	return NULL;
}

static const char *host_tree(int root)
{
	static const char *const links[] = { "bin", "sbin", "lib", "lib32", "lib64", "libx32" };
	int usr = open("/usr", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (usr < 0 || sg_fs_attach(usr, root, "usr", SG_FS_RO_EXEC) < 0)
		return sg_fs_step("bind /usr"); /* the cell stops: no descriptor to tidy */
	close(usr);
	for (size_t i = 0; i < sizeof links / sizeof links[0]; i++) {
		char path[16], target[PATH_MAX];
		snprintf(path, sizeof path, "/%s", links[i]);
		ssize_t n = readlink(path, target, sizeof target - 1);
		if (n >= 0) {
			target[n] = '\0';
			if (symlinkat(target, root, links[i]) < 0)
				return sg_fs_step("symlink %s", path);
			continue;
		}
		if (errno == ENOENT)
			continue;
		int src = open(path, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (src < 0 || sg_fs_attach(src, root, links[i], SG_FS_RO_EXEC) < 0)
			return sg_fs_step("bind %s", path);
		close(src);
	}
	return NULL;
}

static const char *private_tmp(int root, long long size)
{
	char bytes[32], inodes[32];
	long long n = size / 1024;
	snprintf(bytes, sizeof bytes, "%lld", size);
	snprintf(inodes, sizeof inodes, "%lld", n < 1024 ? 1024 : n);
	int tmp = sg_fs_tmpfs(SG_FS_RW, bytes, "1777", inodes);
	if (tmp < 0)
		return sg_fs_step("tmpfs for /tmp (size=%s)", bytes);
	int rc = sg_fs_put(tmp, root, "tmp");
	int saved = errno;
	close(tmp);
	errno = saved;
	return rc < 0 ? sg_fs_step("mount /tmp") : NULL;
}

static int by_path(const void *a, const void *b)
{
	const struct sg_fs_bind *const *x = a, *const *y = b;
	return strcmp((*x)->path, (*y)->path);
}

/* A parent sorts before anything under it, so nested paths stack right. */
static const char *view_paths(const struct sg_fs_view *v, int root, const int *fds)
{
	const struct sg_fs_bind *order[SG_FS_MAX_BINDS];
	int n = v->n_binds;
	for (int i = 0; i < n; i++)
		order[i] = &v->binds[i];
	qsort(order, (size_t)n, sizeof order[0], by_path);
	for (int i = 0; i < n; i++) {
		const struct sg_fs_bind *b = order[i];
		if (sg_fs_attach(fds[b - v->binds], root, b->path + 1,
				 b->writable ? SG_FS_RW : SG_FS_RO_EXEC) < 0)
			return sg_fs_step("bind %s %s", b->path, b->writable ? "read-write" : "read-only");
	}
	return NULL;
}

static const char *new_root(int *root)
{
	*root = sg_fs_tmpfs(ROOT_ATTRS, "1m", "0755", "4096");
	if (*root < 0)
		return sg_fs_step("tmpfs for the new root");
	if (move_mount(*root, "", AT_FDCWD, "/tmp", MOVE_MOUNT_F_EMPTY_PATH) < 0)
		return sg_fs_step("attach the new root");
	return NULL;
}

static const char *fill(const struct sg_fs_view *v, int root, const int *fds, uid_t uid,
			gid_t gid)
{
	const char *step = host_tree(root);
	if (step == NULL)
		step = sg_fs_etc_build(v, root, uid, gid);
	if (step == NULL)
		step = sg_fs_dev_build(root);
	if (step == NULL)
		step = private_tmp(root, v->tmp_size);
	if (step == NULL)
		step = sg_fs_proc_build(root);
	if (step == NULL)
		step = view_paths(v, root, fds);
	return step;
}

/* pivot_root(".", ".") stacks the old root on the new one; detaching the
 * top of "." then leaves only the new root. */
static const char *pivot(int root)
{
	if (sg_fs_seal(root) < 0)
		return sg_fs_step("make the new root read-only");
	if (fchdir(root) < 0)
		return sg_fs_step("fchdir to the new root");
	if (syscall(SYS_pivot_root, ".", ".") < 0)
		return sg_fs_step("pivot_root");
	if (umount2(".", MNT_DETACH) < 0)
		return sg_fs_step("detach the host's root");
	if (chdir("/") < 0)
		return sg_fs_step("chdir /");
	return NULL;
}

const char *sg_fs_enter(const struct sg_fs_view *v, uid_t uid, gid_t gid)
{
	int fds[SG_FS_MAX_BINDS];
	int n = 0, root = -1;
	const char *step = file_ids(uid, gid);
	for (; step == NULL && n < v->n_binds; n++)
		step = sg_fs_reopen(&v->binds[n], &fds[n]);
	if (step == NULL)
		step = new_root(&root);
	if (step == NULL)
		step = fill(v, root, fds, uid, gid);
	if (step == NULL)
		step = pivot(root);
	int saved = errno;
	for (int i = 0; i < n; i++)
		if (fds[i] >= 0)
			close(fds[i]);
	if (root >= 0)
		close(root);
	errno = saved;
	return step;
}
