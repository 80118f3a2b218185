/* The gateway's runtime state: listeners, apps, their cells, and the
 * routed connections still reading their request head. */
#ifndef SG_GATEWAY_H
#define SG_GATEWAY_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "cellproto.h"
#include "config.h"
#include "log_relay.h"
#include "loop.h"

struct sg_gateway;
struct sg_cell;
struct sg_control;

/* What `sandgate status` tells about an app's past (app_events.c, cell.c);
 * kept across SIGHUP. */
struct sg_app_history {
	unsigned long restarts;  /* cell starts retried after a death or failed start */
	char last_error[256];    /* the last error logged about the app, "" = none */
	uint64_t last_error_ms;  /* sg_now_ms() when it was logged */
};

struct sg_app {
	struct sg_app_conf conf;
	struct sg_gateway *gw;
	int sock_fd;          /* direct path: the app's own SCGI socket, or -1 */
	int log_fd;           /* app log: the write end of relay */
	struct sg_log_relay *relay; /* into its file, or the gateway's log (app_logs.c) */
	int access_fd;        /* access log: the write end of access_relay, or -1 */
	struct sg_log_relay *access_relay;
	struct sg_cell *cell; /* the cell serving requests (or starting the first time) */
	struct sg_cell *next; /* a replacement starting on reload */
	int failures;         /* consecutive failed starts, for the backoff */
	char start_error[160]; /* why the last start failed, "" = none yet */
	uint64_t retry_at_ms; /* when to try starting again, 0 = not scheduled */
	int watch_wd;            /* inotify watch on the entry file's directory, 0 = none */
	uint64_t touched_due_ms; /* the file changed: reload then (debounced), 0 = no */
	bool removed;         /* gone from the config; freed once its cells are */
	struct sg_watch sock_watch; /* the gateway answers 503 on sock_fd while */
	bool sock_watched;          /* the app has no cell (failed import, backoff) */
	bool stopped;               /* `sandgate stop APP`: no cell until `reload APP` */
	bool idle;                  /* on demand (idle_timeout): no cell until a request */
	uint64_t last_active_ms;    /* idle_timeout: when its cell last did something */
	struct sg_app_history history;
};

struct sg_listener {
	struct sg_watch watch;
	struct sg_listener_conf conf;
	struct sg_gateway *gw;
	uint64_t paused_until_ms; /* out of descriptors: not watched until then */
};

struct sg_gateway {
	struct sg_loop loop;
	struct sg_config cfg;
	const char *config_file; /* NULL when serving from the command line */
	uid_t euid;
	int worker_exe;          /* O_PATH descriptor of sandgate-worker */
	struct sg_watch signals;
	struct sg_watch inotify; /* app entry files (app_watch.c), once inotify_open */
	bool inotify_open;
	int n_listeners;
	struct sg_listener *listeners;
	int n_apps;
	struct sg_app **apps;
	struct sg_cell *cells;   /* every live cell, serving or draining */
	struct sg_conn *conns;   /* routed connections reading their head */
	int n_conns;
	struct sg_cgi_conn *cgi_conns; /* launcher connections reading their message */
	int n_cgi_conns;
	uint64_t next_request_id;
	bool stopping;
	uint64_t stop_deadline_ms;
	struct sg_control *control; /* the control socket (control.c), or NULL */
};

/* cell.c */
int sg_cell_start(struct sg_app *app, struct sg_error *err);
void sg_cell_drain(struct sg_cell *c);
void sg_cell_kill(struct sg_cell *c);
bool sg_cell_accepting(const struct sg_cell *c);
void sg_cells_tick(struct sg_gateway *gw, uint64_t now);
/* The app's cell should exist: start one now or after the backoff. */
void sg_app_ensure_cell(struct sg_app *app, uint64_t now);
/* max_start_failures failed starts in a row: no retry until a reload. */
bool sg_app_failed(const struct sg_app *app);

/* dispatch.c: hand a routed request to the app's cell. On failure the
 * client gets a gateway reply (503) and fd is closed; either way the
 * caller no longer owns fd. */
void sg_dispatch(struct sg_app *app, int fd, enum sg_proto proto, const char *env,
		 size_t env_len);

/* conn.c */
void sg_listener_ready(struct sg_watch *w, uint32_t events);
/* Out of descriptors: the listener is unwatched for a moment (logged). */
void sg_listener_pause(struct sg_listener *l);
void sg_conns_tick(struct sg_gateway *gw, uint64_t now);
void sg_conns_close_all(struct sg_gateway *gw);
void sg_listeners_tick(struct sg_gateway *gw, uint64_t now);

/* cgi_conn.c: the launcher socket (SG_LISTEN_CGI, cgi_launch_proto.h):
 * accept, check the peer, take the one message with its three
 * descriptors (bounded, within a deadline), then sg_cgi_prepare and
 * sg_dispatch_cgi, or a verdict refusing it. */
void sg_cgi_listener_ready(struct sg_listener *l);
void sg_cgi_conns_tick(struct sg_gateway *gw, uint64_t now);
void sg_cgi_conns_close_all(struct sg_gateway *gw);

/* route.c: the app for a request that came in on listener l, routed on
 * the path the worker will serve. NULL with *status 400 (a path the worker
 * refuses), 404 (no app) or 503 (out of memory). */
struct sg_app *sg_route(struct sg_gateway *gw, const struct sg_listener *l, const char *env,
			size_t env_len, int *status);

/* apps.c: build, rebuild (reload) and free the runtime apps. */
int sg_apps_open(struct sg_gateway *gw, struct sg_error *err);
int sg_apps_reload(struct sg_gateway *gw, struct sg_config *fresh, struct sg_error *err);
/* The same, keeping the serving cell of every app whose configuration did
 * not change (one user's file reloaded, users_watch.c). */
int sg_apps_reload_changed(struct sg_gateway *gw, struct sg_config *fresh, struct sg_error *err);
void sg_app_close_socket(struct sg_app *app);
void sg_app_release(struct sg_app *app);
void sg_apps_reap_removed(struct sg_gateway *gw);
/* `sandgate reload APP`: a new cell that replaces the serving one once
 * ready, as SIGHUP does (with the app's current configuration); starts a
 * stopped app again. `sandgate stop APP`: its cells drain and none starts
 * until sg_app_restart (requests get 503 meanwhile). */
int sg_app_restart(struct sg_app *app, struct sg_error *err);
/* A replacement cell is starting, or an old one still draining. Reloads a
 * hosted user can ask for (`sandgate reload`, touching the file) wait for
 * it: each would otherwise leave one more cell, with cgroup limits of its
 * own, draining for up to graceful_timeout, and a loop of them would
 * multiply what the user's app may hold. */
bool sg_app_reload_under_way(const struct sg_app *app);
void sg_app_stop(struct sg_app *app);
/* app_events.c: sg_app_error logs "app NAME: MESSAGE" as an error and
 * keeps MESSAGE as the app's last error; sg_app_find: the current (not
 * removed) app of that name, or NULL. */
void sg_app_error(struct sg_app *app, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
struct sg_app *sg_app_find(struct sg_gateway *gw, const char *name, size_t len);

/* app_watch.c: touching an app's entry file reloads it (debounced; the
 * tick calls sg_app_watch_tick). Nothing for a dotted module. */
void sg_app_watch(struct sg_app *app);
void sg_app_unwatch(struct sg_app *app);
void sg_app_watch_tick(struct sg_app *app, uint64_t now);

/* on_demand.c: a request for an idle on-demand app starts its cell. */
void sg_app_demand(struct sg_app *app, uint64_t now);
bool sg_app_waits_for_demand(const struct sg_app *app);

/* app_socket.c: while an app has no cell, nothing accepts on its own
 * socket, so the gateway does, and answers 503 (design §2); an idle
 * on-demand app's cell is started instead. */
void sg_app_socket_tick(struct sg_app *app);
void sg_app_socket_unwatch(struct sg_app *app);

#endif
