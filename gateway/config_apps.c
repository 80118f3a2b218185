/* One entry of `apps`: its name first (it labels every other message
 * about the app), then each setting in order; and the list of them. */
#include "config_internal.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void parse_module(struct parse_ctx *c, const config_setting_t *s, struct sg_app_conf *app)
{
	char raw[PATH_MAX];
	struct sg_module_spec spec;
	struct sg_error err;
	if (!cfg_get_string(c, s, "module", raw, sizeof raw))
		return;
	if (sg_module_spec_parse(raw, &spec, &err) < 0) {
		cfg_problem(c, s, "%s", err.msg);
		return;
	}
	char target[PATH_MAX];
	if (spec.is_file && cfg_join_path(c->base_dir, spec.target, target, sizeof target) < 0) {
		cfg_problem(c, s, "module is too long once made absolute");
		return;
	}
	int n = snprintf(app->module, sizeof app->module, "%s%s%s",
			 spec.is_file ? target : spec.target, spec.callable[0] ? ":" : "",
			 spec.callable);
	if (n < 0 || (size_t)n >= sizeof app->module)
		cfg_problem(c, s, "module is too long once made absolute");
}

static void parse_pythonpath(struct parse_ctx *c, const config_setting_t *s,
			     struct sg_app_conf *app)
{
	if (config_setting_type(s) == CONFIG_TYPE_STRING) {
		if (cfg_get_path(c, s, "pythonpath", app->pythonpath[0], sizeof app->pythonpath[0]))
			app->n_pythonpath = 1;
		return;
	}
	if (!config_setting_is_array(s) && !config_setting_is_list(s)) {
		cfg_problem(c, s, "pythonpath must be a string or an array of strings, not %s",
			    cfg_type_name(s));
		return;
	}
	int n = config_setting_length(s);
	if (n > SG_MAX_PYTHONPATH) {
		cfg_problem(c, s, "pythonpath holds at most %d directories, got %d",
			    SG_MAX_PYTHONPATH, n);
		return;
	}
	for (int i = 0; i < n; i++) {
		char *dir = app->pythonpath[app->n_pythonpath];
		const config_setting_t *e = config_setting_get_elem(s, (unsigned)i);
		if (cfg_get_path(c, e, "pythonpath entry", dir, sizeof app->pythonpath[0]))
			app->n_pythonpath++;
	}
}

static void parse_user(struct parse_ctx *c, const config_setting_t *s, struct sg_app_conf *app)
{
	if (!cfg_get_string(c, s, "user", app->user, sizeof app->user))
		return;
	const char *u = app->user;
	if (u[0] == '\0' || u[0] == '-' || strpbrk(u, " /:") != NULL) {
		cfg_problem(c, s, "user \"%s\" is not a valid user name", u);
		app->user[0] = '\0';
	}
}

/* Settings of one app entry; matched by name, then read in order. */
struct app_settings {
	const config_setting_t *name, *module, *chdir, *pythonpath, *venv, *user, *processes,
		*max_requests, *timeout, *queue, *max_start_failures, *idle_timeout, *queue_timeout, *min_workers, *max_workers, *max_body, *socket, *socket_mode, *socket_group,
		*route, *log, *access_log, *memory, *pids, *cpu;
	struct cfg_sandbox_keys sandbox;
};

static void match_app_keys(struct parse_ctx *c, const config_setting_t *g,
			   struct app_settings *k)
{
	struct cfg_key keys[] = {
		{ "name", &k->name }, { "module", &k->module }, { "chdir", &k->chdir },
		{ "pythonpath", &k->pythonpath }, { "venv", &k->venv }, { "user", &k->user },
		{ "processes", &k->processes }, { "max_requests", &k->max_requests },
		{ "timeout", &k->timeout }, { "queue", &k->queue }, { "max_body", &k->max_body },
		{ "max_start_failures", &k->max_start_failures },
		{ "idle_timeout", &k->idle_timeout }, { "queue_timeout", &k->queue_timeout },
		{ "min_workers", &k->min_workers }, { "max_workers", &k->max_workers },
		{ "socket", &k->socket }, { "socket_mode", &k->socket_mode },
		{ "socket_group", &k->socket_group },
		{ "route", &k->route }, { "log", &k->log }, { "access_log", &k->access_log },
		{ "memory", &k->memory }, { "pids", &k->pids }, { "cpu", &k->cpu },
		CFG_SANDBOX_KEYS(&k->sandbox),
	};
	cfg_match_keys(c, g, keys, CFG_N_KEYS(keys), c->label);
}

/* The name comes first: it labels every other message about the app. */
static void parse_app_name(struct parse_ctx *c, const config_setting_t *g, int index,
			   const config_setting_t *name, struct sg_app_conf *app)
{
	struct sg_error err;
	snprintf(c->label, sizeof c->label, "app #%d", index + 1);
	if (name == NULL) {
		cfg_problem_at(c, cfg_line_of(g), "%s has no name (name = \"...\"; letters, "
						  "digits, _ . -)", c->label);
		return;
	}
	if (!cfg_get_string(c, name, "name", app->name, sizeof app->name))
		return;
	if (sg_config_check_name(app->name, &err) < 0) {
		cfg_problem(c, name, "%s", err.msg);
		app->name[0] = '\0';
		return;
	}
	snprintf(c->label, sizeof c->label, "app \"%s\"", app->name);
}

/* processes = N is a fixed count; min_workers and max_workers a range
 * (min_workers 1 and max_workers = min_workers when not given). The range
 * is kept as processes = max_workers, the scoreboard's slots. */
static void parse_workers(struct parse_ctx *c, const struct app_settings *k,
			  struct sg_app_conf *app)
{
	int min = 1, max = 0;
	if (k->min_workers == NULL && k->max_workers == NULL)
		return;
	if (k->processes != NULL) {
		cfg_problem(c, k->processes, "processes and min_workers/max_workers: give either a "
					     "fixed count (processes) or a range (min_workers, "
					     "max_workers)");
		return;
	}
	cfg_get_int_into(c, k->min_workers, "min_workers", 1, SG_MAX_PROCESSES, &min);
	cfg_get_int_into(c, k->max_workers, "max_workers", 1, SG_MAX_PROCESSES, &max);
	if (max == 0)
		max = min;
	if (min > max) {
		cfg_problem(c, k->min_workers, "min_workers (%d) is more than max_workers (%d)", min,
			    max);
		return;
	}
	app->processes = max;
	app->min_workers = min < max ? min : 0;
}

static void parse_app_limits(struct parse_ctx *c, const struct app_settings *k,
			     struct sg_app_conf *app)
{
	cfg_get_int_into(c, k->processes, "processes", 1, SG_MAX_PROCESSES, &app->processes);
	parse_workers(c, k, app);
	cfg_get_int_into(c, k->max_requests, "max_requests", 0, INT_MAX, &app->max_requests);
	cfg_get_int_into(c, k->timeout, "timeout", 1, SG_MAX_TIMEOUT, &app->timeout);
	cfg_get_int_into(c, k->queue, "queue", 0, SG_MAX_QUEUE, &app->queue);
	cfg_get_int_into(c, k->max_start_failures, "max_start_failures", 0, SG_MAX_START_FAILURES,
			 &app->max_start_failures);
	cfg_get_int_into(c, k->idle_timeout, "idle_timeout", 0, SG_MAX_IDLE_TIMEOUT,
			 &app->idle_timeout);
	cfg_get_int_into(c, k->queue_timeout, "queue_timeout", 1, SG_MAX_QUEUE_TIMEOUT,
			 &app->queue_timeout);
	if (k->max_body != NULL)
		cfg_get_int(c, k->max_body, "max_body", 0, LLONG_MAX, &app->max_body);
}

/* cpu = 0.5 is a number with a fraction, which libconfig keeps as a
 * double: rounded to the microsecond. */
static void parse_cpu(struct parse_ctx *c, const config_setting_t *s, struct sg_app_conf *app)
{
	char text[64];
	struct sg_error err;
	if (config_setting_type(s) == CONFIG_TYPE_FLOAT) {
		double v = config_setting_get_float(s);
		if (!(v >= (double)SG_MIN_CPU_US / SG_CPU_PERIOD_US &&
		      v <= (double)SG_MAX_CPU_US / SG_CPU_PERIOD_US))
			cfg_problem(c, s, "cpu must be 0.01..1024 CPUs, got %g", v);
		else
			app->cpu_us = (int)(v * SG_CPU_PERIOD_US + 0.5);
		return;
	}
	if (cfg_get_limit_text(c, s, "cpu", "a number such as 0.5 or a string such as \"50%\"", text,
		       sizeof text) && sg_config_parse_cpu(text, &app->cpu_us, &err) < 0)
		cfg_problem(c, s, "cpu: %s", err.msg);
}

static void parse_app_cgroup(struct parse_ctx *c, const struct app_settings *k,
			     struct sg_app_conf *app)
{
	char text[64];
	struct sg_error err;
	if (k->memory != NULL &&
	    cfg_get_limit_text(c, k->memory, "memory", "bytes (an integer) or a string such as \"512M\"",
		       text, sizeof text) &&
	    sg_config_parse_memory(text, &app->memory, &err) < 0)
		cfg_problem(c, k->memory, "memory: %s", err.msg);
	if (k->pids != NULL &&
	    cfg_get_limit_text(c, k->pids, "pids", "an integer or \"max\"", text, sizeof text)) {
		if (sg_config_parse_pids(text, &app->pids, &err) < 0 ||
		    sg_config_check_pids(app->pids, app->processes, &err) < 0)
			cfg_problem(c, k->pids, "pids: %s", err.msg);
	}
	if (k->cpu != NULL)
		parse_cpu(c, k->cpu, app);
}

/* socket_mode and socket_group (s, named what) need the app's own socket,
 * and a unix: one; tcp_why says why. A bad address is reported already. */
static bool on_unix_socket(struct parse_ctx *c, const config_setting_t *s, const char *what,
			   const char *tcp_why, const struct app_settings *k,
			   const struct sg_app_conf *app)
{
	if (k->socket == NULL) {
		cfg_problem(c, s, "%s needs a socket", what);
		return false;
	}
	if (app->has_socket && !app->socket.is_unix) {
		cfg_problem(c, s, "%s applies only to unix: sockets; %s", what, tcp_why);
		return false;
	}
	return true;
}

static void parse_app_socket(struct parse_ctx *c, const struct app_settings *k,
			     struct sg_app_conf *app)
{
	if (k->socket != NULL)
		app->has_socket = cfg_get_addr(c, k->socket, "socket", &app->socket);
	if (k->socket_mode != NULL &&
	    on_unix_socket(c, k->socket_mode, "socket_mode", "a TCP port is open to every local "
							     "user", k, app) &&
	    cfg_get_mode(c, k->socket_mode, &app->socket_mode) && (app->socket_mode & 0002))
		cfg_problem(c, k->socket_mode, "socket_mode %#o lets every local user connect "
					       "and forge SCGI variables (S8); drop the write bit "
					       "for others", app->socket_mode);
	if (k->socket_group != NULL &&
	    on_unix_socket(c, k->socket_group, "socket_group", "a TCP port has no group", k, app))
		cfg_get_group(c, k->socket_group, app->socket_group, sizeof app->socket_group);
}

/* cfg: the listeners, parsed already, which route.listeners names. */
static void parse_app(struct parse_ctx *c, const config_setting_t *g, int index,
		      const struct sg_config *cfg, struct sg_app_conf *app)
{
	struct app_settings k = { 0 };
	sg_config_defaults_app(app);
	app->line = cfg_line_of(g);
	parse_app_name(c, g, index, config_setting_get_member(g, "name"), app);
	match_app_keys(c, g, &k);

	if (k.module == NULL)
		cfg_problem_at(c, cfg_line_of(g), "%s has no module (module = \"app.py\" or "
					      "\"package.module:callable\")", c->label);
	else
		parse_module(c, k.module, app);
	if (k.chdir != NULL)
		cfg_get_path(c, k.chdir, "chdir", app->chdir, sizeof app->chdir);
	if (k.pythonpath != NULL)
		parse_pythonpath(c, k.pythonpath, app);
	if (k.venv != NULL)
		cfg_get_path(c, k.venv, "venv", app->venv, sizeof app->venv);
	if (k.user != NULL)
		parse_user(c, k.user, app);
	parse_app_limits(c, &k, app);
	parse_app_cgroup(c, &k, app);
	parse_app_socket(c, &k, app);
	cfg_parse_app_sandbox(c, &k.sandbox, app);
	if (k.route != NULL)
		cfg_parse_route(c, k.route, cfg, app);
	if (k.log != NULL)
		cfg_get_path(c, k.log, "log", app->log, sizeof app->log);
	if (k.access_log != NULL)
		cfg_get_path(c, k.access_log, "access_log", app->access_log,
			     sizeof app->access_log);
}

void cfg_parse_apps(struct parse_ctx *c, const config_setting_t *s, struct sg_config *cfg)
{
	int n = cfg_group_list_length(c, s, "apps", "{ name = \"x\"; module = \"app.py\"; }",
				      SG_MAX_APPS);
	if (n <= 0)
		return;
	cfg->apps = calloc((size_t)n, sizeof *cfg->apps);
	if (cfg->apps == NULL) {
		cfg_problem(c, s, "out of memory");
		return;
	}
	for (int i = 0; i < n; i++)
		parse_app(c, config_setting_get_elem(s, (unsigned)i), i, cfg, &cfg->apps[i]);
	cfg->n_apps = n;
	c->label[0] = '\0';
}
