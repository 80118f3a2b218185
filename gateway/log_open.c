/* An app's log file, opened with its user's credentials (README "Logs").
 * Root opening a path in a directory the user controls could be steered
 * by a symlink or a hard link onto any file; so a forked child drops to
 * the app's uid and gid (the setuid fixup takes every capability with the
 * uids: privs.c keeps it on), opens the file, and passes the descriptor
 * back with SCM_RIGHTS. What the child cannot open, the user could not
 * write either. Its credentials are the cell's: the uid and gid, no
 * supplementary groups.
 *
 * The default file, ~USER/.local/state/sandgate/APP.log, is reached from
 * the home (passwd) one directory at a time with openat2 and
 * RESOLVE_NO_SYMLINKS | RESOLVE_BENEATH, missing directories made 0700.
 * An explicit path (the administrator's `log =`) is opened as the user
 * too, following symlinks in its directories (the administrator's
 * choice) but not in its last component (O_NOFOLLOW). Either way the file
 * must be a regular file the user owns (O_NONBLOCK: a FIFO cannot hang
 * the open); it is created 0600. */
#include "log_open.h"

#include "become_user.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#define OPEN_TIMEOUT_MS 2000
#define NO_LINKS (RESOLVE_NO_SYMLINKS | RESOLVE_BENEATH)

static int openat2_at(int dir, const char *name, int flags, mode_t mode)
{
	struct open_how how = { .flags = (unsigned)flags, .mode = mode, .resolve = NO_LINKS };
	return (int)syscall(SYS_openat2, dir, name, &how, sizeof how);
}

/* dir/".local/state/sandgate", each directory made 0700 when missing. */
static int state_dir(int home)
{
	static const char *const parts[] = { ".local", "state", "sandgate" };
	int dir = home;
	for (int i = 0; i < 3; i++) {
		if (mkdirat(dir, parts[i], 0700) < 0 && errno != EEXIST)
			return -1;
		int next = openat2_at(dir, parts[i], O_PATH | O_DIRECTORY | O_CLOEXEC, 0);
		if (dir != home)
			close(dir);
		if (next < 0)
			return -1;
		dir = next;
	}
	return dir;
}

/* A regular file the caller owns, in blocking mode. */
static int checked(int fd)
{
	if (fd < 0)
		return -1;
	struct stat st;
	int e = 0;
	if (fstat(fd, &st) < 0)
		e = errno;
	else if (!S_ISREG(st.st_mode) || st.st_uid != geteuid() || sg_fd_on_fuse(fd))
		e = EPERM;
	else if (fcntl(fd, F_SETFL, O_APPEND) < 0)
		e = errno;
	if (e != 0) {
		close(fd);
		errno = e;
		return -1;
	}
	return fd;
}

#define LOG_FLAGS (O_WRONLY | O_APPEND | O_CREAT | O_NONBLOCK | O_NOFOLLOW | O_CLOEXEC)

/* In the child, as the user. Returns the descriptor, or -1 with errno and
 * *step naming what failed. */
static int open_as_user(const struct sg_log_target *t, const char **step)
{
	if (t->path[0] != '\0') {
		*step = "open";
		return checked(open(t->path, LOG_FLAGS, 0600));
	}
	*step = "home";
	int home = open(t->home, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (home < 0)
		return -1;
	*step = ".local/state/sandgate";
	int dir = state_dir(home);
	close(home);
	if (dir < 0)
		return -1;
	*step = "open";
	int fd = checked(openat2_at(dir, t->file, LOG_FLAGS, 0600));
	close(dir);
	return fd;
}

static void child(const struct sg_log_target *t, int sock)
{
	const char *step = "drop to the user";
	int fd = -1;
	if (sg_become_user(t->uid, t->gid) == 0)
		fd = open_as_user(t, &step);
	char msg[160];
	int n = snprintf(msg, sizeof msg, "%s: %s", step, fd < 0 ? strerror(errno) : "ok");
	struct iovec iov = { .iov_base = msg, .iov_len = (size_t)n };
	union {
		struct cmsghdr h;
		char buf[CMSG_SPACE(sizeof(int))];
	} u;
	struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1 };
	if (fd >= 0) {
		m.msg_control = u.buf;
		m.msg_controllen = sizeof u.buf;
		struct cmsghdr *c = CMSG_FIRSTHDR(&m);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(c), &fd, sizeof fd);
	}
	_exit(sendmsg(sock, &m, 0) < 0 ? 1 : 0);
}

static int receive(int sock, char *msg, size_t cap)
{
	union {
		struct cmsghdr h;
		char buf[CMSG_SPACE(sizeof(int))];
	} u;
	struct iovec iov = { .iov_base = msg, .iov_len = cap - 1 };
	struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf,
			    .msg_controllen = sizeof u.buf };
	struct pollfd p = { .fd = sock, .events = POLLIN };
	msg[0] = '\0';
	if (poll(&p, 1, OPEN_TIMEOUT_MS) != 1) {
		snprintf(msg, cap, "no answer within %d ms", OPEN_TIMEOUT_MS);
		return -1;
	}
	ssize_t n = recvmsg(sock, &m, MSG_CMSG_CLOEXEC);
	if (n <= 0) {
		snprintf(msg, cap, "the opening process died");
		return -1;
	}
	msg[n] = '\0';
	struct cmsghdr *c = CMSG_FIRSTHDR(&m);
	int fd = -1;
	if (c != NULL && c->cmsg_type == SCM_RIGHTS && c->cmsg_len == CMSG_LEN(sizeof(int)))
		memcpy(&fd, CMSG_DATA(c), sizeof fd);
	return fd;
}

int sg_log_open_as(const struct sg_log_target *t, struct sg_error *err)
{
	if (geteuid() == t->uid) {
		/* User mode: the gateway is the user already. */
		const char *step;
		int fd = open_as_user(t, &step);
		return fd < 0 ? sg_fail_errno(err, "%s", step) : fd;
	}
	int sv[2];
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
		return sg_fail_errno(err, "socketpair");
	pid_t pid = fork();
	if (pid < 0) {
		close(sv[0]);
		close(sv[1]);
		return sg_fail_errno(err, "fork");
	}
	if (pid == 0) {
		close(sv[0]);
		child(t, sv[1]);
	}
	close(sv[1]);
	char msg[160];
	int fd = receive(sv[0], msg, sizeof msg);
	close(sv[0]);
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	if (fd < 0)
		return sg_fail(err, "%s", msg);
	return fd;
}
