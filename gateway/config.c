/* The configuration file: libconfig text -> struct sg_config, with every
 * problem collected as "FILE:LINE: message" rather than stopping at the
 * first one, so that `sandgate check` can list them all.
 *
 * sg_config_parse and sg_config_parse_at are pure (text in, model and
 * messages out); only sg_config_load touches the file system. User names
 * are looked up later, by sg_config_resolve (config_resolve.c). This file
 * holds the entry points, the top level and the checks across entries;
 * config_internal.h lists the others.
 *
 * The settings, their types, defaults and ranges are documented in
 * README.md ("Configuration file") and examples/sandgate.conf. */
#include "config_internal.h"

#include <errno.h>
#include <limits.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/un.h>

#include "log.h"

/* ------------------------------------------------------------------ */
/* The top level                                                       */

/* control = "unix:/absolute/path" or "none" (gateway/control.h). */
static void parse_control(struct parse_ctx *c, const config_setting_t *s, struct sg_config *cfg)
{
	char text[sizeof cfg->control];
	struct sg_addr addr;
	struct sg_error err;
	if (!cfg_get_string(c, s, "control", text, sizeof text))
		return;
	if (strcmp(text, "none") != 0 &&
	    (strncmp(text, "unix:/", 6) != 0 || sg_addr_parse(text, &addr, &err) < 0)) {
		cfg_problem(c, s, "control must be \"unix:/absolute/path\" or \"none\", got \"%s\"",
			    text);
		return;
	}
	snprintf(cfg->control, sizeof cfg->control, "%s", text);
}

static void parse_top(struct parse_ctx *c, const config_setting_t *root, struct sg_config *cfg)
{
	const config_setting_t *log_level = NULL, *use_syslog = NULL, *graceful = NULL,
			       *listeners = NULL, *apps = NULL, *control = NULL, *users = NULL,
			       *frontends = NULL, *cgi = NULL;
	struct cfg_key keys[] = {
		{ "log_level", &log_level }, { "syslog", &use_syslog },
		{ "graceful_timeout", &graceful }, { "listeners", &listeners }, { "apps", &apps },
		{ "control", &control }, { "users", &users }, { "frontends", &frontends },
		{ "cgi", &cgi },
	};
	cfg_match_keys(c, root, keys, CFG_N_KEYS(keys), "");
	char level[16];
	if (log_level != NULL && cfg_get_string(c, log_level, "log_level", level, sizeof level)) {
		int value = sg_log_level_parse(level);
		if (value < 0)
			cfg_problem(c, log_level, "log_level must be debug, info, warn or error, "
						  "got \"%s\"", level);
		else
			cfg->log_level = value;
	}
	if (use_syslog != NULL) {
		if (config_setting_type(use_syslog) != CONFIG_TYPE_BOOL)
			cfg_problem(c, use_syslog, "syslog must be true or false, not %s",
				    cfg_type_name(use_syslog));
		else
			cfg->syslog = config_setting_get_bool(use_syslog);
	}
	cfg_get_int_into(c, graceful, "graceful_timeout", 0, SG_MAX_GRACEFUL,
			 &cfg->graceful_timeout);
	if (control != NULL)
		parse_control(c, control, cfg);
	if (frontends != NULL)
		cfg_parse_frontends(c, frontends, cfg);
	if (listeners != NULL)
		cfg_parse_listeners(c, listeners, cfg);
	if (apps != NULL)
		cfg_parse_apps(c, apps, cfg);
	if (users != NULL)
		cfg_parse_users(c, users, cfg);
	if (cgi != NULL)
		cfg_parse_cgi(c, cgi, cfg);
	/* With self-service or CGI, the apps may all come from users. */
	if (users == NULL && cgi == NULL &&
	    (apps == NULL || (config_setting_is_list(apps) && config_setting_length(apps) == 0)))
		cfg_problem_at(c, apps != NULL ? cfg_line_of(apps) : 0,
			       "no apps: add apps = ( { name = \"x\"; module = \"app.py\"; } );");
}

/* ------------------------------------------------------------------ */
/* Checks across entries                                               */

static void check_app_names(struct parse_ctx *c, const struct sg_config *cfg)
{
	for (int i = 0; i < cfg->n_apps; i++) {
		const struct sg_app_conf *a = &cfg->apps[i];
		for (int j = 0; j < i && a->name[0] != '\0'; j++) {
			if (strcmp(a->name, cfg->apps[j].name) == 0) {
				cfg_problem_at(c, a->line,
					       "app name \"%s\" is already used on line %d",
					       a->name, cfg->apps[j].line);
				break;
			}
		}
	}
}

/* Requests reach an app on its own socket, or through a listener. */
bool sg_listener_routes_apps(const struct sg_listener_conf *l)
{
	return l->kind != SG_LISTEN_CGI && !l->cgi;
}

/* An app without a socket needs a listener that routes to apps (a launcher
 * or cgi = true listener runs CGI scripts only). */
static void check_reachable(struct parse_ctx *c, const struct sg_config *cfg)
{
	for (int i = 0; i < cfg->n_listeners; i++)
		if (sg_listener_routes_apps(&cfg->listeners[i]))
			return;
	for (int i = 0; i < cfg->n_apps; i++) {
		const struct sg_app_conf *a = &cfg->apps[i];
		if (!a->has_socket && a->kind != SG_APP_CGI)
			cfg_problem_at(c, a->line, "app \"%s\" is not reachable: give it a socket "
						   "or add a listener", a->name);
	}
}

static void check_listener_names(struct parse_ctx *c, const struct sg_config *cfg)
{
	for (int i = 0; i < cfg->n_listeners; i++) {
		const struct sg_listener_conf *l = &cfg->listeners[i];
		for (int j = 0; j < i && l->name[0] != '\0'; j++) {
			if (strcmp(l->name, cfg->listeners[j].name) == 0) {
				cfg_problem_at(c, l->line,
					       "listener name \"%s\" is already used on line %d",
					       l->name, cfg->listeners[j].line);
				break;
			}
		}
	}
}

/* The listeners that route to an app: listener_mask, where 0 means all. */
static uint32_t route_set(const struct sg_config *cfg, const struct sg_app_conf *a)
{
	if (a->listener_mask != 0)
		return a->listener_mask;
	return cfg->n_listeners >= 32 ? UINT32_MAX : ((uint32_t)1 << cfg->n_listeners) - 1;
}

/* Routing only happens on listeners, so only then must routes differ; and
 * two apps only compete on a listener that routes to both. */
static void check_routes(struct parse_ctx *c, const struct sg_config *cfg)
{
	if (cfg->n_listeners == 0)
		return;
	for (int i = 0; i < cfg->n_apps; i++) {
		const struct sg_app_conf *a = &cfg->apps[i];
		for (int j = 0; j < i; j++) {
			const struct sg_app_conf *b = &cfg->apps[j];
			if (strcmp(a->prefix, b->prefix) != 0 || strcasecmp(a->host, b->host) != 0 ||
			    (route_set(cfg, a) & route_set(cfg, b)) == 0)
				continue;
			const char *quote = a->host[0] != '\0' ? "\"" : "";
			cfg_problem_at(c, a->line,
				       "app \"%s\" has the same route as app \"%s\" on line %d "
				       "(host %s%s%s, prefix \"%s\"); give one a route.prefix, "
				       "route.host or route.listeners", a->name, b->name, b->line,
				       quote, a->host[0] ? a->host : "any", quote, a->prefix);
			break;
		}
	}
}

static bool same_inet(const struct sg_addr *a, const struct sg_addr *b)
{
	int fa = a->ss.ss_family, fb = b->ss.ss_family;
	const struct sockaddr_in *a4 = (const void *)&a->ss, *b4 = (const void *)&b->ss;
	const struct sockaddr_in6 *a6 = (const void *)&a->ss, *b6 = (const void *)&b->ss;
	in_port_t pa = fa == AF_INET ? a4->sin_port : a6->sin6_port;
	in_port_t pb = fb == AF_INET ? b4->sin_port : b6->sin6_port;
	if (pa != pb)
		return false;
	/* A dual-stack "::" wildcard takes the port on IPv4 too. */
	if ((fa == AF_INET6 && IN6_IS_ADDR_UNSPECIFIED(&a6->sin6_addr)) ||
	    (fb == AF_INET6 && IN6_IS_ADDR_UNSPECIFIED(&b6->sin6_addr)))
		return true;
	if (fa != fb)
		return false;
	if (fa == AF_INET)
		return a4->sin_addr.s_addr == b4->sin_addr.s_addr ||
		       a4->sin_addr.s_addr == htonl(INADDR_ANY) ||
		       b4->sin_addr.s_addr == htonl(INADDR_ANY);
	return memcmp(&a6->sin6_addr, &b6->sin6_addr, sizeof a6->sin6_addr) == 0;
}

static bool same_addr(const struct sg_addr *a, const struct sg_addr *b)
{
	if (a->is_unix != b->is_unix)
		return false;
	if (a->is_unix) {
		const struct sockaddr_un *ua = (const void *)&a->ss, *ub = (const void *)&b->ss;
		return strncmp(ua->sun_path, ub->sun_path, sizeof ua->sun_path) == 0;
	}
	return same_inet(a, b);
}

struct endpoint {
	const struct sg_addr *addr;
	int line;
};

static void check_addresses(struct parse_ctx *c, const struct sg_config *cfg)
{
	struct endpoint ep[SG_MAX_LISTENERS + SG_MAX_APPS];
	int n = 0;
	for (int i = 0; i < cfg->n_listeners; i++)
		if (cfg->listeners[i].addr.len > 0)
			ep[n++] = (struct endpoint){ &cfg->listeners[i].addr,
						     cfg->listeners[i].line };
	for (int i = 0; i < cfg->n_apps; i++)
		if (cfg->apps[i].has_socket)
			ep[n++] = (struct endpoint){ &cfg->apps[i].socket, cfg->apps[i].line };
	for (int i = 0; i < n; i++) {
		for (int j = 0; j < i; j++) {
			if (same_addr(ep[i].addr, ep[j].addr)) {
				cfg_problem_at(c, ep[i].line,
					       "address %s is already used on line %d",
					       ep[i].addr->text, ep[j].line);
				break;
			}
		}
	}
}

/* ------------------------------------------------------------------ */
/* Entry points                                                        */

void sg_config_defaults_app(struct sg_app_conf *app)
{
	memset(app, 0, sizeof *app);
	app->uid = (uid_t)-1;
	app->gid = (gid_t)-1;
	app->processes = 2;
	app->max_requests = 0;
	app->timeout = 60;
	app->queue = 100;
	app->max_start_failures = SG_DEFAULT_START_FAILURES;
	app->queue_timeout = SG_DEFAULT_QUEUE_TIMEOUT;
	app->max_body = SG_DEFAULT_MAX_BODY;
	app->socket_mode = 0660;
	app->socket_gid = (gid_t)-1;
	app->memory = SG_LIMIT_DEFAULT;
	app->pids = SG_LIMIT_DEFAULT;
	app->cpu_us = SG_LIMIT_DEFAULT;
	app->network = SG_NET_NONE;
	app->n_bind_ports = SG_PORTS_ANY;
	app->n_connect_ports = SG_PORTS_ANY;
	app->tmp_size = SG_DEFAULT_TMP_SIZE;
	snprintf(app->policy, sizeof app->policy, "%s", SG_DEFAULT_POLICY);
	app->seccomp = true;
}

static void config_init_empty(struct sg_config *cfg, const char *source)
{
	memset(cfg, 0, sizeof *cfg);
	snprintf(cfg->source, sizeof cfg->source, "%s", source);
	cfg->log_level = SG_LOG_INFO;
	cfg->graceful_timeout = 30;
}

void sg_config_free(struct sg_config *cfg)
{
	free(cfg->listeners);
	free(cfg->apps);
	free(cfg->users);
	cfg->users = NULL;
	free(cfg->cgi);
	cfg->cgi = NULL;
	cfg->listeners = NULL;
	cfg->apps = NULL;
	cfg->n_listeners = 0;
	cfg->n_apps = 0;
}

static void check_all(struct parse_ctx *c, const struct sg_config *cfg)
{
	check_app_names(c, cfg);
	check_listener_names(c, cfg);
	check_reachable(c, cfg);
	check_routes(c, cfg);
	check_addresses(c, cfg);
}

int sg_config_parse_at(const char *text, const char *file, const char *base_dir,
		       struct sg_config *cfg, struct sg_diags *d)
{
	struct parse_ctx c = { .file = file, .base_dir = base_dir, .d = d };
	config_init_empty(cfg, file);
	cfg_precheck_text(&c, text);
	if (c.problems > 0)
		return -1;

	config_t lc;
	config_init(&lc);
	/* On some syntax errors libconfig 1.5 leaks the string token it had
	 * just read (its grammar has no %destructor): a few bytes per rejected
	 * file, nothing to do about it from here. */
	if (config_read_string(&lc, text) != CONFIG_TRUE) {
		const char *why = config_error_text(&lc);
		if (why == NULL || strcmp(why, "syntax error") == 0)
			cfg_problem_at(&c, config_error_line(&lc), "syntax error");
		else
			cfg_problem_at(&c, config_error_line(&lc), "syntax error: %s", why);
		config_destroy(&lc);
		return -1;
	}
	parse_top(&c, config_root_setting(&lc), cfg);
	config_destroy(&lc);
	check_all(&c, cfg);
	return c.problems > 0 ? -1 : 0;
}

int sg_config_parse(const char *text, const char *file, struct sg_config *cfg,
		    struct sg_diags *d)
{
	char dir[PATH_MAX];
	const char *slash = strrchr(file, '/');
	if (slash == NULL)
		snprintf(dir, sizeof dir, ".");
	else if (slash == file)
		snprintf(dir, sizeof dir, "/");
	else
		snprintf(dir, sizeof dir, "%.*s", (int)(slash - file), file);
	return sg_config_parse_at(text, file, dir, cfg, d);
}

int sg_config_load(const char *path, struct sg_config *cfg, struct sg_diags *d)
{
	config_init_empty(cfg, path);
	char *text = cfg_read_text(path, d);
	if (text == NULL)
		return -1;
	char copy[PATH_MAX], dir[PATH_MAX];
	snprintf(copy, sizeof copy, "%s", path);
	char *slash = strrchr(copy, '/');
	if (slash == copy)
		copy[1] = '\0';
	else if (slash != NULL)
		*slash = '\0';
	else
		snprintf(copy, sizeof copy, ".");
	if (realpath(copy, dir) == NULL) {
		sg_diags_add(d, path, 0, "cannot read: %s: %s", copy, strerror(errno));
		free(text);
		return -1;
	}
	int rc = sg_config_parse_at(text, path, dir, cfg, d);
	free(text);
	return rc;
}
