/* Cell lifecycle in the gateway: start a zygote in new namespaces, follow
 * its control messages, time out stuck workers, drain it on reload or
 * stop, and restart it with a backoff when it dies. */
#include "cell.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cell_fs.h"
#include "log.h"
#include "sandbox/cgroup.h"
#include "sandbox/policy_dir.h"
#include "sandbox/seccomp_build.h"
#include "sandbox/spawn.h"

#define STARTUP_TIMEOUT_MS 60000
#define BACKOFF_MAX_MS 60000
#define MAX_ARGS 64
#define MSGS_PER_WAKEUP 64

static void cell_ctl_readable(struct sg_watch *w, uint32_t events);
static void cell_exited(struct sg_watch *w, uint32_t events);

bool sg_cell_accepting(const struct sg_cell *c)
{
	return c != NULL && (c->state == SG_CELL_STARTING || c->state == SG_CELL_READY);
}

static struct sg_scoreboard *scoreboard_create(uint32_t nslots, int *fd_out, size_t *size,
					      struct sg_error *err)
{
	*size = (size_t)sg_scoreboard_size(nslots);
	int fd = memfd_create("sandgate-scoreboard", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (fd < 0)
		return sg_fail_errno(err, "memfd_create"), NULL;
	/* App code in the cell can reach this descriptor: sealed, it cannot
	 * shrink the file under the gateway's mapping (SIGBUS in the gateway). */
	if (ftruncate(fd, (off_t)*size) < 0 ||
	    fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL) < 0) {
		sg_fail_errno(err, "sizing and sealing the scoreboard");
		close(fd);
		return NULL;
	}
	struct sg_scoreboard *sb = mmap(NULL, *size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (sb == MAP_FAILED) {
		sg_fail_errno(err, "mmap scoreboard");
		close(fd);
		return NULL;
	}
	sb->magic = SG_SCOREBOARD_MAGIC;
	sb->nslots = nslots;
	*fd_out = fd;
	return sb;
}

/* argv for sandgate-worker; strings live in buf. */
struct worker_args {
	char *argv[MAX_ARGS];
	int argc;
	char nums[5][24];
};

static void push(struct worker_args *a, const char *s)
{
	if (a->argc < MAX_ARGS - 1)
		a->argv[a->argc++] = (char *)s;
	a->argv[a->argc] = NULL;
}

static void build_worker_args(const struct sg_app *app, const char *level, bool seccomp,
			      bool seccomp_log, struct worker_args *a)
{
	const struct sg_app_conf *c = &app->conf;
	a->argc = 0;
	push(a, "sandgate-worker");
	push(a, "--name"), push(a, c->name);
	/* A CGI app runs scripts, not a module (gateway/worker: --cgi). */
	if (c->kind == SG_APP_CGI)
		push(a, "--cgi");
	else
		push(a, "--app"), push(a, c->module);
	if (c->chdir[0])
		push(a, "--chdir"), push(a, c->chdir);
	for (int i = 0; i < c->n_pythonpath; i++)
		push(a, "--pythonpath"), push(a, c->pythonpath[i]);
	if (c->venv[0])
		push(a, "--venv"), push(a, c->venv);
	if (c->prefix[0])
		push(a, "--prefix"), push(a, c->prefix);
	snprintf(a->nums[0], sizeof a->nums[0], "%d", c->processes);
	push(a, "--processes"), push(a, a->nums[0]);
	/* A ceiling (user_limits) may have lowered processes below min_workers:
	 * then the count is simply fixed. */
	if (c->min_workers > 0 && c->min_workers < c->processes) {
		snprintf(a->nums[4], sizeof a->nums[4], "%d", c->min_workers);
		push(a, "--min-workers"), push(a, a->nums[4]);
	}
	snprintf(a->nums[1], sizeof a->nums[1], "%d", c->max_requests);
	push(a, "--max-requests"), push(a, a->nums[1]);
	snprintf(a->nums[2], sizeof a->nums[2], "%d", c->timeout);
	push(a, "--timeout"), push(a, a->nums[2]);
	snprintf(a->nums[3], sizeof a->nums[3], "%lld", c->max_body);
	push(a, "--max-body"), push(a, a->nums[3]);
	if (app->sock_fd >= 0)
		push(a, "--listen-fd");
	if (app->access_fd >= 0)
		push(a, "--access-log");
	if (seccomp)
		push(a, "--seccomp");
	if (seccomp && seccomp_log)
		push(a, "--seccomp-log");
	push(a, "--log-level"), push(a, level);
}

/* The worker gets an empty environment; sanitizer settings are the one
 * exception, so that a sanitizer build of the suite stays quiet. */
static void build_worker_env(char **envp, int cap)
{
	static const char *const keep[] = { "ASAN_OPTIONS", "UBSAN_OPTIONS", "LSAN_OPTIONS" };
	static char storage[3][512];
	int n = 0;
	for (size_t i = 0; i < sizeof keep / sizeof keep[0] && n < cap - 1; i++) {
		const char *v = getenv(keep[i]);
		if (v != NULL) {
			snprintf(storage[i], sizeof storage[i], "%s=%s", keep[i], v);
			envp[n++] = storage[i];
		}
	}
	envp[n] = NULL;
}

static const char *level_name(int level)
{
	static const char *const names[] = { "debug", "info", "warn", "error" };
	return level >= 0 && level <= 3 ? names[level] : "info";
}

static int cell_watch(struct sg_cell *c, struct sg_watch *w, int fd, sg_watch_fn fn,
		      struct sg_error *err)
{
	w->fd = fd;
	w->fn = fn;
	return sg_loop_add(&c->gw->loop, w, EPOLLIN, err);
}

static void cell_free(struct sg_cell *c)
{
	struct sg_loop *l = &c->gw->loop;
	struct sg_watch *ws[] = { &c->pidw, &c->ctlw, &c->dispw };
	for (int i = 0; i < 3; i++) {
		if (ws[i]->fd >= 0) {
			sg_loop_del(l, ws[i]);
			close(ws[i]->fd);
			ws[i]->fd = -1;
		}
	}
	if (c->sb != NULL)
		munmap(c->sb, c->sb_size);
	c->sb = NULL;
	sg_loop_defer_free(l, c->timeout_sent);
	sg_loop_defer_free(l, c->pending);
	sg_loop_defer_free(l, c);
}

/* The seccomp layer: policies/NAME.policy (the app's `policy`, "wsgi" by
 * default) compiled afresh for every cell (a policy edited on disk applies
 * from the next start or reload). With seccomp_log the filter's default is
 * SIGSYS, which the worker logs and answers with EPERM. Fail closed: a
 * policy that does not exist, read, parse or compile stops the cell.
 * seccomp = false (for `make bench` only) skips all this, loudly. */
static int compile_policy(const struct sg_app *app, int *fd, struct sg_error *err)
{
	const struct sg_app_conf *conf = &app->conf;
	char dir[PATH_MAX], name[SG_NAME_MAX + 8];
	size_t insns;
	*fd = -1;
	if (!conf->seccomp) {
		sg_warn("app %s: seccomp is off (seccomp = false): the cell has no syscall filter",
			conf->name);
		return 0;
	}
	snprintf(name, sizeof name, "%s.policy", conf->policy);
	if (sg_policy_dir(dir, sizeof dir, err) < 0)
		return -1;
	if (!sg_policy_exists(dir, name)) {
		char where[PATH_MAX + 16];
		snprintf(where, sizeof where, conf->line > 0 ? "%s:%d" : "%s", app->gw->cfg.source,
			 conf->line);
		return sg_fail(err, "seccomp: app %s: policy \"%s\" (%s): there is no %s/%s",
			       conf->name, conf->policy, where, dir, name);
	}
	if (sg_seccomp_compile_as(dir, name, conf->seccomp_log ? SG_SECCOMP_TRAP : SG_SECCOMP_EPERM,
				  fd, &insns, err) < 0)
		return -1;
	sg_debug("app %s: %s/%s compiled to %zu BPF instructions%s", conf->name, dir, name, insns,
		 conf->seccomp_log ? " (seccomp_log: denials trap and are logged)" : "");
	return 0;
}

/* The resources layer: the app's limits in a cgroup of the cell's own,
 * made before the zygote exists; sg_spawn_cell attaches the zygote to it
 * before it runs. Fail closed: a limit that cannot be set stops the cell. */
static int cell_cgroup_create(struct sg_cell *c, struct sg_error *err)
{
	const struct sg_app_conf *conf = &c->app->conf;
	struct sg_cgroup_limits lim = {
		.memory = conf->memory > 0 ? conf->memory : 0,
		.pids = conf->pids > 0 ? conf->pids : 0,
		.cpu_us = conf->cpu_us > 0 ? conf->cpu_us : 0,
	};
	if (sg_cgroup_create(conf->name, &lim, &c->cgroup, err) < 0)
		return -1;
	if (c->cgroup != NULL)
		sg_debug("app %s: cgroup %s", conf->name, sg_cgroup_path(c->cgroup));
	return 0;
}

/* Only once the zygote has been reaped: as pid 1 of the cell's pid
 * namespace it took every other process of the cell with it. */
static void cell_cgroup_remove(struct sg_cell *c)
{
	struct sg_error err;
	if (c->cgroup != NULL && sg_cgroup_remove(c->cgroup, &err) < 0)
		sg_warn("app %s: %s", c->app->conf.name, err.msg);
	c->cgroup = NULL;
}

/* What the view bound (cell_fs.c checked each root just now): only to
 * notice a root that changes later, never to decide access. */
static void note_cgi_roots(struct sg_cell *c)
{
	const struct sg_app_conf *conf = &c->app->conf;
	for (int i = 0; conf->kind == SG_APP_CGI && i < conf->n_cgi_roots; i++) {
		struct stat st;
		if (lstat(conf->cgi_roots[i], &st) == 0 && S_ISDIR(st.st_mode)) {
			c->root_dev[i] = st.st_dev;
			c->root_ino[i] = st.st_ino;
		}
	}
}

static int cell_spawn(struct sg_cell *c, int sb_fd, int ctl_child, int disp_child,
		      struct sg_error *err)
{
	struct sg_app *app = c->app;
	struct worker_args args;
	char *envp[4];
	int seccomp_fd = -1;
	if (cell_cgroup_create(c, err) < 0 || compile_policy(app, &seccomp_fd, err) < 0)
		return -1;
	/* The filesystem layer: the app's paths, resolved now (fail closed). */
	struct sg_fs_view *view = sg_cell_fs_build(&app->conf, err);
	if (view == NULL) {
		if (seccomp_fd >= 0)
			close(seccomp_fd);
		return -1;
	}
	build_worker_args(app, level_name(c->gw->cfg.log_level), seccomp_fd >= 0,
			  app->conf.seccomp_log, &args);
	build_worker_env(envp, 4);
	int log_fd = app->log_fd; /* the relay pipe (app_logs.c): never our own stderr */
	struct sg_spawn sp = {
		.uid = app->conf.uid, .gid = app->conf.gid, .hostname = app->conf.name,
		.exe_fd = c->gw->worker_exe, .argv = args.argv, .envp = envp,
		.fds = { -1, log_fd, log_fd, ctl_child, disp_child, sb_fd, app->sock_fd,
			 app->access_fd, seccomp_fd },
		.cgroup = c->cgroup,
		.network = app->conf.network,
		.fs = view,
		.landlock = { .n_bind_ports = app->conf.n_bind_ports,
			      .bind_ports = app->conf.bind_ports,
			      .n_connect_ports = app->conf.n_connect_ports,
			      .connect_ports = app->conf.connect_ports },
		.rlimits = { .fsize = app->conf.rlimit_fsize, .as = app->conf.rlimit_as,
			     .cpu = app->conf.rlimit_cpu },
	};
	int pidfd;
	int rc = sg_spawn_cell(&sp, &c->pid, &pidfd, err);
	sg_cell_fs_free(view);
	if (seccomp_fd >= 0)
		close(seccomp_fd);
	if (rc < 0)
		return -1;
	return cell_watch(c, &c->pidw, pidfd, cell_exited, err);
}

static struct sg_cell *cell_new(struct sg_app *app, struct sg_error *err)
{
	struct sg_cell *c = calloc(1, sizeof *c);
	if (c == NULL)
		return sg_fail(err, "out of memory"), NULL;
	c->app = app;
	c->gw = app->gw;
	c->pidw.fd = c->ctlw.fd = c->dispw.fd = -1;
	c->cap_pending = app->conf.processes + app->conf.queue;
	c->pending = calloc((size_t)c->cap_pending, sizeof *c->pending);
	c->timeout_sent = calloc((size_t)app->conf.processes, sizeof *c->timeout_sent);
	if (c->pending == NULL || c->timeout_sent == NULL) {
		free(c->pending);
		free(c->timeout_sent);
		free(c);
		return sg_fail(err, "out of memory"), NULL;
	}
	return c;
}

int sg_cell_start(struct sg_app *app, struct sg_error *err)
{
	struct sg_cell *c = cell_new(app, err);
	if (c == NULL)
		return -1;
	int ctl[2] = { -1, -1 }, disp[2] = { -1, -1 }, sb_fd = -1;
	int rc = -1;
	c->nslots = (uint32_t)app->conf.processes;
	c->sb = scoreboard_create(c->nslots, &sb_fd, &c->sb_size, err);
	if (c->sb == NULL)
		goto out;
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, ctl) < 0 ||
	    socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, disp) < 0) {
		sg_fail_errno(err, "socketpair");
		goto out;
	}
	if (cell_spawn(c, sb_fd, ctl[1], disp[1], err) < 0)
		goto out;
	fcntl(disp[0], F_SETFL, O_NONBLOCK);
	if (cell_watch(c, &c->ctlw, ctl[0], cell_ctl_readable, err) < 0)
		goto out;
	ctl[0] = -1;
	if (cell_watch(c, &c->dispw, disp[0], sg_dispatch_readable, err) < 0)
		goto out;
	disp[0] = -1;
	c->state = SG_CELL_STARTING;
	c->started_ms = sg_now_ms();
	note_cgi_roots(c);
	c->next_live = app->gw->cells;
	app->gw->cells = c;
	if (app->cell == NULL)
		app->cell = c;
	else
		app->next = c;
	sg_info("app %s: cell starting (zygote pid %d, %d workers, uid %u)", app->conf.name,
		(int)c->pid, app->conf.processes, (unsigned)app->conf.uid);
	rc = 0;
out:
	for (int i = 0; i < 2; i++) {
		if (ctl[i] >= 0)
			close(ctl[i]);
		if (disp[i] >= 0)
			close(disp[i]);
	}
	if (sb_fd >= 0)
		close(sb_fd);
	if (rc < 0) {
		if (c->pid > 0 && c->pidw.fd >= 0)
			syscall(SYS_pidfd_send_signal, c->pidw.fd, SIGKILL, NULL, 0);
		if (c->pidw.fd >= 0)
			waitid(P_PIDFD, (id_t)c->pidw.fd, &(siginfo_t){ 0 }, WEXITED);
		cell_cgroup_remove(c);
		cell_free(c);
	}
	return rc;
}

static void cell_send_ctl(struct sg_cell *c, uint32_t type, int32_t slot, int32_t pid)
{
	struct sg_ctl_msg m = { .type = type, .slot = slot, .pid = pid };
	if (c->ctlw.fd >= 0 && send(c->ctlw.fd, &m, sizeof m, MSG_DONTWAIT | MSG_NOSIGNAL) < 0)
		sg_warn("app %s: control message to zygote %d: %s", c->app->conf.name, (int)c->pid,
			strerror(errno));
}

void sg_cell_drain(struct sg_cell *c)
{
	if (c->state == SG_CELL_DRAINING)
		return;
	c->state = SG_CELL_DRAINING;
	c->drain_deadline_ms = sg_now_ms() + (uint64_t)c->gw->cfg.graceful_timeout * 1000;
	if (c->app->cell == c)
		c->app->cell = NULL;
	if (c->app->next == c)
		c->app->next = NULL;
	cell_send_ctl(c, SG_CTL_DRAIN, -1, 0);
	sg_info("app %s: draining cell (zygote pid %d)", c->app->conf.name, (int)c->pid);
}

void sg_cell_kill(struct sg_cell *c)
{
	if (c->pidw.fd >= 0)
		syscall(SYS_pidfd_send_signal, c->pidw.fd, SIGKILL, NULL, 0);
}

static void cell_ready(struct sg_cell *c)
{
	struct sg_app *app = c->app;
	c->state = SG_CELL_READY;
	app->failures = 0;
	if (app->next == c) {
		struct sg_cell *old = app->cell;
		app->cell = c;
		app->next = NULL;
		if (old != NULL)
			sg_cell_drain(old);
	}
	sg_info("app %s ready (zygote pid %d)", app->conf.name, (int)c->pid);
}

static void worker_exited(struct sg_cell *c, const struct sg_ctl_msg *m)
{
	int st = m->status;
	if (WIFSIGNALED(st))
		sg_warn("app %s: worker %d killed by signal %d%s", c->app->conf.name, m->pid,
			WTERMSIG(st), m->request_id || !m->response_started ? " mid-request" : "");
	else if (WIFEXITED(st) && WEXITSTATUS(st) != 0)
		sg_warn("app %s: worker %d exited with status %d", c->app->conf.name, m->pid,
			WEXITSTATUS(st));
	if (m->request_id != 0)
		sg_pending_finish(c, m->request_id, m->response_started ? 0 : 502);
}

static void cell_ctl_readable(struct sg_watch *w, uint32_t events)
{
	struct sg_cell *c = sg_container_of(w, struct sg_cell, ctlw);
	struct sg_ctl_msg m;
	size_t n;
	(void)events;
	/* At EOF the zygote is going; its pidfd reports the exit. A bounded
	 * number per wakeup, so one cell cannot hold the loop. */
	for (int i = 0; i < MSGS_PER_WAKEUP && (n = sg_watch_recv_msg(&c->gw->loop, w, &m, sizeof m)) > 0;
	     i++) {
		if (n != sizeof m)
			continue;
		if (m.type == SG_CTL_READY && c->state == SG_CELL_STARTING) {
			cell_ready(c);
		} else if (m.type == SG_CTL_IMPORT_FAILED) {
			c->import_failed = true;
			sg_app_error(c->app, "the app failed to import; its traceback is in the "
					     "app log");
		} else if (m.type == SG_CTL_WORKER_EXIT) {
			worker_exited(c, &m);
		}
	}
}

static uint64_t backoff_ms(int failures)
{
	int shift = failures > 6 ? 6 : failures;
	uint64_t ms = 1000ull << shift;
	return ms > BACKOFF_MAX_MS ? BACKOFF_MAX_MS : ms;
}

bool sg_app_failed(const struct sg_app *app)
{
	int max = app->conf.max_start_failures;
	return max > 0 && app->failures >= max;
}

/* Crash loops: one more failed start (why: its reason) means a retry
 * after the backoff, or, the max_start_failures-th in a row, the failed
 * state: no retry until a reload (SIGHUP, `sandgate reload`, the entry
 * file touched) sets failures back to 0. Requests get 503 meanwhile. */
static void start_failed(struct sg_app *app, uint64_t now, const char *why)
{
	app->failures++;
	snprintf(app->start_error, sizeof app->start_error, "%s", why);
	if (sg_app_failed(app)) {
		app->retry_at_ms = 0;
		sg_app_error(app, "failed: %d failed start%s in a row (max_start_failures = "
				  "%d); no more retries until a reload, requests get 503; last "
				  "error: %s", app->failures, app->failures == 1 ? "" : "s",
			     app->conf.max_start_failures, why);
		return;
	}
	uint64_t delay = backoff_ms(app->failures - 1);
	app->retry_at_ms = now + delay;
	app->history.restarts++;
	sg_warn("app %s: restarting its cell in %llu ms (attempt %d)", app->conf.name,
		(unsigned long long)delay, app->failures + 1);
}

static void cell_unlink(struct sg_cell *c)
{
	for (struct sg_cell **p = &c->gw->cells; *p != NULL; p = &(*p)->next_live) {
		if (*p == c) {
			*p = c->next_live;
			break;
		}
	}
}

static void cell_exited(struct sg_watch *w, uint32_t events)
{
	struct sg_cell *c = sg_container_of(w, struct sg_cell, pidw);
	struct sg_app *app = c->app;
	siginfo_t si = { 0 };
	(void)events;
	if (w->fd < 0 || waitid(P_PIDFD, (id_t)w->fd, &si, WEXITED | WNOHANG) < 0 || si.si_pid == 0)
		return;
	bool was_serving = app->cell == c || app->next == c;
	bool never_ready = c->state == SG_CELL_STARTING;
	char why[128];
	if (c->import_failed)
		snprintf(why, sizeof why, "the app failed to import (traceback in the app log)");
	else
		snprintf(why, sizeof why, "zygote %s %d%s",
			 si.si_code == CLD_EXITED ? "exited with status" : "killed by signal",
			 si.si_status, never_ready ? " before it was ready" : "");
	sg_pending_fail_all(c, never_ready ? 503 : 502);
	if (c->state != SG_CELL_DRAINING || si.si_code != CLD_EXITED || si.si_status != 0)
		sg_warn("app %s: zygote %d %s %d", app->conf.name, (int)c->pid,
			si.si_code == CLD_EXITED ? "exited with status" : "killed by signal",
			si.si_status);
	if (app->cell == c)
		app->cell = NULL;
	if (app->next == c)
		app->next = NULL;
	cell_unlink(c);
	cell_cgroup_remove(c);
	cell_free(c);
	if (was_serving && app->cell != NULL) {
		/* A reload's new cell that died: the previous one keeps serving. */
		snprintf(app->start_error, sizeof app->start_error, "%s", why);
		sg_app_error(app, "the new cell did not start (%s); the previous one keeps "
				  "serving", why);
	} else if (was_serving && !app->gw->stopping && !app->removed) {
		start_failed(app, sg_now_ms(), why);
	}
}

void sg_app_ensure_cell(struct sg_app *app, uint64_t now)
{
	if (app->cell != NULL || app->next != NULL || app->removed || app->gw->stopping ||
	    sg_app_failed(app) || app->idle)
		return;
	if (app->retry_at_ms != 0 && now < app->retry_at_ms)
		return;
	app->retry_at_ms = 0;
	struct sg_error err;
	if (sg_cell_start(app, &err) < 0) {
		sg_app_error(app, "cannot start its cell: %s", err.msg);
		start_failed(app, now, err.msg);
	}
}

/* Workers past their request timeout are reported to the zygote once. */
static void cell_check_timeouts(struct sg_cell *c, uint64_t now)
{
	uint64_t limit = (uint64_t)c->app->conf.timeout * 1000;
	for (uint32_t i = 0; i < c->nslots; i++) {
		struct sg_slot *s = &c->sb->slot[i];
		uint64_t started = atomic_load(&s->started_ms);
		int32_t pid = atomic_load(&s->pid);
		if (atomic_load(&s->state) != SG_SLOT_BUSY || started == 0 || now < started ||
		    now - started <= limit || c->timeout_sent[i] == pid)
			continue;
		c->timeout_sent[i] = pid;
		sg_warn("app %s: worker %d over its %d s timeout on \"%.*s\"; stopping it",
			c->app->conf.name, (int)pid, c->app->conf.timeout, SG_SLOT_REQUEST_LEN,
			s->request);
		cell_send_ctl(c, SG_CTL_TIMEOUT, (int32_t)i, pid);
	}
}

void sg_cells_tick(struct sg_gateway *gw, uint64_t now)
{
	for (struct sg_cell *c = gw->cells; c != NULL; c = c->next_live) {
		if (c->state == SG_CELL_STARTING && now - c->started_ms > STARTUP_TIMEOUT_MS) {
			sg_app_error(c->app, "cell not ready after %d s; killing it",
				 STARTUP_TIMEOUT_MS / 1000);
			sg_cell_kill(c);
		} else if (c->state == SG_CELL_DRAINING && now > c->drain_deadline_ms) {
			sg_warn("app %s: cell %d still draining after the graceful timeout; killing it",
				c->app->conf.name, (int)c->pid);
			sg_cell_kill(c);
		}
		cell_check_timeouts(c, now);
		sg_pending_expire(c, now);
	}
	for (int i = 0; i < gw->n_apps; i++) {
		sg_app_watch_tick(gw->apps[i], now);
		sg_app_idle_tick(gw->apps[i], now);
		sg_app_ensure_cell(gw->apps[i], now);
		sg_app_socket_tick(gw->apps[i]);
	}
}
