/* Killing what a CGI script leaves behind. The script runs in a process
 * group of its own, but a child may leave it (setsid, setpgid) or outlive
 * it. The worker is a child subreaper, so every orphan of the script
 * becomes the worker's child: after killpg, what the kernel lists in
 * /proc/self/task/TID/children (the worker is single-threaded) is killed
 * and reaped, round after round, until nothing is left. Each round reaps
 * the killed processes, so their own children have been reparented to the
 * worker before the next round reads the list. The cell's pids limit
 * bounds a script that forks while it is being killed. */
#include "gateway/worker/cgi_serve.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "gateway/log.h"

#define MAX_LISTED 512
#define MAX_ROUNDS 10000

int sg_cgi_reap_setup(struct sg_error *err)
{
	/* EPERM here is the seccomp policy: CGI apps need cgi-exec. */
	if (prctl(PR_SET_CHILD_SUBREAPER, 1) < 0)
		return sg_fail_errno(err, "prctl(PR_SET_CHILD_SUBREAPER) (the cgi-exec policy allows "
					  "it)");
	return 0;
}

/* This process's children, from /proc. Returns how many, or -1. */
static int list_children(pid_t *out, int max)
{
	char path[64], buf[MAX_LISTED * 8];
	snprintf(path, sizeof path, "/proc/self/task/%d/children", (int)getpid());
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	size_t len = 0;
	ssize_t n;
	while (len < sizeof buf - 1 && (n = read(fd, buf + len, sizeof buf - 1 - len)) > 0)
		len += (size_t)n;
	close(fd);
	buf[len] = '\0';
	int count = 0;
	for (char *p = buf, *end; count < max; p = end) {
		long pid = strtol(p, &end, 10);
		if (end == p)
			break;
		if (pid > 0)
			out[count++] = (pid_t)pid;
	}
	return count;
}

int sg_cgi_children_check(struct sg_error *err)
{
	pid_t kids[MAX_LISTED];
	if (list_children(kids, MAX_LISTED) < 0)
		return sg_fail_errno(err, "cannot read /proc/self/task/%d/children (a kernel "
				     "without CONFIG_PROC_CHILDREN?): what a CGI script leaves "
				     "running could not be found and killed", (int)getpid());
	return 0;
}

void sg_cgi_kill_all(pid_t pgid, pid_t keep)
{
	if (pgid > 0)
		kill(-pgid, SIGKILL);
	pid_t kids[MAX_LISTED];
	for (int round = 0; round < MAX_ROUNDS; round++) {
		int n = list_children(kids, MAX_LISTED);
		if (n < 0) {
			sg_warn("cgi: cannot read /proc/self/task/%d/children (%m): only the "
				"script's process group was killed", (int)getpid());
			return;
		}
		int others = 0;
		for (int i = 0; i < n; i++) {
			if (kids[i] == keep)
				continue;
			others++;
			kill(kids[i], SIGKILL);
		}
		if (others == 0)
			return;
		for (int i = 0; i < n; i++)
			while (kids[i] != keep && waitpid(kids[i], NULL, __WALL) < 0 && errno == EINTR)
				;
	}
	sg_warn("cgi: processes still appearing after %d rounds of killing", MAX_ROUNDS);
}

/* A script may kill its own worker (same uid, same pid namespace): the
 * subreaper is then gone, and the script and what it started become the
 * zygote's children. In a CGI cell the zygote has no other children than
 * its workers, so every other child is such a stray. They are not waited
 * for here: each death brings the zygote a SIGCHLD, the reap, and this
 * call again for the children the dead one left. */
void sg_cgi_kill_strays(const pid_t *workers, int n)
{
	pid_t kids[MAX_LISTED];
	int count = list_children(kids, MAX_LISTED);
	if (count < 0) {
		sg_warn("cgi: cannot read /proc/self/task/%d/children (%m): processes a "
			"killed worker left are not killed", (int)getpid());
		return;
	}
	int killed = 0;
	for (int i = 0; i < count; i++) {
		bool worker = false;
		for (int j = 0; j < n && !worker; j++)
			worker = kids[i] == workers[j];
		if (!worker && kill(kids[i], SIGKILL) == 0)
			killed++;
	}
	/* One line a round, however many a script had started. */
	if (killed > 0)
		sg_info("cgi: killed %d process%s left by a worker that died", killed,
			killed == 1 ? "" : "es");
}
