/* An app's history for `sandgate status`: restarts are counted where the
 * cell code schedules them (cell.c), and every error about an app is
 * logged through sg_app_error, which keeps the last one. */
#include "gateway.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "log.h"

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

void sg_app_error(struct sg_app *app, const char *fmt, ...)
{
	char msg[sizeof app->history.last_error];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	sg_error("app %s: %s", app->conf.name, msg);
	snprintf(app->history.last_error, sizeof app->history.last_error, "%s", msg);
	app->history.last_error_ms = sg_now_ms();
}
