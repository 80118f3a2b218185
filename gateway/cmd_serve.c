/* `sandgate serve`: load the configuration, open the listeners and the
 * apps' sockets, start a cell per app, and run the loop until SIGTERM or
 * SIGINT (graceful stop); SIGHUP reloads. */
#include "cell.h"
#include "cmd_serve.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include "app_logs.h"
#include "control.h"
#include "listener.h"
#include "log.h"
#include "privs.h"
#include "sandbox/landlock.h"
#include "users.h"
#include "users_watch.h"

#define TICK_MS 200

static struct sg_gateway gateway;

static int find_worker(struct sg_error *err)
{
	char self[PATH_MAX], path[PATH_MAX + 64];
	ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
	if (n < 0)
		return sg_fail_errno(err, "readlink /proc/self/exe");
	self[n] = '\0';
	const char *dir = dirname(self);
	const char *const candidates[] = { "sandgate-worker", "../libexec/sandgate/sandgate-worker" };
	for (size_t i = 0; i < 2; i++) {
		snprintf(path, sizeof path, "%s/%s", dir, candidates[i]);
		int fd = open(path, O_PATH | O_CLOEXEC);
		if (fd >= 0)
			return fd;
	}
	return sg_fail(err, "sandgate-worker not found next to %s or in ../libexec/sandgate", dir);
}

/* prev: the configuration served so far (a reload), for users whose file
 * is refused now (users.c). */
static int load_config(struct sg_config *cfg, const char *file, const struct sg_config *prev)
{
	struct sg_diags d = { 0 };
	int rc = 0;
	if (file != NULL && sg_config_load(file, cfg, &d) < 0)
		rc = -1;
	if (rc == 0)
		sg_users_load_logged(cfg, prev);
	if (rc == 0 && sg_config_resolve(cfg, geteuid(), &d) < 0)
		rc = -1;
	for (int i = 0; i < d.n; i++)
		sg_error("%s", d.msg[i]);
	sg_diags_free(&d);
	return rc;
}

static int open_listeners(struct sg_gateway *gw, struct sg_error *err)
{
	gw->listeners = calloc((size_t)gw->cfg.n_listeners + 1, sizeof *gw->listeners);
	if (gw->listeners == NULL)
		return sg_fail(err, "out of memory");
	for (int i = 0; i < gw->cfg.n_listeners; i++) {
		struct sg_listener *l = &gw->listeners[i];
		l->conf = gw->cfg.listeners[i];
		l->gw = gw;
		l->watch.fn = sg_listener_ready;
		int type = l->conf.kind == SG_LISTEN_CGI ? SOCK_SEQPACKET : SOCK_STREAM;
		l->watch.fd = sg_listen_open_type(&l->conf.addr, type, l->conf.socket_mode,
						  l->conf.socket_gid, err);
		if (l->watch.fd < 0)
			return -1;
		gw->n_listeners++;
		if (sg_loop_add(&gw->loop, &l->watch, EPOLLIN, err) < 0)
			return -1;
		static const char *const what[] = { [SG_LISTEN_HTTP] = "HTTP",
						    [SG_LISTEN_SCGI] = "SCGI",
						    [SG_LISTEN_CGI] = "CGI launchers" };
		sg_info("listening for %s%s on %s", what[l->conf.kind],
			l->conf.cgi ? " (CGI)" : "", l->conf.addr.text);
	}
	return 0;
}

static void close_listeners(struct sg_gateway *gw)
{
	for (int i = 0; i < gw->n_listeners; i++) {
		struct sg_listener *l = &gw->listeners[i];
		if (l->watch.fd < 0)
			continue;
		sg_loop_del(&gw->loop, &l->watch);
		close(l->watch.fd);
		l->watch.fd = -1;
		sg_listen_unlink(&l->conf.addr);
	}
}

static void begin_stop(struct sg_gateway *gw, const char *why)
{
	if (gw->stopping)
		return;
	sg_info("%s: no new connections; letting in-flight requests finish (up to %d s)", why,
		gw->cfg.graceful_timeout);
	gw->stopping = true;
	gw->stop_deadline_ms = sg_now_ms() + (uint64_t)gw->cfg.graceful_timeout * 1000 + 2000;
	close_listeners(gw);
	sg_conns_close_all(gw);
	for (int i = 0; i < gw->n_apps; i++)
		sg_app_close_socket(gw->apps[i]);
	for (struct sg_cell *c = gw->cells; c != NULL; c = c->next_live)
		sg_cell_drain(c);
}

static void reload(struct sg_gateway *gw)
{
	struct sg_config fresh = { 0 };
	struct sg_error err;
	if (gw->config_file == NULL) {
		/* Serving from the command line: the same apps, re-imported. */
		sg_info("SIGHUP: restarting every app's cell");
		if (sg_apps_reload(gw, &gw->cfg, &err) < 0)
			sg_error("reload: %s", err.msg);
		return;
	}
	sg_info("SIGHUP: reloading %s", gw->config_file);
	if (load_config(&fresh, gw->config_file, &gw->cfg) < 0) {
		sg_error("reload: %s has problems; still serving the previous configuration",
			 gw->config_file);
		sg_config_free(&fresh);
		return;
	}
	if (sg_apps_reload(gw, &fresh, &err) < 0) {
		sg_error("reload: %s; still serving the previous configuration", err.msg);
		sg_config_free(&fresh);
		return;
	}
	if (fresh.n_listeners != gw->cfg.n_listeners)
		sg_warn("reload: listener changes take effect at the next restart");
	sg_log_init("gateway", fresh.log_level);
	sg_config_free(&gw->cfg);
	gw->cfg = fresh;
	sg_users_watch_start(gw); /* users may have come or gone */
}

static void signal_readable(struct sg_watch *w, uint32_t events)
{
	struct sg_gateway *gw = sg_container_of(w, struct sg_gateway, signals);
	struct signalfd_siginfo si;
	(void)events;
	while (read(w->fd, &si, sizeof si) == (ssize_t)sizeof si) {
		if (si.ssi_signo == SIGHUP && !gw->stopping)
			reload(gw);
		else if (si.ssi_signo == SIGUSR1)
			sg_app_logs_reopen_all(gw); /* logrotate moved the apps' logs */
		else if (si.ssi_signo == SIGTERM || si.ssi_signo == SIGINT)
			begin_stop(gw, si.ssi_signo == SIGTERM ? "SIGTERM" : "SIGINT");
	}
}

static void tick(void *arg)
{
	struct sg_gateway *gw = arg;
	uint64_t now = sg_now_ms();
	sg_listeners_tick(gw, now);
	sg_conns_tick(gw, now);
	sg_control_tick(gw, now);
	sg_cells_tick(gw, now);
	sg_users_watch_tick(gw, now);
	sg_apps_reap_removed(gw);
	if (!gw->stopping)
		return;
	if (gw->cells == NULL)
		gw->loop.running = 0;
	else if (now > gw->stop_deadline_ms)
		for (struct sg_cell *c = gw->cells; c != NULL; c = c->next_live)
			sg_cell_kill(c);
}

static int setup_signals(struct sg_gateway *gw, struct sg_error *err)
{
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGUSR1);
	if (sigprocmask(SIG_BLOCK, &set, NULL) < 0)
		return sg_fail_errno(err, "sigprocmask");
	signal(SIGPIPE, SIG_IGN);
	gw->signals.fd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
	gw->signals.fn = signal_readable;
	if (gw->signals.fd < 0)
		return sg_fail_errno(err, "signalfd");
	return sg_loop_add(&gw->loop, &gw->signals, EPOLLIN, err);
}

/* Every connection in the gateway holds a descriptor (and a handed-off
 * request holds one until it is done): take all the hard limit allows. */
static void raise_nofile(void)
{
	struct rlimit rl;
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		if (setrlimit(RLIMIT_NOFILE, &rl) < 0)
			sg_warn("cannot raise the descriptor limit: %s", strerror(errno));
	}
}

/* Landlock is the one layer a cell starts without (sandbox/landlock.c),
 * when the kernel lacks it: say so once, at startup. */
static void log_landlock(void)
{
	int abi = sg_landlock_abi();
	if (abi < 0)
		sg_warn("Landlock: cannot ask the kernel for its ABI (%s): cells will not start",
			strerror(errno));
	else if (abi == 0)
		sg_warn("Landlock: not in this kernel (or off at boot): cells start without it; "
			"an app with bind_ports or connect_ports does not start");
	else
		sg_debug("Landlock ABI %d", abi);
}

static int serve(struct sg_gateway *gw, struct sg_error *err)
{
	raise_nofile();
	log_landlock();
	if ((gw->worker_exe = find_worker(err)) < 0 || sg_loop_init(&gw->loop, err) < 0 ||
	    setup_signals(gw, err) < 0 || open_listeners(gw, err) < 0 || sg_apps_open(gw, err) < 0 ||
	    sg_control_open(gw, err) < 0 || sg_privs_drop(err) < 0)
		return -1;
	for (int i = 0; i < gw->n_apps; i++)
		sg_app_ensure_cell(gw->apps[i], sg_now_ms());
	sg_users_watch_start(gw);
	sg_info("started: %d app%s", gw->n_apps, gw->n_apps == 1 ? "" : "s");
	int rc = sg_loop_run(&gw->loop, TICK_MS, tick, gw, err);
	sg_control_close(gw);
	close_listeners(gw);
	for (int i = 0; i < gw->n_apps; i++)
		sg_app_release(gw->apps[i]);
	return rc;
}

int sg_cmd_serve(int argc, char **argv)
{
	struct sg_gateway *gw = &gateway;
	struct sg_error err;
	const char *file = NULL;
	sg_log_init("gateway", SG_LOG_INFO);
	int rc = sg_cli_parse_serve(argc, argv, &gw->cfg, &file, &err);
	if (rc < 0) {
		fprintf(stderr, "sandgate serve: %s\n", err.msg);
		return 2;
	}
	if (rc > 0)
		return 0; /* --help */
	gw->config_file = file;
	gw->euid = geteuid();
	if (load_config(&gw->cfg, file, NULL) < 0)
		return 2;
	sg_log_init("gateway", gw->cfg.log_level);
	if (gw->cfg.syslog)
		sg_log_use_syslog("sandgate");
	if (serve(gw, &err) < 0) {
		sg_error("%s", err.msg);
		sg_control_close(gw);
		close_listeners(gw);
		for (int i = 0; i < gw->n_apps; i++)
			sg_app_release(gw->apps[i]);
		return 1;
	}
	sg_info("stopped");
	return 0;
}
