/* An app's history for `sandgate status` (restarts, last error), taken
 * from the gateway's own log lines about it. The cell code already names
 * the app in every failure it logs ("app NAME: ..."), so the log is the
 * one place that sees each of them, whichever file they come from:
 *
 *   ERROR "app NAME: ..."                    -> last error
 *   "app NAME: restarting its cell in ..."   -> a restart: the cell died or
 *                                               could not start, and a new
 *                                               one is tried after a backoff
 */
#include "gateway.h"

#include <stdio.h>
#include <string.h>

#include "log.h"

static struct sg_gateway *events_gw;

struct sg_app *sg_app_find(struct sg_gateway *gw, const char *name, size_t len)
{
	for (int i = 0; i < gw->n_apps; i++) {
		struct sg_app *app = gw->apps[i];
		if (!app->removed && strlen(app->conf.name) == len &&
		    memcmp(app->conf.name, name, len) == 0)
			return app;
	}
	return NULL;
}

static bool starts_with(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

static void observe(enum sg_log_level level, const char *msg)
{
	if (events_gw == NULL || !starts_with(msg, "app "))
		return;
	const char *name = msg + 4, *end = strstr(name, ": ");
	if (end == NULL)
		return;
	struct sg_app *app = sg_app_find(events_gw, name, (size_t)(end - name));
	if (app == NULL)
		return;
	const char *what = end + 2;
	if (level == SG_LOG_ERROR) {
		snprintf(app->history.last_error, sizeof app->history.last_error, "%s", what);
		app->history.last_error_ms = sg_now_ms();
	}
	if (starts_with(what, "restarting its cell"))
		app->history.restarts++;
}

void sg_app_events_init(struct sg_gateway *gw)
{
	events_gw = gw;
	sg_log_observe(gw != NULL ? observe : NULL);
}
