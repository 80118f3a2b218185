/* A hosted user's apps file, read with the user's credentials and not
 * the gateway's: a child process drops to the user (groups, gid, uid; with
 * them go all capabilities), opens the home directory from the passwd
 * entry, then the file beneath it without following any symbolic link
 * (openat2 RESOLVE_NO_SYMLINKS | RESOLVE_BENEATH), checks what it opened,
 * and writes the bytes back over a pipe. So a user cannot make the gateway
 * read what the user could not: a link to another user's file or to
 * /etc/shadow is refused by name, not followed. The parent bounds both
 * the size and the time.
 *
 * The child's answer: one byte, then the file ('D'), nothing ('N': no
 * file) or a message ('E'). */
#include "user_file.h"

#include "become_user.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static void reply(int out, char kind, const char *body, size_t len)
{
	if (write(out, &kind, 1) != 1)
		_exit(1);
	while (len > 0) {
		ssize_t n = write(out, body, len);
		if (n <= 0)
			_exit(1);
		body += n;
		len -= (size_t)n;
	}
	_exit(0);
}

static void __attribute__((format(printf, 2, 3))) refuse(int out, const char *fmt, ...)
{
	char msg[300];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	reply(out, 'E', msg, strlen(msg));
}

static void drop_to(int out, const struct sg_user_id *who)
{
	if (who->uid == getuid() && who->uid == geteuid())
		return; /* user mode: the gateway's own user's file */
	if (sg_become_user(who->uid, who->gid) < 0)
		refuse(out, "cannot switch to user %s (uid %u): %s", who->name,
		       (unsigned)who->uid, strerror(errno));
}

static int open_beneath(int dir, const char *rel)
{
	struct open_how how = {
		.flags = O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK,
		.resolve = RESOLVE_NO_SYMLINKS | RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS,
	};
	return (int)syscall(SYS_openat2, dir, rel, &how, sizeof how);
}

static void child(int out, const struct sg_user_id *who, const char *rel)
{
	drop_to(out, who);
	int home = open(who->home, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (home < 0)
		refuse(out, "cannot open %s's home %s: %s", who->name, who->home, strerror(errno));
	int fd = open_beneath(home, rel);
	if (fd < 0 && errno == ENOENT)
		reply(out, 'N', "", 0);
	if (fd < 0 && errno == ELOOP)
		refuse(out, "refused: it is a symbolic link, or a directory on the way to it is "
			    "one (users' files are read without following links)");
	if (fd < 0)
		refuse(out, "cannot open as %s: %s", who->name, strerror(errno));
	struct stat st;
	if (fstat(fd, &st) < 0)
		refuse(out, "cannot stat: %s", strerror(errno));
	if (!S_ISREG(st.st_mode))
		refuse(out, "refused: not a regular file");
	if (sg_fd_on_fuse(fd))
		refuse(out, "refused: on a FUSE filesystem, which could stall the gateway");
	if (st.st_uid != who->uid)
		refuse(out, "refused: owned by uid %u, not by %s", (unsigned)st.st_uid, who->name);
	if (st.st_mode & (S_IWGRP | S_IWOTH))
		refuse(out, "refused: writable by %s (chmod go-w)",
		       st.st_mode & S_IWOTH ? "others" : "its group");
	if (st.st_size > SG_USER_FILE_MAX)
		refuse(out, "refused: %lld bytes, above %d", (long long)st.st_size,
		       SG_USER_FILE_MAX);
	size_t cap = SG_USER_FILE_MAX + 1, len = 0;
	char *buf = malloc(cap);
	ssize_t n;
	if (buf == NULL)
		refuse(out, "out of memory");
	while (len < cap && (n = read(fd, buf + len, cap - len)) > 0)
		len += (size_t)n;
	if (len > SG_USER_FILE_MAX)
		refuse(out, "refused: above %d bytes", SG_USER_FILE_MAX);
	reply(out, 'D', buf, len);
}

static long long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Everything the child writes, up to the file's limit and a deadline. */
static int collect(int in, char *buf, size_t cap, size_t *len, struct sg_error *err)
{
	long long deadline = now_ms() + SG_USER_FILE_TIMEOUT_MS;
	*len = 0;
	for (;;) {
		long long left = deadline - now_ms();
		struct pollfd p = { .fd = in, .events = POLLIN };
		if (left <= 0 || poll(&p, 1, (int)left) == 0)
			return sg_fail(err, "reading it took over %d ms", SG_USER_FILE_TIMEOUT_MS);
		if (*len == cap)
			return sg_fail(err, "refused: above %d bytes", SG_USER_FILE_MAX);
		ssize_t n = read(in, buf + *len, cap - *len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return sg_fail_errno(err, "reading it");
		if (n == 0)
			return 0;
		*len += (size_t)n;
	}
}

int sg_user_file_read(const struct sg_user_id *who, const char *rel, char **text,
		      struct sg_error *err)
{
	int fds[2];
	*text = NULL;
	if (pipe2(fds, O_CLOEXEC) < 0)
		return sg_fail_errno(err, "pipe");
	pid_t pid = fork();
	if (pid < 0) {
		close(fds[0]);
		close(fds[1]);
		return sg_fail_errno(err, "fork");
	}
	if (pid == 0) {
		close(fds[0]);
		child(fds[1], who, rel);
	}
	close(fds[1]);
	size_t cap = SG_USER_FILE_MAX + 2, len = 0;
	char *buf = malloc(cap);
	int rc = buf == NULL ? sg_fail(err, "out of memory") : collect(fds[0], buf, cap, &len, err);
	close(fds[0]);
	kill(pid, SIGKILL); /* done or late: either way it has nothing more to say */
	while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
		;
	if (rc == 0 && len == 0)
		rc = sg_fail(err, "the reader (as %s) died without an answer", who->name);
	if (rc == 0 && buf[0] == 'N') {
		free(buf);
		return 0;
	}
	if (rc == 0 && buf[0] == 'E') {
		buf[len] = '\0';
		rc = sg_fail(err, "%s", buf + 1);
	}
	if (rc < 0) {
		free(buf);
		return -1;
	}
	memmove(buf, buf + 1, len - 1);
	buf[len - 1] = '\0';
	*text = buf;
	return 1;
}
