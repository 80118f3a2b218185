/* Gateway side of the filesystem layer: every path a configuration names
 * is checked, then opened with descriptors and without following any
 * symlink, so that what the cell gets bound is the directory the gateway
 * looked at. A path someone turns into a symlink while the cell is being
 * set up is refused, here or when the cell re-resolves it
 * (sandbox/fs_root.c), never followed.
 *
 * In system mode this runs as root, so it checks where a path leads, not
 * whether the app's user may go there (the cell's own DAC checks do that
 * when the cell re-resolves it as that user). */
#include "sandbox/fs_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

static bool under(const char *path, const char *top)
{
	size_t n = strlen(top);
	return strncmp(path, top, n) == 0 && (path[n] == '\0' || path[n] == '/');
}

int sg_fs_check_path(const char *path, struct sg_error *err)
{
	size_t len = strlen(path);
	if (path[0] != '/')
		return sg_fail(err, "%.200s: not an absolute path", path);
	if (len == 1)
		return sg_fail(err, "/: the whole host filesystem cannot be bound");
	if (len >= PATH_MAX)
		return sg_fail(err, "%.200s...: path too long", path);
	if (path[len - 1] == '/')
		return sg_fail(err, "%.200s: trailing '/'", path);
	for (const char *seg = path + 1; seg != NULL && *seg != '\0';) {
		const char *end = strchr(seg, '/');
		size_t n = end != NULL ? (size_t)(end - seg) : strlen(seg);
		if (n == 0 || (n == 1 && seg[0] == '.') || (n == 2 && seg[0] == '.' && seg[1] == '.'))
			return sg_fail(err, "%.200s: empty, '.' or '..' segment", path);
		seg = end != NULL ? end + 1 : NULL;
	}
	/* Every user's sockets and files are there, and the cell has its own. */
	if (strcmp(path, "/tmp") == 0 || strcmp(path, "/var/tmp") == 0)
		return sg_fail(err, "%s is shared by every user of the host and cannot be bound "
				    "(the cell has a private /tmp)", path);
	static const char *const own[] = { "/proc", "/sys", "/dev" };
	for (size_t i = 0; i < sizeof own / sizeof own[0]; i++)
		if (under(path, own[i]))
			return sg_fail(err, "%.200s: paths under %s cannot be bound (the cell has its own)",
				       path, own[i]);
	return 0;
}

int sg_fs_walk(const char *path, size_t *bad_len)
{
	int fd = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
	const char *seg = path + 1;
	char name[NAME_MAX + 1];
	while (fd >= 0 && *seg != '\0') {
		const char *end = strchrnul(seg, '/');
		size_t n = (size_t)(end - seg);
		if (bad_len != NULL)
			*bad_len = (size_t)(end - path);
		if (n > NAME_MAX) {
			close(fd);
			errno = ENAMETOOLONG;
			return -1;
		}
		memcpy(name, seg, n);
		name[n] = '\0';
		int next = openat(fd, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
		int saved = errno;
		close(fd);
		errno = saved;
		struct stat st;
		if (next >= 0 && fstat(next, &st) == 0 && S_ISLNK(st.st_mode)) {
			close(next);
			errno = ELOOP;
			return -1;
		}
		fd = next;
		seg = *end == '/' ? end + 1 : end;
	}
	return fd;
}

int sg_fs_resolve(const char *path)
{
	struct open_how how = {
		.flags = O_PATH | O_CLOEXEC,
		.resolve = RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS,
	};
	int fd = (int)syscall(SYS_openat2, AT_FDCWD, path, &how, sizeof how);
	if (fd < 0 && errno == ENOSYS)
		return sg_fs_walk(path, NULL);
	return fd;
}

/* The reason a path did not resolve, naming the component that failed
 * (found again by a walk: only for the message). */
static int resolve_failed(const char *path, struct sg_error *err)
{
	int saved = errno;
	size_t bad = strlen(path);
	int fd = sg_fs_walk(path, &bad);
	if (fd >= 0) {
		close(fd);
		bad = strlen(path);
	} else {
		saved = errno;
	}
	errno = saved;
	if (saved == ELOOP)
		return sg_fail(err, "%.200s: %.*s is a symbolic link (refused: the paths of a "
				    "cell are resolved without following symlinks)",
			       path, (int)bad, path);
	return sg_fail_errno(err, "%.200s: %.*s", path, (int)bad, path);
}

/* "/a//b/./c/" -> "/a/b/c": spellings that name the same place whatever
 * the filesystem holds. ".." is left for sg_fs_check_path to refuse. */
static void tidy(const char *path, char *out, size_t cap)
{
	size_t n = 0;
	if (path[0] != '/') { /* relative: left as it is, to be refused */
		snprintf(out, cap, "%s", path);
		return;
	}
	for (const char *seg = path; *seg != '\0';) {
		while (*seg == '/')
			seg++;
		size_t len = strcspn(seg, "/");
		if (len == 0 || (len == 1 && seg[0] == '.')) {
			seg += len;
			continue;
		}
		if (n + 1 + len + 1 > cap)
			break;
		out[n++] = '/';
		memcpy(out + n, seg, len);
		n += len;
		seg += len;
	}
	if (n == 0)
		out[n++] = '/';
	out[n] = '\0';
}

int sg_fs_view_add(struct sg_fs_view *v, const char *given, bool writable, struct sg_error *err)
{
	char path[PATH_MAX];
	tidy(given, path, sizeof path);
	if (sg_fs_check_path(path, err) < 0)
		return -1;
	for (int i = 0; i < v->n_binds; i++) {
		if (strcmp(v->binds[i].path, path) == 0) {
			/* Named twice (app directory and pythonpath, say): writable
			 * when any of its entries is, as the user declared it. */
			v->binds[i].writable |= writable;
			return 0;
		}
	}
	if (v->n_binds == SG_FS_MAX_BINDS)
		return sg_fail(err, "%.200s: more than %d paths in one cell", path, SG_FS_MAX_BINDS);
	int fd = sg_fs_resolve(path);
	if (fd < 0)
		return resolve_failed(path, err);
	struct stat st;
	if (fstat(fd, &st) < 0) {
		sg_fail_errno(err, "fstat %.200s", path);
		close(fd);
		return -1;
	}
	if (!S_ISDIR(st.st_mode) && (writable || !S_ISREG(st.st_mode))) {
		close(fd);
		return sg_fail(err, "%.200s: not a directory%s", path, writable ? "" : " or a file");
	}
	struct sg_fs_bind *b = &v->binds[v->n_binds++];
	snprintf(b->path, sizeof b->path, "%s", path);
	b->fd = fd;
	b->writable = writable;
	return 0;
}

void sg_fs_view_close(struct sg_fs_view *v)
{
	for (int i = 0; i < v->n_binds; i++)
		if (v->binds[i].fd >= 0)
			close(v->binds[i].fd);
	v->n_binds = 0;
}
