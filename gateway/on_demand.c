/* On-demand cells (idle_timeout > 0): no cell until the app's first
 * request, and a cell that has served nothing for idle_timeout seconds is
 * drained and stopped, so that the app has no process at all until the
 * next request starts a fresh one (routed: sg_dispatch; direct:
 * app_socket.c, which watches the app's socket without accepting). */
#include "cell.h"

#include "log.h"

bool sg_app_waits_for_demand(const struct sg_app *app)
{
	return app->idle && app->cell == NULL && app->next == NULL && !app->stopped &&
	       !app->removed && !app->gw->stopping && !sg_app_failed(app);
}

void sg_app_demand(struct sg_app *app, uint64_t now)
{
	if (!sg_app_waits_for_demand(app))
		return;
	app->idle = false;
	app->last_active_ms = now;
	sg_info("app %s: a request came; starting its cell (on demand)", app->conf.name);
	sg_app_ensure_cell(app, now);
}

/* Did the cell do anything since the last tick? Routed requests the
 * gateway holds count, and so do the scoreboard's busy slots and served
 * counters, which is how the direct path shows. The scoreboard is written
 * by app code: a hostile app can only keep its own cell alive longer that
 * way, within its cgroup's limits, as if it were busy. */
static bool cell_active(struct sg_cell *c)
{
	uint64_t served = 0;
	bool busy = c->n_pending > 0;
	for (uint32_t i = 0; i < c->nslots; i++) {
		served += atomic_load(&c->sb->slot[i].served);
		busy |= atomic_load(&c->sb->slot[i].state) == SG_SLOT_BUSY;
	}
	bool changed = served != c->seen_served;
	c->seen_served = served;
	return busy || changed;
}

void sg_app_idle_tick(struct sg_app *app, uint64_t now)
{
	struct sg_cell *c = app->cell;
	if (app->conf.idle_timeout <= 0)
		return;
	/* Idle time counts from READY, and not while a reload is under way. */
	if (c == NULL || app->next != NULL || c->state != SG_CELL_READY || cell_active(c)) {
		app->last_active_ms = now;
		return;
	}
	if (now - app->last_active_ms < (uint64_t)app->conf.idle_timeout * 1000)
		return;
	sg_info("app %s: idle for %d s (idle_timeout); stopping its cell until the next request",
		app->conf.name, app->conf.idle_timeout);
	app->idle = true;
	sg_cell_drain(c);
}
