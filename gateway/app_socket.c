/* The direct path when an app cannot be served: its workers accept on the
 * app's own socket, so while the app has no cell (its import failed and a
 * retry is pending, or it keeps crashing) the gateway accepts there
 * instead and answers 503, rather than leaving the front end to wait for
 * its own timeout. A starting cell counts as a cell: connections then wait
 * in the backlog for its workers. */
#include "gateway.h"

#include <errno.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "log.h"
#include "reply.h"

#define ACCEPTS_PER_EVENT 16

static void answer_unavailable(struct sg_watch *w, uint32_t events)
{
	struct sg_app *app = sg_container_of(w, struct sg_app, sock_watch);
	(void)events;
	for (int i = 0; i < ACCEPTS_PER_EVENT; i++) {
		int fd = accept4(w->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0)
			return;
		/* Take what the front end already sent, so that closing does not
		 * turn into a TCP reset before it reads the answer. */
		char discard[4096];
		while (recv(fd, discard, sizeof discard, MSG_DONTWAIT) > 0)
			;
		sg_reply_send(fd, SG_PROTO_SCGI, 503);
		close(fd);
		if (sg_app_failed(app))
			sg_warn("app %s: 503 on its socket: the app failed to start %d time%s in "
				"a row (last error: %s); it is retried only after a reload",
				app->conf.name, app->failures, app->failures == 1 ? "" : "s",
				app->start_error);
		else
			sg_info("app %s: 503 on its socket: the app has no running cell",
				app->conf.name);
	}
}

/* An idle on-demand app: the connection stays in the backlog for the
 * workers of the cell this starts; the gateway never accepts it, so the
 * request's bytes never pass through the gateway. */
static void start_on_demand(struct sg_watch *w, uint32_t events)
{
	struct sg_app *app = sg_container_of(w, struct sg_app, sock_watch);
	(void)events;
	sg_app_socket_unwatch(app);
	sg_app_demand(app, sg_now_ms());
}

void sg_app_socket_unwatch(struct sg_app *app)
{
	if (!app->sock_watched)
		return;
	sg_loop_del(&app->gw->loop, &app->sock_watch);
	app->sock_watched = false;
}

void sg_app_socket_tick(struct sg_app *app)
{
	bool want = app->sock_fd >= 0 && app->cell == NULL && app->next == NULL &&
		    !app->removed && !app->gw->stopping;
	if (!want) {
		sg_app_socket_unwatch(app);
		return;
	}
	sg_watch_fn fn = sg_app_waits_for_demand(app) ? start_on_demand : answer_unavailable;
	if (app->sock_watched && app->sock_watch.fn == fn)
		return;
	sg_app_socket_unwatch(app);
	struct sg_error err;
	app->sock_watch = (struct sg_watch){ .fd = app->sock_fd, .fn = fn };
	if (sg_loop_add(&app->gw->loop, &app->sock_watch, EPOLLIN, &err) < 0)
		sg_warn("app %s: %s", app->conf.name, err.msg);
	else
		app->sock_watched = true;
}
