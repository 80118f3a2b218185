#include "gateway/worker/py.h" /* before any system header */

#include "gateway/worker/zygote.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "gateway/cellproto.h"
#include "gateway/log.h"
#include "gateway/worker/app_import.h"
#include "gateway/worker/app_spec.h"
#include "gateway/worker/cgi_serve.h"
#include "gateway/worker/ctl.h"
#include "gateway/worker/io.h"
#include "gateway/worker/log_stream.h"
#include "gateway/worker/pool.h"
#include "gateway/worker/pyinit.h"
#include "gateway/worker/scoreboard.h"
#include "gateway/worker/seccomp_load.h"
#include "gateway/worker/seccomp_trap.h"

static struct sg_pool pool;

_Noreturn static void leave(int code)
{
	sg_log_stream_flush_all();
	_exit(code);
}

/* Any failure before READY: the gateway hears SG_CTL_IMPORT_FAILED and
 * the app log has the reason (and the traceback, if there was one). */
_Noreturn static void startup_failed(const struct sg_error *err)
{
	sg_error("cannot start the app: %s", err->msg);
	sg_ctl_send(SG_CTL_IMPORT_FAILED, -1, 0, 0, 0, 0);
	leave(2);
}

/* Workers accept on the app's socket without blocking: when one wins a
 * connection the others get EAGAIN and go back to poll(). */
static int prepare_listener(struct sg_error *err)
{
	int listening = 0;
	socklen_t len = sizeof listening;
	if (getsockopt(SG_FD_LISTEN, SOL_SOCKET, SO_ACCEPTCONN, &listening, &len) < 0)
		return sg_fail_errno(err, "--listen-fd: fd %d", SG_FD_LISTEN);
	if (!listening)
		return sg_fail(err, "--listen-fd: fd %d is not a listening socket", SG_FD_LISTEN);
	int flags = fcntl(SG_FD_LISTEN, F_GETFL);
	if (flags < 0 || fcntl(SG_FD_LISTEN, F_SETFL, flags | O_NONBLOCK) < 0)
		return sg_fail_errno(err, "--listen-fd: O_NONBLOCK");
	return 0;
}

static int check_descriptors(const struct sg_worker_args *args, struct sg_error *err)
{
	if (args->listen_fd && prepare_listener(err) < 0)
		return -1;
	if (args->access_log && fcntl(SG_FD_ACCESS, F_GETFD) < 0)
		return sg_fail_errno(err, "--access-log: fd %d", SG_FD_ACCESS);
	if (fcntl(SG_FD_DISPATCH, F_GETFD) < 0)
		return sg_fail_errno(err, "dispatch socket fd %d", SG_FD_DISPATCH);
	/* pid 1 of its namespace reaps orphans by nature; elsewhere (tests, a
	 * cell without a pid namespace) ask to be their reaper too. */
	if (getpid() != 1)
		prctl(PR_SET_CHILD_SUBREAPER, 1);
	return 0;
}

/* SIGCHLD, SIGTERM and SIGINT arrive on a descriptor, in the loop. */
static int signal_fd(struct sg_error *err)
{
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGCHLD);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	if (sigprocmask(SIG_BLOCK, &set, NULL) < 0)
		return sg_fail_errno(err, "sigprocmask");
	signal(SIGPIPE, SIG_IGN);
	int fd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
	if (fd < 0)
		return sg_fail_errno(err, "signalfd");
	return fd;
}

static uint64_t now_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

/* The seccomp layer goes on after the import (which may need more than
 * serving does) and before the first fork, so every worker inherits it. */
static int load_seccomp(const struct sg_worker_args *args, struct sg_seccomp_prog *prog,
			struct sg_error *err)
{
	size_t len = prog->len;
	uint64_t t0 = now_us();
	if (args->seccomp_log && sg_seccomp_trap_init(args->name, err) < 0)
		return -1;
	if (sg_seccomp_load(prog, err) < 0)
		return -1;
	sg_info("seccomp filter loaded: %zu BPF instructions in %llu us%s", len,
		(unsigned long long)(now_us() - t0),
		args->seccomp_log ? "; denied calls are logged" : "");
	return 0;
}

#define STRAY_REAP_MS 2000

/* The killed processes are reaped before any worker exists: until then
 * they linger as zombies, which a worker's kill(pid, 0) still finds. Every
 * process of the namespace ends up as the zygote's child (orphans are
 * reparented to pid 1), so ECHILD means all are gone. Bounded: one stuck
 * in an uninterruptible sleep runs no user code any more, and the SIGCHLD
 * loop reaps it later. */
static void reap_import_strays(void)
{
	uint64_t deadline = sg_now_ms() + STRAY_REAP_MS;
	for (;;) {
		pid_t pid = waitpid(-1, NULL, WNOHANG);
		if (pid > 0 || (pid < 0 && errno == EINTR))
			continue;
		if (pid < 0)
			return; /* ECHILD */
		if (sg_now_ms() >= deadline) {
			sg_warn("processes the app's import started are still exiting after %d ms",
				STRAY_REAP_MS);
			return;
		}
		usleep(1000);
	}
}

/* Processes that the import started (a daemon, a forked helper) would run
 * without the seccomp filter, which reaches only the zygote's own threads
 * (TSYNC). As pid 1 of the cell's pid namespace, kill(-1) reaches exactly
 * the cell's other processes, and no worker exists yet. Outside a pid
 * namespace (the worker's own tests) -1 would mean every process of the
 * user, so nothing is done there. */
static void kill_import_strays(void)
{
	if (getpid() != 1)
		return;
	if (kill(-1, SIGKILL) == 0) {
		sg_warn("killed the processes the app's import started: they would have run "
			"outside the seccomp filter");
		reap_import_strays();
	}
}

/* CGI scripts run with the workers' uid in the same cell: a dumpable
 * worker's memory (other requests' bodies and output) would be theirs to
 * read through /proc/PID/mem. The workers and every Python script's
 * process inherit this; exec(2) makes an exec'd script dumpable again,
 * which exposes only that script's own request. */
static int make_undumpable(struct sg_error *err)
{
	if (prctl(PR_SET_DUMPABLE, 0) < 0)
		return sg_fail_errno(err, "prctl(PR_SET_DUMPABLE, 0)");
	return 0;
}

static void start(const struct sg_worker_args *args, const char *argv0, int *sigfd)
{
	struct sg_error err;
	struct sg_app_spec spec;
	struct sg_app_location loc;
	struct sg_seccomp_prog prog = { 0 };
	/* Descriptor 8 is read and closed before any app code runs. */
	if (args->seccomp && sg_seccomp_take(&prog, &err) < 0)
		startup_failed(&err);
	pool.board = sg_scoreboard_map(SG_FD_SCOREBOARD, args->processes, &err);
	if (pool.board == NULL || check_descriptors(args, &err) < 0)
		startup_failed(&err);
	if (args->cgi) {
		/* No app: the workers fork one process per script (cgi_serve.h). */
		if (make_undumpable(&err) < 0 || sg_cgi_children_check(&err) < 0 ||
		    sg_python_init_cgi(args, argv0, &err) < 0 ||
		    (pool.app = sg_cgi_python_setup(&err)) == NULL)
			startup_failed(&err);
	} else {
		if (sg_app_spec_parse(args->app, &spec, &err) < 0 ||
		    sg_python_init(args, &spec, argv0, &loc, &err) < 0)
			startup_failed(&err);
		pool.app = sg_app_import(&spec, &loc, &err);
		if (pool.app == NULL)
			startup_failed(&err);
	}
	if (sg_python_enable_faulthandler(&err) < 0 || (*sigfd = signal_fd(&err)) < 0 ||
	    sg_python_freeze(&err) < 0 || (args->seccomp && load_seccomp(args, &prog, &err) < 0))
		startup_failed(&err);
	kill_import_strays();
	pool.args = args;
	pool.n = args->processes;
	pool.min = args->min_workers > 0 ? args->min_workers : args->processes;
	pool.close_in_child = *sigfd;
	if (sg_pool_start(&pool) < 0) {
		sg_fail(&err, "no worker could be forked");
		startup_failed(&err);
	}
	const char *what = args->cgi ? "CGI" : args->app;
	if (pool.min < pool.n)
		sg_info("app %s %s; %d workers (up to %d while requests wait)", what,
			args->cgi ? "ready" : "imported", pool.min, pool.n);
	else
		sg_info("app %s %s; %d workers", what, args->cgi ? "ready" : "imported",
			args->processes);
}

static void handle_ctl(void)
{
	struct sg_ctl_msg m;
	char buf[sizeof m + 16];
	ssize_t n = recv(SG_FD_CTL, buf, sizeof buf, MSG_DONTWAIT);
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0) {
		sg_error("the gateway is gone (%s); killing the workers",
			 n == 0 ? "end of file" : strerror(errno));
		sg_pool_kill_all(&pool);
		leave(1);
	}
	if ((size_t)n != sizeof m) {
		sg_warn("ignored a control message of %zd bytes", n);
		return;
	}
	memcpy(&m, buf, sizeof m);
	if (m.type == SG_CTL_TIMEOUT)
		sg_pool_timeout(&pool, m.slot, m.pid);
	else if (m.type == SG_CTL_DRAIN)
		sg_pool_drain(&pool);
	else
		sg_warn("ignored control message type %u", m.type);
}

/* Is a connection (direct path) or a routed request waiting? */
static bool work_waiting(const struct sg_worker_args *args)
{
	struct pollfd pfd[2] = {
		{ .fd = SG_FD_DISPATCH, .events = POLLIN },
		{ .fd = SG_FD_LISTEN, .events = POLLIN },
	};
	return poll(pfd, args->listen_fd ? 2 : 1, 0) > 0;
}

/* The poll timeout: the pool's next respawn or kill, and with dynamic
 * workers a look at the queue every SG_POOL_SCALE_MS / 2. */
static int loop_timeout(void)
{
	int t = sg_pool_next_timeout(&pool);
	if (pool.min < pool.n && !pool.draining && (t < 0 || t > SG_POOL_SCALE_MS / 2))
		t = SG_POOL_SCALE_MS / 2;
	return t;
}

static void handle_signals(int sigfd)
{
	struct signalfd_siginfo si;
	while (read(sigfd, &si, sizeof si) == (ssize_t)sizeof si) {
		if (si.ssi_signo != SIGCHLD) {
			sg_info("signal %u", si.ssi_signo);
			sg_pool_drain(&pool);
		}
	}
	sg_pool_reap(&pool);
}

_Noreturn void sg_zygote_run(const struct sg_worker_args *args, const char *argv0)
{
	char tag[SG_WORKER_NAME_MAX + 16];
	snprintf(tag, sizeof tag, "%s zygote", args->name);
	sg_log_init(tag, args->log_level);

	int sigfd = -1;
	start(args, argv0, &sigfd);
	if (sg_ctl_send(SG_CTL_READY, -1, 0, 0, 0, 0) < 0) {
		sg_pool_kill_all(&pool);
		leave(1);
	}
	for (;;) {
		if (pool.draining && sg_pool_live(&pool) == 0) {
			sg_info("all workers gone; exiting");
			leave(0);
		}
		struct pollfd pfd[2] = {
			{ .fd = SG_FD_CTL, .events = POLLIN },
			{ .fd = sigfd, .events = POLLIN },
		};
		if (poll(pfd, 2, loop_timeout()) < 0 && errno != EINTR) {
			sg_error("poll: %s", strerror(errno));
			sg_pool_kill_all(&pool);
			leave(1);
		}
		if (pfd[1].revents != 0)
			handle_signals(sigfd);
		if (pfd[0].revents != 0)
			handle_ctl();
		sg_pool_tick(&pool);
		if (pool.min < pool.n)
			sg_pool_scale(&pool, work_waiting(args));
	}
}
