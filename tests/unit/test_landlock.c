/* Landlock (sandbox/landlock.c, landlock_fs.c) on the host, in forked
 * children: each child sets no_new_privs, applies a ruleset for a view
 * with one read-only and one writable directory, and tries what the rules
 * must refuse. Paths outside the view are denied (EACCES), read-only
 * places cannot be written, writable ones cannot run programs,
 * /proc/self/mem cannot be opened for writing (row 37), TCP bind follows
 * the port list, and a signal to a process outside the domain is refused
 * (scoping). The directories live in /var/tmp, which no rule names: not
 * in /tmp, which the rules open to every cell, nor next to this binary,
 * which may itself be under /tmp (a checkout there). */
#include "sandbox/landlock.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "unit.h"

static char base[PATH_MAX / 2]; /* ll-XXXXXX next to this binary: ro/ rw/ out/ */
static int abi;

static void path_of(char *buf, const char *rel)
{
	snprintf(buf, PATH_MAX, "%s/%s", base, rel);
}

static void write_file(const char *rel, const char *text, mode_t mode)
{
	char p[PATH_MAX];
	path_of(p, rel);
	int fd = open(p, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
	if (fd >= 0) {
		ssize_t w = write(fd, text, strlen(text));
		(void)w;
		close(fd);
	}
}

static int setup(void)
{
	snprintf(base, sizeof base, "/var/tmp/sg-ll-XXXXXX");
	if (mkdtemp(base) == NULL)
		return -1;
	char p[PATH_MAX];
	const char *dirs[] = { "ro", "rw", "out", "cgi" };
	for (int i = 0; i < 4; i++) {
		path_of(p, dirs[i]);
		if (mkdir(p, 0755) < 0)
			return -1;
	}
	write_file("ro/f", "ro", 0644);
	write_file("out/f", "out", 0644);
	write_file("rw/prog", "#!/bin/sh\nexit 0\n", 0755);
	write_file("ro/prog", "#!/bin/sh\nexit 0\n", 0755);
	write_file("cgi/prog", "#!/bin/sh\nexit 7\n", 0755);
	return 0;
}

static void cleanup(void)
{
	char cmd[PATH_MAX + 16];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", base);
	int rc = system(cmd);
	(void)rc;
}

/* A view with base/ro read-only and base/rw writable. */
static struct sg_fs_view view;

static void make_view(void)
{
	memset(&view, 0, sizeof view);
	view.n_binds = 2;
	path_of(view.binds[0].path, "ro");
	path_of(view.binds[1].path, "rw");
	view.binds[0].fd = view.binds[1].fd = -1;
	view.binds[1].writable = true;
}

/* Runs fn in a child under the ruleset ll; the child's CHECKs count. */
static void in_child(const struct sg_landlock *ll, void (*fn)(void))
{
	fflush(stdout);
	pid_t pid = fork();
	if (pid == 0) {
		const char *step = NULL;
		if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
			step = "prctl(PR_SET_NO_NEW_PRIVS)";
		if (step == NULL)
			step = sg_landlock_apply(ll);
		if (step != NULL) {
			printf("  FAIL %s: %s: %s\n", unit_current, step, strerror(errno));
			unit_current_failed = 1;
		} else {
			fn();
		}
		fflush(stdout);
		_exit(unit_current_failed ? 1 : 0);
	}
	int st = 0;
	CHECK(pid > 0 && waitpid(pid, &st, 0) == pid);
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
}

/* errno of open(base/rel, flags), 0 when it opened. */
static int open_errno(const char *rel, int flags)
{
	char p[PATH_MAX];
	if (rel[0] == '/')
		snprintf(p, sizeof p, "%s", rel);
	else
		path_of(p, rel);
	int fd = open(p, flags | O_CLOEXEC, 0644);
	if (fd < 0)
		return errno;
	close(fd);
	return 0;
}

static void fs_checks(void)
{
	CHECK(open_errno("ro/f", O_RDONLY) == 0);
	CHECK(open_errno("ro/f", O_WRONLY) == EACCES);
	CHECK(open_errno("ro/new", O_WRONLY | O_CREAT) == EACCES);
	CHECK(open_errno("rw/new", O_WRONLY | O_CREAT) == 0);
	CHECK(open_errno("rw/new", O_WRONLY | O_TRUNC) == 0);
	/* Outside every rule: neither read nor write. */
	CHECK(open_errno("out/f", O_RDONLY) == EACCES);
	CHECK(open_errno("out/f", O_WRONLY) == EACCES);
	CHECK(open_errno("/etc/passwd", O_RDONLY) == 0);
	CHECK(open_errno("/etc/passwd", O_WRONLY) == EACCES);
	CHECK(open_errno("/usr/bin/true", O_RDONLY) == 0);
	CHECK(open_errno("/dev/null", O_WRONLY | O_TRUNC) == 0);
	CHECK(open_errno("/proc/self/status", O_RDONLY) == 0);
	/* Row 37: Dirty COW wrote through /proc/self/mem. */
	CHECK(open_errno("/proc/self/mem", O_RDWR) == EACCES);
	/* A program in a writable place does not run. */
	char prog[PATH_MAX];
	path_of(prog, "rw/prog");
	execl(prog, "prog", (char *)NULL);
	CHECK(errno == EACCES);
}

static void test_fs_rules(void)
{
	if (abi == 0) {
		printf("  (no Landlock in this kernel: skipped)\n");
		return;
	}
	make_view();
	struct sg_landlock ll = { .fs = &view, .exe_fd = -1, .n_bind_ports = -1,
				  .n_connect_ports = -1 };
	in_child(&ll, fs_checks);
}

static uint16_t port_a, port_b;

static uint16_t free_port(void)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof sa;
	int s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (s < 0 || bind(s, (struct sockaddr *)&sa, sizeof sa) < 0 ||
	    getsockname(s, (struct sockaddr *)&sa, &len) < 0)
		sa.sin_port = 0;
	if (s >= 0)
		close(s);
	return ntohs(sa.sin_port);
}

static int bind_errno(uint16_t port)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(port),
				  .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	int s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	int rc = s < 0 ? -1 : bind(s, (struct sockaddr *)&sa, sizeof sa);
	int e = rc < 0 ? errno : 0;
	if (s >= 0)
		close(s);
	return e;
}

static void port_checks(void)
{
	CHECK(bind_errno(port_a) == 0);
	CHECK(bind_errno(port_b) == EACCES);
}

/* The exit status of base/rel run in a grandchild, or 128 + errno when
 * execve failed. */
static int run_status(const char *rel)
{
	char prog[PATH_MAX];
	path_of(prog, rel);
	pid_t pid = fork();
	if (pid == 0) {
		execl(prog, "prog", (char *)NULL);
		_exit(128 + errno);
	}
	int st = 0;
	if (pid < 0 || waitpid(pid, &st, 0) != pid || !WIFEXITED(st))
		return -1;
	return WEXITSTATUS(st);
}

static void exec_checks(void)
{
	CHECK(run_status("cgi/prog") == 7);
	CHECK(run_status("ro/prog") == 128 + EACCES);
	CHECK(run_status("rw/prog") == 128 + EACCES);
}

/* A CGI root (exec) is the one read-only place whose programs run. */
static void test_exec_bind(void)
{
	if (abi == 0) {
		printf("  (no Landlock in this kernel: skipped)\n");
		return;
	}
	make_view();
	view.n_binds = 3;
	path_of(view.binds[2].path, "cgi");
	view.binds[2].fd = -1;
	view.binds[2].exec = true;
	struct sg_landlock ll = { .fs = &view, .exe_fd = -1, .n_bind_ports = -1,
				  .n_connect_ports = -1 };
	in_child(&ll, exec_checks);
}

static void test_port_rules(void)
{
	if (abi < 4) {
		printf("  (Landlock ABI %d has no TCP rules: skipped)\n", abi);
		return;
	}
	port_a = free_port();
	port_b = free_port();
	CHECK(port_a != 0 && port_b != 0 && port_a != port_b);
	uint16_t allowed[1] = { port_a };
	struct sg_landlock ll = { .fs = NULL, .exe_fd = -1, .n_bind_ports = 1,
				  .bind_ports = allowed, .n_connect_ports = -1 };
	in_child(&ll, port_checks);
}

static pid_t outsider;

static void signal_checks(void)
{
	CHECK(kill(outsider, 0) < 0 && errno == EPERM);
	CHECK(kill(getpid(), 0) == 0);
}

static void test_signal_scope(void)
{
	if (abi < 6) {
		printf("  (Landlock ABI %d has no scopes: skipped)\n", abi);
		return;
	}
	outsider = getpid(); /* the parent, outside the child's domain */
	struct sg_landlock ll = { .fs = NULL, .exe_fd = -1, .n_bind_ports = -1,
				  .n_connect_ports = -1 };
	in_child(&ll, signal_checks);
}

int main(void)
{
	abi = sg_landlock_abi();
	printf("# Landlock ABI %d\n", abi);
	if (setup() < 0) {
		printf("setup %s: %s\n", base, strerror(errno));
		return 1;
	}
	RUN(test_fs_rules);
	RUN(test_exec_bind);
	RUN(test_port_rules);
	RUN(test_signal_scope);
	cleanup();
	UNIT_END();
}
