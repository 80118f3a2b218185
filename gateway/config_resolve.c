/* Who each app runs as, the uids behind allow_uids and frontends names,
 * and the gids behind socket_group (config_group.c).
 *
 * As root (system mode) the gateway can run an app as anyone but root: an
 * app without `user` runs as "nobody" (logged, so it is not a surprise),
 * and a user whose uid or primary gid is 0 is refused. As a normal user
 * (user mode) the gateway can only run apps as itself, so `user` must be
 * absent or name that same account.
 *
 * Also the cell limits' defaults, which depend on the same mode. */
#include "config.h"

#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "log.h"

#define DEFAULT_USER "nobody"

struct resolve_ctx {
	const struct sg_config *cfg;
	struct sg_diags *d;
	uid_t gateway_uid;
	bool from_cli;  /* the source is "command line": messages have no line */
	/* --socket-group names one group for every socket: a problem with it
	 * is reported once. */
	bool cli_group_failed;
	int problems;   /* counted here: sg_diags_add may drop messages */
};

static void __attribute__((format(printf, 3, 4)))
problem(struct resolve_ctx *r, int line, const char *fmt, ...)
{
	char msg[400];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	sg_diags_add(r->d, r->cfg->source, line, "%s", msg);
	r->problems++;
}

/* Messages name the app in a file (`app "blog"`), and the option on the
 * command line (`--user alice: ...`), where there is only one app. */
static void unknown_user(struct resolve_ctx *r, const struct sg_app_conf *app, const char *user)
{
	if (r->from_cli)
		problem(r, 0, "--user %s: unknown user", user);
	else
		problem(r, app->line, "app \"%s\": unknown user \"%s\"", app->name, user);
}

static void resolve_as_root(struct resolve_ctx *r, struct sg_app_conf *app)
{
	const char *user = app->user[0] != '\0' ? app->user : DEFAULT_USER;
	if (app->user[0] == '\0')
		sg_info("app %s has no user set; it will run as %s", app->name, DEFAULT_USER);
	const struct passwd *pw = getpwnam(user);
	if (pw == NULL) {
		unknown_user(r, app, user);
	} else if (pw->pw_uid == 0) {
		if (r->from_cli)
			problem(r, 0, "--user %s: the app would run as root (uid 0); name an "
				      "unprivileged account", user);
		else
			problem(r, app->line, "app \"%s\" would run as root (uid 0); set user to an "
					      "unprivileged account", app->name);
	} else if (pw->pw_gid == 0) {
		if (r->from_cli)
			problem(r, 0, "--user %s: its primary group is root (gid 0); name an "
				      "account whose group is not root", user);
		else
			problem(r, app->line, "app \"%s\": user %s has root (gid 0) as its primary "
					      "group; choose an account whose group is not root",
				app->name, user);
	} else {
		app->uid = pw->pw_uid;
		app->gid = pw->pw_gid;
	}
}

static void resolve_as_self(struct resolve_ctx *r, struct sg_app_conf *app, uid_t self)
{
	if (app->user[0] != '\0') {
		const struct passwd *pw = getpwnam(app->user);
		if (pw == NULL) {
			unknown_user(r, app, app->user);
			return;
		}
		if (pw->pw_uid != self) {
			if (r->from_cli)
				problem(r, 0, "--user %s: only root can run apps as another user",
					app->user);
			else
				problem(r, app->line, "app \"%s\": user %s: only root can run apps "
						      "as another user", app->name, app->user);
			return;
		}
	}
	const struct passwd *me = getpwuid(self);
	app->uid = self;
	app->gid = me != NULL ? me->pw_gid : getegid();
}

static void resolve_allow_names(struct resolve_ctx *r, struct sg_listener_conf *l)
{
	for (int i = 0; i < l->n_allow_uids; i++) {
		const char *name = l->allow_names[i];
		if (name[0] == '\0')
			continue;
		const struct passwd *pw = getpwnam(name);
		if (pw == NULL) {
			if (r->from_cli)
				problem(r, l->line, "--allow-uid %s: unknown user", name);
			else
				problem(r, l->line, "allow_uids: unknown user \"%s\"", name);
			continue;
		}
		l->allow_uids[i] = pw->pw_uid;
	}
}

static void resolve_frontends(struct resolve_ctx *r, struct sg_frontends *f)
{
	for (int i = 0; i < f->n; i++) {
		if (f->names[i][0] == '\0')
			continue;
		const struct passwd *pw = getpwnam(f->names[i]);
		if (pw == NULL)
			problem(r, f->line, "frontends: unknown user \"%s\"", f->names[i]);
		else
			f->uids[i] = pw->pw_uid;
	}
}

/* label names the socket's entry in a file: "listener", "app \"blog\"". */
static void resolve_socket_group(struct resolve_ctx *r, const char *group, gid_t *gid, int line,
				 const char *label)
{
	struct sg_error err;
	if (group[0] == '\0' || (r->from_cli && r->cli_group_failed))
		return;
	if (sg_config_lookup_group(group, r->gateway_uid, gid, &err) == 0)
		return;
	if (r->from_cli) {
		problem(r, 0, "--socket-group: %s", err.msg);
		r->cli_group_failed = true;
	} else {
		problem(r, line, "%s: socket_group: %s", label, err.msg);
	}
}

/* Limits not set get the mode's default: as root pids = 512 (a fork bomb
 * stays in its cell), memory and cpu none; as a normal user none at all,
 * since cgroups are writable without root only where delegated. */
static void default_limits(struct sg_app_conf *app, uid_t gateway_uid)
{
	if (app->memory == SG_LIMIT_DEFAULT)
		app->memory = SG_LIMIT_NONE;
	if (app->pids == SG_LIMIT_DEFAULT)
		app->pids = gateway_uid == 0 ? SG_DEFAULT_PIDS : SG_LIMIT_NONE;
	if (app->cpu_us == SG_LIMIT_DEFAULT)
		app->cpu_us = SG_LIMIT_NONE;
}

static void resolve_app(struct resolve_ctx *r, struct sg_app_conf *app)
{
	char label[SG_NAME_MAX + 8];
	default_limits(app, r->gateway_uid);
	if (r->gateway_uid == 0)
		resolve_as_root(r, app);
	else
		resolve_as_self(r, app, r->gateway_uid);
	snprintf(label, sizeof label, "app \"%s\"", app->name);
	resolve_socket_group(r, app->socket_group, &app->socket_gid, app->line, label);
}

int sg_config_resolve(struct sg_config *cfg, uid_t gateway_uid, struct sg_diags *d)
{
	struct resolve_ctx r = {
		.cfg = cfg,
		.d = d,
		.gateway_uid = gateway_uid,
		.from_cli = strcmp(cfg->source, "command line") == 0,
	};
	for (int i = 0; i < cfg->n_apps; i++)
		resolve_app(&r, &cfg->apps[i]);
	for (int i = 0; i < cfg->n_listeners; i++) {
		struct sg_listener_conf *l = &cfg->listeners[i];
		resolve_allow_names(&r, l);
		resolve_socket_group(&r, l->socket_group, &l->socket_gid, l->line, "listener");
	}
	resolve_frontends(&r, &cfg->frontends);
	return r.problems > 0 ? -1 : 0;
}
