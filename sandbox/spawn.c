/* The cell's first process is created with clone(2) and all namespaces at
 * once, so it is pid 1 of its pid namespace from the start. The parent maps
 * the app's uid and gid into the new user namespace (only root in the
 * parent namespace may map a uid other than its own), attaches it to the
 * cell's cgroup when it has one (sandbox/cgroup.c), then lets the child go
 * on, so that everything it runs is already under the cell's limits. The child reports any failure as a message on a close-on-exec
 * pipe; a successful exec closes the pipe with nothing written. */
#include "sandbox/spawn.h"

#include "sandbox/creds.h"
#include "sandbox/rlimits.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <linux/close_range.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#define CHILD_STACK_SIZE (256 * 1024)

struct child_ctx {
	const struct sg_spawn *sp;
	int go_fd;     /* read end: one byte once the id maps are written */
	int report_fd; /* write end, O_CLOEXEC: failure text, or EOF on exec */
	bool as_root;
};

static void child_fail(const struct child_ctx *c, const char *step)
{
	char msg[256];
	int n = snprintf(msg, sizeof msg, "%s: %s", step, strerror(errno));
	if (n > 0) {
		ssize_t w = write(c->report_fd, msg, (size_t)n);
		(void)w;
	}
	_exit(127);
}

/* Puts sp->fds[i] at descriptor i. Every source, and the two descriptors
 * the child still needs (program, report pipe), are first moved above the
 * target range so that no dup2 clobbers them. Everything else is marked
 * close-on-exec, so the worker starts with exactly descriptors 0-7. */
static int child_place_fds(const struct sg_spawn *sp, int *exe_fd, int *report_fd)
{
	int tmp[SG_SPAWN_MAX_FDS];
	if ((*exe_fd = fcntl(*exe_fd, F_DUPFD_CLOEXEC, 64)) < 0 ||
	    (*report_fd = fcntl(*report_fd, F_DUPFD_CLOEXEC, 64)) < 0)
		return -1;
	for (int i = 0; i < SG_SPAWN_MAX_FDS; i++) {
		int src = sp->fds[i];
		if (src < 0 && i == 0)
			src = open("/dev/null", O_RDWR | O_CLOEXEC);
		tmp[i] = src < 0 ? -1 : fcntl(src, F_DUPFD_CLOEXEC, 64);
		if (src >= 0 && tmp[i] < 0)
			return -1;
	}
	for (int i = 0; i < SG_SPAWN_MAX_FDS; i++) {
		if (tmp[i] < 0)
			close(i);
		else if (dup2(tmp[i], i) < 0)
			return -1;
	}
	return (int)syscall(SYS_close_range, SG_SPAWN_MAX_FDS, ~0U, CLOSE_RANGE_CLOEXEC);
}

static int child_main(void *arg)
{
	struct child_ctx *c = arg;
	const struct sg_spawn *sp = c->sp;
	char go;

	if (read(c->go_fd, &go, 1) != 1)
		_exit(127); /* the parent gave up */
	close(c->go_fd);
	if (setsid() < 0)
		child_fail(c, "setsid");
	const char *step = sg_netns_enter(sp->network);
	if (step != NULL)
		child_fail(c, step);
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
		child_fail(c, "mount --make-rprivate /");
	if ((step = sg_creds_clear_groups(c->as_root)) != NULL ||
	    (step = sg_fs_enter(sp->fs, sp->uid, sp->gid)) != NULL)
		child_fail(c, step);
	if (sethostname(sp->hostname, strlen(sp->hostname)) < 0)
		child_fail(c, "sethostname");
	/* Every process of the cell inherits SCHED_BATCH: a woken worker does
	 * not preempt the task on its CPU (usually the front end that just
	 * handed it a request) but runs when that task sleeps or its slice
	 * ends. docs/performance.md, "The cell runs SCHED_BATCH". */
	struct sched_param no_priority = { 0 };
	if (sched_setscheduler(0, SCHED_BATCH, &no_priority) < 0)
		child_fail(c, "sched_setscheduler(SCHED_BATCH)");
	step = sg_rlimits_apply(&sp->rlimits);
	if (step == NULL)
		step = sg_creds_drop(sp->uid, sp->gid);
	if (step != NULL)
		child_fail(c, step);
	/* Set after the uid change, which clears it: the cell dies with us. */
	if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) < 0)
		child_fail(c, "prctl(PR_SET_PDEATHSIG)");
	struct sg_landlock ll = sp->landlock;
	ll.fs = sp->fs;
	ll.exe_fd = sp->exe_fd;
	if ((step = sg_landlock_apply(&ll)) != NULL)
		child_fail(c, step);
	sigset_t none;
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	int exe = sp->exe_fd;
	if (child_place_fds(sp, &exe, &c->report_fd) < 0)
		child_fail(c, "arrange descriptors");
	syscall(SYS_execveat, exe, "", sp->argv, sp->envp, AT_EMPTY_PATH);
	child_fail(c, "execveat worker");
	return 127;
}

static int write_file(pid_t pid, const char *name, const char *text, struct sg_error *err)
{
	char path[64];
	snprintf(path, sizeof path, "/proc/%d/%s", (int)pid, name);
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return sg_fail_errno(err, "open %s", path);
	ssize_t n = write(fd, text, strlen(text));
	int saved = errno;
	close(fd);
	errno = saved;
	if (n != (ssize_t)strlen(text))
		return sg_fail_errno(err, "write %s", path);
	return 0;
}

/* The app's ids map to themselves, so files keep their owners inside. */
static int write_id_maps(pid_t pid, uid_t uid, gid_t gid, bool as_root, struct sg_error *err)
{
	char map[64];
	if (!as_root && write_file(pid, "setgroups", "deny", err) < 0)
		return -1;
	snprintf(map, sizeof map, "%u %u 1\n", (unsigned)uid, (unsigned)uid);
	if (write_file(pid, "uid_map", map, err) < 0)
		return -1;
	snprintf(map, sizeof map, "%u %u 1\n", (unsigned)gid, (unsigned)gid);
	return write_file(pid, "gid_map", map, err);
}

/* Waits for the child's verdict: EOF means the exec happened. */
static int read_report(int fd, struct sg_error *err)
{
	char msg[256];
	ssize_t n;
	do
		n = read(fd, msg, sizeof msg - 1);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return sg_fail_errno(err, "reading the cell's start report");
	if (n == 0)
		return 0;
	msg[n] = '\0';
	return sg_fail(err, "%s", msg);
}

int sg_spawn_cell(const struct sg_spawn *sp, pid_t *pid, int *pidfd, struct sg_error *err)
{
	if (sp->uid == 0)
		return sg_fail(err, "refusing to start a cell as uid 0");
	int go[2], report[2];
	if (pipe2(go, O_CLOEXEC) < 0)
		return sg_fail_errno(err, "pipe");
	if (pipe2(report, O_CLOEXEC) < 0) {
		close(go[0]);
		close(go[1]);
		return sg_fail_errno(err, "pipe");
	}
	void *stack = mmap(NULL, CHILD_STACK_SIZE, PROT_READ | PROT_WRITE,
			   MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
	int rc = -1;
	*pidfd = -1;
	if (stack == MAP_FAILED) {
		sg_fail_errno(err, "mmap child stack");
		goto out;
	}
	struct child_ctx ctx = { .sp = sp, .go_fd = go[0], .report_fd = report[1],
				 .as_root = geteuid() == 0 };
	int flags = CLONE_NEWUSER | CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWIPC | CLONE_NEWUTS |
		    sg_netns_clone_flags(sp->network) | CLONE_PIDFD | SIGCHLD;
	pid_t child = clone(child_main, (char *)stack + CHILD_STACK_SIZE, flags, &ctx, pidfd);
	if (child < 0) {
		sg_fail_errno(err, "clone with new user/mount/pid/ipc/uts%s namespaces",
			       sp->network == SG_NET_HOST ? "" : "/net");
		goto out;
	}
	close(report[1]);
	report[1] = -1;
	close(go[0]);
	go[0] = -1;
	if (write_id_maps(child, sp->uid, sp->gid, ctx.as_root, err) < 0 ||
	    sg_cgroup_attach(sp->cgroup, child, err) < 0) {
		kill(child, SIGKILL);
		waitpid(child, NULL, 0);
		goto out;
	}
	if (write(go[1], "g", 1) != 1 || read_report(report[0], err) < 0) {
		waitpid(child, NULL, 0);
		goto out;
	}
	*pid = child;
	rc = 0;
out:
	if (rc < 0 && *pidfd >= 0) {
		close(*pidfd);
		*pidfd = -1;
	}
	for (int i = 0; i < 2; i++) {
		if (go[i] >= 0)
			close(go[i]);
		if (report[i] >= 0)
			close(report[i]);
	}
	if (stack != MAP_FAILED)
		munmap(stack, CHILD_STACK_SIZE);
	return rc;
}
