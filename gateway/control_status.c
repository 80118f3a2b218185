/* sg_status_snapshot: one app's state for `sandgate status`, copied out of
 * the gateway's structures and the cell's scoreboard. The scoreboard is
 * shared with app code: its numbers are shown as they are (they are only
 * what the workers claim), its request text is copied with a fixed
 * length and cut at the first NUL, and nothing read there is used as a
 * size or an index. */
#include "cell.h"
#include "control_status.h"

#include <pwd.h>
#include <stdio.h>
#include <string.h>

/* The cell that status describes: the serving one, else the one starting,
 * else a draining one (a stopped app finishing its requests). */
static struct sg_cell *main_cell(const struct sg_app *app, int *draining)
{
	struct sg_cell *drain = NULL;
	*draining = 0;
	for (struct sg_cell *c = app->gw->cells; c != NULL; c = c->next_live) {
		if (c->app != app || c->state != SG_CELL_DRAINING)
			continue;
		(*draining)++;
		drain = c;
	}
	if (app->cell != NULL)
		return app->cell;
	if (app->next != NULL)
		return app->next;
	if (drain != NULL)
		(*draining)--;
	return drain;
}

static const char *app_state(const struct sg_app *app, const struct sg_cell *c)
{
	if (c != NULL && c->state == SG_CELL_READY)
		return "ready";
	if (c != NULL && c->state == SG_CELL_STARTING)
		return "starting";
	if (c != NULL)
		return "draining";
	if (app->stopped || app->gw->stopping)
		return "stopped";
	if (sg_app_failed(app))
		return "failed"; /* no retry until a reload */
	if (app->idle)
		return "idle"; /* on demand: no cell until a request */
	return "backoff";
}

static const char *slot_state(uint32_t state)
{
	switch (state) {
	case SG_SLOT_EMPTY:
		return "empty"; /* its worker is starting, or gone while draining */
	case SG_SLOT_IDLE:
		return "idle";
	case SG_SLOT_BUSY:
		return "busy";
	default:
		return "?";
	}
}

static void user_name(const struct sg_app *app, char *out, size_t size)
{
	struct passwd pw, *res = NULL;
	char buf[1024];
	if (app->conf.user[0] != '\0')
		snprintf(out, size, "%s", app->conf.user);
	else if (getpwuid_r(app->conf.uid, &pw, buf, sizeof buf, &res) == 0 && res != NULL)
		snprintf(out, size, "%s", res->pw_name);
	else
		snprintf(out, size, "%lu", (unsigned long)app->conf.uid);
}

static void snapshot_worker(struct sg_slot *s, uint32_t i, uint64_t now,
			    struct sg_status_worker *w)
{
	uint32_t state = atomic_load(&s->state);
	*w = (struct sg_status_worker){ .slot = (int)i, .pid = atomic_load(&s->pid),
					.state = slot_state(state),
					.requests = atomic_load(&s->requests) };
	if (state != SG_SLOT_BUSY)
		return;
	uint64_t started = atomic_load(&s->started_ms);
	w->busy_ms = started != 0 && now > started ? now - started : 0;
	/* Fixed length, and terminated here whatever the app wrote there. */
	memcpy(w->request, s->request, sizeof w->request - 1);
	w->request[sizeof w->request - 1] = '\0';
}

static void snapshot_cell(struct sg_cell *c, const char *mountinfo, uint64_t now,
			  struct sg_status_app *out)
{
	out->zygote_pid = c->pid;
	out->up_ms = now > c->started_ms ? now - c->started_ms : 0;
	out->memory = sg_cell_memory(c->pid, c->app->conf.name, mountinfo);
	/* nslots is the gateway's own count, never the scoreboard's. */
	for (uint32_t i = 0; i < c->nslots && i < SG_MAX_WORKERS; i++) {
		snapshot_worker(&c->sb->slot[i], i, now, &out->workers[out->n_workers++]);
		out->requests += atomic_load(&c->sb->slot[i].served);
	}
}

void sg_status_snapshot(const struct sg_app *app, const char *mountinfo, uint64_t now_ms,
			struct sg_status_app *out, struct sg_status_worker *workers)
{
	*out = (struct sg_status_app){ .uid = (unsigned long)app->conf.uid, .memory = -1,
				       .workers = workers, .restarts = app->history.restarts,
				       .failures = app->failures };
	snprintf(out->name, sizeof out->name, "%s", app->conf.name);
	user_name(app, out->user, sizeof out->user);
	struct sg_cell *c = main_cell(app, &out->draining_cells);
	out->state = app_state(app, c);
	if (c != NULL && c->sb != NULL)
		snapshot_cell(c, mountinfo, now_ms, out);
	if (c == NULL && !app->stopped && !sg_app_failed(app) && app->retry_at_ms > now_ms)
		out->retry_in_ms = app->retry_at_ms - now_ms;
	if (app->history.last_error[0] != '\0') {
		out->has_error = true;
		snprintf(out->last_error, sizeof out->last_error, "%s", app->history.last_error);
		out->last_error_age_ms = now_ms > app->history.last_error_ms
						 ? now_ms - app->history.last_error_ms
						 : 0;
	}
}
