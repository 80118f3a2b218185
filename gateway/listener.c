#include "listener.h"

#include <errno.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#define LISTEN_BACKLOG 1024

/* A leftover socket from an earlier run may be replaced; any other kind of
 * file at that path is the operator's and is left alone. */
static int clear_stale_unix(const char *path, struct sg_error *err)
{
	struct stat st;
	if (lstat(path, &st) < 0)
		return errno == ENOENT ? 0 : sg_fail_errno(err, "%s", path);
	if (!S_ISSOCK(st.st_mode))
		return sg_fail(err, "%s exists and is not a socket; not replacing it", path);
	if (unlink(path) < 0)
		return sg_fail_errno(err, "removing stale socket %s", path);
	return 0;
}

static int bind_unix(int fd, const struct sg_addr *a, int mode, gid_t group,
		     struct sg_error *err)
{
	const struct sockaddr_un *sun = (const struct sockaddr_un *)&a->ss;
	if (clear_stale_unix(sun->sun_path, err) < 0)
		return -1;
	/* bind creates the socket with 0777 & ~umask: exactly the mode asked
	 * for, with no chmod by path afterwards. */
	mode_t old = umask((mode_t)(~mode & 0777));
	int rc = bind(fd, (const struct sockaddr *)&a->ss, a->len);
	umask(old);
	if (rc < 0)
		return sg_fail_errno(err, "bind %s", a->text);
	/* lchown: if someone swapped the new socket for a symlink, only the
	 * link changes group, never the file it points at. */
	if (group != (gid_t)-1 && lchown(sun->sun_path, (uid_t)-1, group) < 0)
		return sg_fail_errno(err, "chown %s", sun->sun_path);
	return 0;
}

int sg_listen_open(const struct sg_addr *a, int mode, gid_t group, struct sg_error *err)
{
	return sg_listen_open_type(a, SOCK_STREAM, mode, group, err);
}

int sg_listen_open_type(const struct sg_addr *a, int type, int mode, gid_t group,
			struct sg_error *err)
{
	int fd = socket(a->ss.ss_family, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return sg_fail_errno(err, "socket for %s", a->text);
	int one = 1;
	int rc;
	if (a->is_unix) {
		rc = bind_unix(fd, a, mode, group, err);
	} else {
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
		if (a->ss.ss_family == AF_INET6)
			setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one);
		rc = bind(fd, (const struct sockaddr *)&a->ss, a->len);
		if (rc < 0)
			sg_fail_errno(err, "bind %s", a->text);
	}
	if (rc == 0 && listen(fd, LISTEN_BACKLOG) < 0)
		rc = sg_fail_errno(err, "listen %s", a->text);
	if (rc < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

void sg_listen_unlink(const struct sg_addr *a)
{
	if (!a->is_unix)
		return;
	const struct sockaddr_un *sun = (const struct sockaddr_un *)&a->ss;
	struct stat st;
	if (lstat(sun->sun_path, &st) == 0 && S_ISSOCK(st.st_mode))
		unlink(sun->sun_path);
}

int sg_peer_uid(int fd, uid_t *uid)
{
	struct ucred cred;
	socklen_t len = sizeof cred;
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0)
		return -1;
	*uid = cred.uid;
	return 0;
}
