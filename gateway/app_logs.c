/* An app's logs. Its cells always write into pipes (log_relay.c): fds 1
 * and 2 into the log relay, the access log into its own. The gateway
 * appends what comes to the files, which it opens as the app's user
 * (log_open.c), so SIGUSR1 only has to open the files again and point the
 * relays at them: running cells keep their pipes and never see the swap.
 * The gateway's own log stays separate; an app without a file (no home,
 * user mode without `log`) goes there, each line marked <app>. */
#include "app_logs.h"

#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "log_open.h"

/* A self-service app is OWNER~NAME: its user knows it as NAME. */
static const char *short_name(const struct sg_app_conf *c)
{
	const char *tilde = strchr(c->name, '~');
	return c->owner[0] != '\0' && tilde != NULL ? tilde + 1 : c->name;
}

static int open_default(const struct sg_app *app, struct sg_log_target *t)
{
	const struct sg_app_conf *c = &app->conf;
	struct sg_error err;
	const struct passwd *pw = getpwuid(c->uid);
	char file[SG_NAME_MAX + 8];
	snprintf(file, sizeof file, "%s.log", short_name(c));
	t->home = pw != NULL ? pw->pw_dir : "";
	t->file = file;
	int fd = sg_log_open_as(t, &err);
	if (fd >= 0)
		return fd;
	if (strncmp(err.msg, "home:", 5) == 0)
		sg_debug("app %s: no home for its log (%s): it goes to the gateway's log", c->name,
			 err.msg);
	else
		sg_warn("app %s: log %s/.local/state/sandgate/%s: %s; it goes to the gateway's log",
			c->name, t->home, file, err.msg);
	return -1;
}

static int open_one(const struct sg_app *app, const char *path, bool default_ok,
		    struct sg_error *err)
{
	const struct sg_app_conf *c = &app->conf;
	struct sg_log_target t = { .uid = c->uid, .gid = c->gid, .path = path };
	if (path[0] == '\0')
		return default_ok && app->gw->euid == 0 ? open_default(app, &t) : -1;
	int fd = sg_log_open_as(&t, err);
	if (fd < 0)
		return sg_error_prefix(err, "app %s: log %s as %s", c->name, path, c->user), -2;
	return fd;
}

int sg_app_logs_open_files(const struct sg_app *app, struct sg_app_log_files *f,
			   struct sg_error *err)
{
	f->log = open_one(app, app->conf.log, true, err);
	if (f->log == -2)
		return f->log = -1, -1;
	f->access = open_one(app, app->conf.access_log, false, err);
	if (f->access == -2) {
		f->access = -1;
		sg_app_log_files_close(f);
		return -1;
	}
	return 0;
}

static int take_relay(struct sg_app *app, struct sg_log_relay **relay, int *wfd,
		      struct sg_log_relay **old_relay, int *old_wfd, struct sg_error *err)
{
	if (old_relay != NULL && *old_relay != NULL) {
		*relay = *old_relay;
		*wfd = *old_wfd;
		*old_relay = NULL;
		*old_wfd = -1;
		return 0;
	}
	*relay = calloc(1, sizeof **relay);
	if (*relay == NULL)
		return sg_fail(err, "out of memory");
	if (sg_log_relay_open(*relay, &app->gw->loop, app->conf.name, wfd, err) < 0) {
		free(*relay);
		*relay = NULL;
		return -1;
	}
	return 0;
}

int sg_app_logs_attach(struct sg_app *app, struct sg_app *old, struct sg_app_log_files *f,
		       struct sg_error *err)
{
	if (take_relay(app, &app->relay, &app->log_fd, old ? &old->relay : NULL,
		       old ? &old->log_fd : NULL, err) < 0)
		goto fail;
	if (f->access >= 0 &&
	    take_relay(app, &app->access_relay, &app->access_fd, old ? &old->access_relay : NULL,
		       old ? &old->access_fd : NULL, err) < 0) {
		if (old != NULL)
			sg_app_logs_give_back(app, old);
		goto fail;
	}
	sg_log_relay_set_file(app->relay, f->log);
	if (app->access_relay != NULL)
		sg_log_relay_set_file(app->access_relay, f->access);
	f->log = f->access = -1;
	return 0;
fail:
	sg_app_log_files_close(f);
	return -1;
}

void sg_app_log_files_close(struct sg_app_log_files *f)
{
	if (f->log >= 0)
		close(f->log);
	if (f->access >= 0)
		close(f->access);
	f->log = f->access = -1;
}

static void give(struct sg_log_relay **from, int *from_fd, struct sg_log_relay **to, int *to_fd)
{
	if (*to == NULL && *from != NULL) {
		*to = *from;
		*to_fd = *from_fd;
		*from = NULL;
		*from_fd = -1;
	}
}

void sg_app_logs_give_back(struct sg_app *app, struct sg_app *old)
{
	give(&app->relay, &app->log_fd, &old->relay, &old->log_fd);
	give(&app->access_relay, &app->access_fd, &old->access_relay, &old->access_fd);
}

void sg_app_logs_reopen_all(struct sg_gateway *gw)
{
	for (int i = 0; i < gw->n_apps; i++) {
		struct sg_app *app = gw->apps[i];
		struct sg_app_log_files f;
		struct sg_error err;
		if (app->removed || app->relay == NULL)
			continue;
		if (sg_app_logs_open_files(app, &f, &err) < 0) {
			sg_warn("SIGUSR1: %s; it keeps writing to the file it had", err.msg);
			continue;
		}
		sg_log_relay_set_file(app->relay, f.log);
		if (app->access_relay != NULL)
			sg_log_relay_set_file(app->access_relay, f.access);
		else if (f.access >= 0)
			close(f.access);
	}
}

static void release(struct sg_app *app, struct sg_log_relay **relay, int *wfd)
{
	if (*wfd >= 0)
		close(*wfd);
	*wfd = -1;
	if (*relay != NULL) {
		sg_log_relay_close(*relay);
		sg_loop_defer_free(&app->gw->loop, *relay);
		*relay = NULL;
	}
}

void sg_app_logs_release(struct sg_app *app)
{
	release(app, &app->relay, &app->log_fd);
	release(app, &app->access_relay, &app->access_fd);
}
