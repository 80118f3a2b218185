/* The runtime apps: their direct-path sockets and log files, built from
 * the configuration at start and rebuilt on reload (SIGHUP), where every
 * app gets a fresh cell that replaces the old one once it is ready. */
#include "cell.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "app_logs.h"
#include "listener.h"
#include "log.h"

/* The app stops taking direct-path connections (stop, or a reload that
 * moved its socket); its cells may still be finishing requests. */
void sg_app_close_socket(struct sg_app *app)
{
	sg_app_socket_unwatch(app);
	if (app->sock_fd >= 0) {
		close(app->sock_fd);
		sg_listen_unlink(&app->conf.socket);
	}
	app->sock_fd = -1;
}

/* Everything the app holds; its cells are gone (or about to be). */
void sg_app_release(struct sg_app *app)
{
	sg_app_unwatch(app);
	sg_app_close_socket(app);
	sg_app_logs_release(app);
}

static bool same_socket(const struct sg_app_conf *a, const struct sg_app_conf *b)
{
	return a->has_socket && b->has_socket && strcmp(a->socket.text, b->socket.text) == 0;
}

/* Undoing app_open's takeover: the socket and log pipes that app took from
 * old, the app it was to replace, go back to old. */
static void give_back(struct sg_app *app, struct sg_app *old)
{
	if (old->sock_fd < 0 && app->sock_fd >= 0 && same_socket(&old->conf, &app->conf)) {
		old->sock_fd = app->sock_fd;
		app->sock_fd = -1;
	}
	sg_app_logs_give_back(app, old);
}

/* old: the app of the same name before a reload, or NULL. */
static struct sg_app *app_open(struct sg_gateway *gw, const struct sg_app_conf *conf,
			       struct sg_app *old, struct sg_error *err)
{
	struct sg_app *app = calloc(1, sizeof *app);
	if (app == NULL)
		return sg_fail(err, "out of memory"), NULL;
	app->conf = *conf;
	app->gw = gw;
	app->sock_fd = app->log_fd = app->access_fd = -1;
	/* On demand: no cell before a request (a reload keeps the idle clock). */
	app->idle = conf->idle_timeout > 0 && (old == NULL || old->idle);
	if (old != NULL) {
		app->history = old->history;
		app->last_active_ms = old->last_active_ms;
	}
	struct sg_app_log_files files = { -1, -1 };
	if (sg_app_logs_open_files(app, &files, err) < 0)
		goto fail;
	if (old != NULL && same_socket(&old->conf, conf)) {
		/* Same address across a reload: the socket (and its backlog) stays. */
		sg_app_socket_unwatch(old);
		app->sock_fd = old->sock_fd;
		old->sock_fd = -1;
	} else if (conf->has_socket) {
		app->sock_fd = sg_listen_open(&conf->socket, conf->socket_mode, conf->socket_gid, err);
		if (app->sock_fd < 0) {
			sg_error_prefix(err, "app %s", conf->name);
			goto fail;
		}
	}
	/* Last: nothing after it can fail and strand the old app's pipes. */
	if (sg_app_logs_attach(app, old, &files, err) < 0)
		goto fail;
	sg_app_watch(app);
	return app;
fail:
	sg_app_log_files_close(&files);
	if (old != NULL)
		give_back(app, old);
	sg_app_release(app);
	free(app);
	return NULL;
}

int sg_apps_open(struct sg_gateway *gw, struct sg_error *err)
{
	gw->apps = calloc((size_t)gw->cfg.n_apps, sizeof *gw->apps);
	if (gw->apps == NULL && gw->cfg.n_apps > 0)
		return sg_fail(err, "out of memory");
	for (int i = 0; i < gw->cfg.n_apps; i++) {
		gw->apps[i] = app_open(gw, &gw->cfg.apps[i], NULL, err);
		if (gw->apps[i] == NULL)
			return -1;
		gw->n_apps++;
	}
	return 0;
}

static struct sg_app *find_app(struct sg_gateway *gw, const char *name)
{
	for (int i = 0; i < gw->n_apps; i++)
		if (!gw->apps[i]->removed && strcmp(gw->apps[i]->conf.name, name) == 0)
			return gw->apps[i];
	return NULL;
}

/* The old app object hands its cells over to the new one. */
static void adopt_cells(struct sg_app *from, struct sg_app *to)
{
	for (struct sg_cell *c = to->gw->cells; c != NULL; c = c->next_live)
		if (c->app == from)
			c->app = to;
	to->cell = from->cell;
	to->next = from->next;
	from->cell = from->next = NULL;
}

/* A reload that failed half-way (an app's log or socket could not be
 * opened): apps[first..n) holds pairs (old, new) and lone new apps; each
 * new app gives back to its old one what it took (cells, socket, log
 * pipe), and goes. The old apps stay listed in gw->apps, as they were. */
static void reload_undo(struct sg_app **apps, int first, int n)
{
	for (int j = first; j < n; j++) {
		struct sg_app *app = apps[j];
		if (app->removed && j + 1 < n) {
			struct sg_app *old = app;
			app = apps[++j];
			adopt_cells(app, old);
			give_back(app, old);
			old->removed = false;
		}
		sg_app_release(app);
		free(app);
	}
}

/* Every app of the fresh configuration gets a new cell; the old cell keeps
 * serving until the new one is ready (cell.c), then drains. Apps that are
 * gone drain and are freed once their cells are. With only_changed (one
 * user's file changed, users_watch.c), an app whose configuration is the
 * same and whose cell is serving keeps that cell. */
static int reload(struct sg_gateway *gw, struct sg_config *fresh, bool only_changed,
		  struct sg_error *err)
{
	size_t cap = (size_t)fresh->n_apps + (size_t)gw->n_apps;
	struct sg_app **apps = calloc(cap, sizeof *apps);
	bool *keep = calloc(cap, sizeof *keep);
	if (apps == NULL || keep == NULL) {
		free(apps);
		free(keep);
		return sg_fail(err, "out of memory");
	}
	int n = 0;
	/* Apps an earlier reload removed stay listed until reaped (they may
	 * still have cells, or be waiting for the tick that frees them). */
	for (int i = 0; i < gw->n_apps; i++)
		if (gw->apps[i]->removed)
			apps[n++] = gw->apps[i];
	int first = n;
	for (int i = 0; i < fresh->n_apps; i++) {
		struct sg_app *old = find_app(gw, fresh->apps[i].name);
		struct sg_app *app = app_open(gw, &fresh->apps[i], old, err);
		if (app == NULL) {
			reload_undo(apps, first, n);
			free(apps);
			free(keep);
			return -1;
		}
		bool same = only_changed && old != NULL && old->cell != NULL && old->next == NULL &&
			    memcmp(&old->conf, &fresh->apps[i], sizeof old->conf) == 0;
		if (old != NULL) {
			adopt_cells(old, app);
			old->removed = true;
			apps[n++] = old; /* kept in the list until reaped */
		}
		keep[n] = same;
		apps[n++] = app;
	}
	for (int i = 0; i < gw->n_apps; i++) {
		struct sg_app *old = gw->apps[i];
		if (old->removed)
			continue;
		old->removed = true;
		apps[n++] = old;
	}
	free(gw->apps);
	gw->apps = apps;
	gw->n_apps = n;
	for (int i = 0; i < n; i++) {
		struct sg_app *app = apps[i];
		if (app->removed) {
			if (app->cell)
				sg_cell_drain(app->cell);
			if (app->next)
				sg_cell_drain(app->next);
			continue;
		}
		struct sg_error cerr;
		if (!keep[i] && sg_app_restart(app, &cerr) < 0)
			sg_app_error(app, "cannot start its new cell: %s", cerr.msg);
	}
	free(keep);
	return 0;
}

int sg_apps_reload(struct sg_gateway *gw, struct sg_config *fresh, struct sg_error *err)
{
	return reload(gw, fresh, false, err);
}

int sg_apps_reload_changed(struct sg_gateway *gw, struct sg_config *fresh, struct sg_error *err)
{
	return reload(gw, fresh, true, err);
}

bool sg_app_reload_under_way(const struct sg_app *app)
{
	if (app->next != NULL)
		return true;
	for (const struct sg_cell *c = app->gw->cells; c != NULL; c = c->next_live)
		if (c->app == app && c->state == SG_CELL_DRAINING)
			return true;
	return false;
}

int sg_app_restart(struct sg_app *app, struct sg_error *err)
{
	if (app->next != NULL)
		sg_cell_drain(app->next);
	app->stopped = false;
	app->failures = 0;
	app->retry_at_ms = 0;
	/* An on-demand app without a cell stays so: the next request starts
	 * one, with what the reload brought. */
	app->idle = app->conf.idle_timeout > 0 && app->cell == NULL && app->next == NULL;
	if (app->idle) {
		sg_info("app %s: on demand: its next request starts a new cell", app->conf.name);
		return 0;
	}
	return sg_cell_start(app, err);
}

void sg_app_stop(struct sg_app *app)
{
	app->stopped = true;
	app->failures = 0;
	/* sg_app_ensure_cell then never finds the retry due. */
	app->retry_at_ms = UINT64_MAX;
	if (app->next != NULL)
		sg_cell_drain(app->next);
	if (app->cell != NULL)
		sg_cell_drain(app->cell);
}

/* Removed apps go once no cell of theirs is alive. */
void sg_apps_reap_removed(struct sg_gateway *gw)
{
	int n = 0;
	for (int i = 0; i < gw->n_apps; i++) {
		struct sg_app *app = gw->apps[i];
		bool busy = false;
		for (struct sg_cell *c = gw->cells; c != NULL; c = c->next_live)
			busy |= c->app == app;
		if (app->removed && !busy) {
			sg_app_release(app);
			free(app);
			continue;
		}
		gw->apps[n++] = app;
	}
	gw->n_apps = n;
}
