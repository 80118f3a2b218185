/* Answering one control request: status, reload, stop, limited to the
 * apps the peer's uid may see (root: all; others: those running as it).
 *
 * JSON answers are one object: {"ok":true, ...} or {"ok":false,"error":
 * "..."}; "ok" is always the first member. Text answers start with a line
 * "ok" or "error", then the text for people. */
#include "cell.h"
#include "control.h"
#include "control_req.h"
#include "control_status.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"

#define MOUNTINFO_MAX (1 << 20)

static bool may_see(const struct sg_app *app, uid_t uid)
{
	return uid == 0 || app->conf.uid == uid;
}

static void answer_error(struct sg_json *out, bool as_text, const char *msg)
{
	if (as_text) {
		sg_json_raw(out, "error\n", 6);
		sg_json_raw(out, msg, strlen(msg));
		sg_json_raw(out, "\n", 1);
		return;
	}
	sg_json_open(out, '{');
	sg_json_key(out, "ok");
	sg_json_bool(out, false);
	sg_json_key(out, "error");
	sg_json_str(out, msg);
	sg_json_close(out, '}');
	sg_json_raw(out, "\n", 1);
}

static void answer_message(struct sg_json *out, bool as_text, const char *msg)
{
	if (as_text) {
		sg_json_raw(out, "ok\n", 3);
		sg_json_raw(out, msg, strlen(msg));
		sg_json_raw(out, "\n", 1);
		return;
	}
	sg_json_open(out, '{');
	sg_json_key(out, "ok");
	sg_json_bool(out, true);
	sg_json_key(out, "message");
	sg_json_str(out, msg);
	sg_json_close(out, '}');
	sg_json_raw(out, "\n", 1);
}

/* /proc/self/mountinfo, for the cells' memory cgroups; NULL if unreadable. */
static char *read_mountinfo(void)
{
	int fd = open("/proc/self/mountinfo", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return NULL;
	size_t cap = 65536, len = 0;
	char *buf = malloc(cap);
	ssize_t n = 0;
	while (buf != NULL && (n = read(fd, buf + len, cap - 1 - len)) > 0) {
		len += (size_t)n;
		if (len == cap - 1 && cap < MOUNTINFO_MAX) {
			char *b = realloc(buf, cap * 2);
			if (b == NULL)
				break;
			buf = b;
			cap *= 2;
		} else if (len == cap - 1) {
			break;
		}
	}
	close(fd);
	if (buf != NULL)
		buf[len] = '\0';
	return buf;
}

static void status(struct sg_gateway *gw, uid_t uid, const struct sg_control_req *req,
		   struct sg_app *one, struct sg_json *out)
{
	struct sg_status_worker *workers = calloc(SG_MAX_WORKERS, sizeof *workers);
	char *mountinfo = read_mountinfo();
	uint64_t now = sg_now_ms();
	struct sg_status_app st;
	if (workers == NULL) {
		answer_error(out, req->text, "out of memory");
		free(mountinfo);
		return;
	}
	if (req->text) {
		sg_json_raw(out, "ok\n", 3);
	} else {
		sg_json_open(out, '{');
		sg_json_key(out, "ok");
		sg_json_bool(out, true);
		sg_json_key(out, "apps");
		sg_json_open(out, '[');
	}
	int shown = 0;
	for (int i = 0; i < gw->n_apps; i++) {
		struct sg_app *app = gw->apps[i];
		if (app->removed || !may_see(app, uid) || (one != NULL && app != one))
			continue;
		sg_status_snapshot(app, mountinfo, now, &st, workers);
		if (req->text)
			sg_status_text(out, &st);
		else
			sg_status_json(out, &st);
		shown++;
	}
	if (req->text && shown == 0)
		sg_json_raw(out, "no apps\n", 8);
	if (!req->text) {
		sg_json_close(out, ']');
		sg_json_close(out, '}');
		sg_json_raw(out, "\n", 1);
	}
	free(workers);
	free(mountinfo);
}

static void reload(struct sg_app *app, bool as_text, struct sg_json *out)
{
	struct sg_error err;
	char msg[700];
	if (app->gw->stopping) {
		answer_error(out, as_text, "the gateway is stopping");
		return;
	}
	if (sg_app_reload_under_way(app)) {
		snprintf(msg, sizeof msg, "app %s: busy: its previous reload is still under way "
					  "(a cell starting or draining); try again", app->conf.name);
		answer_error(out, as_text, msg);
		return;
	}
	if (sg_app_restart(app, &err) < 0) {
		/* Logged like SIGHUP's failures, so that status shows it as the
		 * last error; the app is retried after the backoff if it has no
		 * cell left. */
		sg_app_error(app, "cannot start its new cell: %s", err.msg);
		snprintf(msg, sizeof msg, "app %s: cannot start a new cell: %s", app->conf.name,
			 err.msg);
		answer_error(out, as_text, msg);
		return;
	}
	if (app->idle) {
		snprintf(msg, sizeof msg, "app %s: idle (on demand): its next request starts a "
			 "new cell", app->conf.name);
		answer_message(out, as_text, msg);
		return;
	}
	const struct sg_cell *c = app->next != NULL ? app->next : app->cell;
	snprintf(msg, sizeof msg, "app %s: new cell starting (zygote pid %d)%s", app->conf.name,
		 c != NULL ? (int)c->pid : 0,
		 app->cell != NULL && app->next != NULL ? "; the old one drains once it is ready"
							 : "");
	answer_message(out, as_text, msg);
}

static void stop(struct sg_app *app, bool as_text, struct sg_json *out)
{
	char msg[300];
	bool had = app->cell != NULL || app->next != NULL;
	sg_app_stop(app);
	snprintf(msg, sizeof msg,
		 "app %s: %s; requests get 503 until `sandgate reload %s`", app->conf.name,
		 had ? "stopping (its cell finishes the requests in flight)" : "stopped",
		 app->conf.name);
	answer_message(out, as_text, msg);
}

void sg_control_answer(struct sg_gateway *gw, uid_t uid, const char *line, size_t len,
		       struct sg_json *out)
{
	struct sg_control_req req;
	struct sg_error err;
	if (sg_control_parse(line, len, &req, &err) < 0) {
		/* Both forms: a text client gets an answer it can show too. */
		answer_error(out, len >= 5 && memcmp(line, "text ", 5) == 0, err.msg);
		return;
	}
	struct sg_app *app = NULL;
	if (req.app[0] != '\0') {
		app = sg_app_find(gw, req.app, strlen(req.app));
		if (app == NULL || !may_see(app, uid)) {
			/* Another user's app is answered like one that does not exist. */
			char msg[SG_NAME_MAX + 32];
			snprintf(msg, sizeof msg, "no app named %s", req.app);
			answer_error(out, req.text, msg);
			return;
		}
	}
	if (req.cmd == SG_CONTROL_STATUS) {
		status(gw, uid, &req, app, out);
		return;
	}
	sg_info("control: uid %lu: %s %s", (unsigned long)uid,
		req.cmd == SG_CONTROL_RELOAD ? "reload" : "stop", app->conf.name);
	if (req.cmd == SG_CONTROL_RELOAD)
		reload(app, req.text, out);
	else
		stop(app, req.text, out);
}
