/* A user's own apps file: the system file's `apps` syntax (parsed by
 * config_apps.c), then the rules of self-service, each problem named
 * "FILE:LINE: app "x": what and why":
 *
 *  - every app runs as the file's owner (user = another name is refused);
 *  - nothing the gateway would open or create with its own rights: no
 *    socket (the shared listeners reach the app), no log or access_log;
 *  - no seccomp = false; policy and network only among the admin's;
 *  - route.host matches one of the admin's host patterns, and then the
 *    app may take any path of that host (the whole host by default);
 *    without a host, route.prefix is at or under one of the admin's
 *    prefixes, "/~OWNER" by default (default route: the first one, then
 *    /NAME) ("%u" being OWNER in both kinds of pattern);
 *  - processes, memory, pids, cpu, timeout, queue, queue_timeout,
 *    max_body and tmp_size at most the admin's ceilings: above one, the
 *    file is refused or the value clamped (the admin's `over`); left out,
 *    the value is the ceiling, or the app's default when that is lower;
 *  - idle_timeout, when the admin sets a ceiling, is on and at most it
 *    (0, never stopping, is above every ceiling);
 *  - the app's name becomes OWNER~NAME (config_users.h).
 * Any problem refuses the whole file: the user's apps stay as they were. */
#include "config_internal.h"
#include "config_users.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

struct user_ctx {
	struct parse_ctx *c;
	const char *owner;
	const struct sg_user_limits *l;
	struct sg_diags *warnings;
};

int sg_user_app_name(const char *owner, const char *name, char *out, size_t size)
{
	int n = snprintf(out, size, "%s~%s", owner, name);
	return n < 0 || (size_t)n >= size ? -1 : 0;
}

/* "256M" rather than 268435456 in messages. */
static void bytes_text(long long v, char *out, size_t size)
{
	static const char units[] = "TGMK";
	for (int i = 0; i < 4; i++) {
		long long unit = 1LL << (10 * (4 - i));
		if (v % unit == 0) {
			snprintf(out, size, "%lld%c", v / unit, units[i]);
			return;
		}
	}
	snprintf(out, size, "%lld", v);
}

static void cpu_text(int cpu_us, char *out, size_t size)
{
	snprintf(out, size, "%g", (double)cpu_us / SG_CPU_PERIOD_US);
}

/* A value above its ceiling: refused (a problem) or clamped (a warning). */
static bool over(struct user_ctx *u, const config_setting_t *s, const char *what,
		 const char *value, const char *limit)
{
	if (!u->l->clamp) {
		cfg_problem(u->c, s, "%s %s is above the admin's limit %s (refused)", what, value,
			    limit);
		return false;
	}
	sg_diags_add(u->warnings, u->c->file, cfg_line_of(s), "%s: %s %s is above the admin's "
		     "limit %s (clamped to %s)", u->c->label, what, value, limit, limit);
	return true;
}

static void ceiling_int(struct user_ctx *u, const config_setting_t *g, const char *key,
			int *value, int limit)
{
	const config_setting_t *s = config_setting_get_member(g, key);
	char v[32], l[32];
	if (*value <= limit)
		return;
	snprintf(v, sizeof v, "%d", *value);
	snprintf(l, sizeof l, "%d", limit);
	/* Left out: the default is above the ceiling, which is then the value. */
	if (s == NULL || over(u, s, key, v, l))
		*value = limit;
}

/* memory, pids, cpu: left out, or "max", is over any ceiling. */
static void ceiling_cgroup(struct user_ctx *u, const config_setting_t *g, const char *key,
			   long long *value, long long limit)
{
	const config_setting_t *s = config_setting_get_member(g, key);
	char v[32], l[32];
	if (s == NULL || *value == SG_LIMIT_DEFAULT) {
		*value = limit;
		return;
	}
	if (*value != SG_LIMIT_NONE && *value <= limit)
		return;
	if (strcmp(key, "memory") == 0) {
		bytes_text(*value, v, sizeof v);
		bytes_text(limit, l, sizeof l);
	} else if (strcmp(key, "cpu") == 0) {
		cpu_text((int)*value, v, sizeof v);
		cpu_text((int)limit, l, sizeof l);
	} else {
		snprintf(v, sizeof v, "%lld", *value);
		snprintf(l, sizeof l, "%lld", limit);
	}
	if (*value == SG_LIMIT_NONE)
		snprintf(v, sizeof v, "max");
	if (over(u, s, key, v, l))
		*value = limit;
}

/* max_body, tmp_size: sizes with a default of their own, kept when lower. */
static void ceiling_bytes(struct user_ctx *u, const config_setting_t *g, const char *key,
			  long long *value, long long limit)
{
	const config_setting_t *s = config_setting_get_member(g, key);
	char v[32], l[32];
	if (*value <= limit)
		return;
	bytes_text(*value, v, sizeof v);
	bytes_text(limit, l, sizeof l);
	if (s == NULL || over(u, s, key, v, l))
		*value = limit;
}

/* The admin's idle_timeout is the longest a cell may sit idle, so a user's
 * 0 (never stop) is above it, and leaving it out gives the ceiling. */
static void ceiling_idle(struct user_ctx *u, const config_setting_t *g, struct sg_app_conf *a)
{
	const config_setting_t *s = config_setting_get_member(g, "idle_timeout");
	int limit = u->l->idle_timeout;
	char v[32], l[32];
	if (limit == 0 || (a->idle_timeout > 0 && a->idle_timeout <= limit))
		return;
	snprintf(v, sizeof v, "%d%s", a->idle_timeout, a->idle_timeout == 0 ? " (never)" : "");
	snprintf(l, sizeof l, "%d", limit);
	if (s == NULL || over(u, s, "idle_timeout", v, l))
		a->idle_timeout = limit;
}

static void check_limits(struct user_ctx *u, const config_setting_t *g, struct sg_app_conf *a)
{
	long long memory = a->memory, pids = a->pids, cpu = a->cpu_us;
	ceiling_int(u, g, "processes", &a->processes, u->l->processes);
	ceiling_int(u, g, "timeout", &a->timeout, u->l->timeout);
	ceiling_int(u, g, "queue", &a->queue, u->l->queue);
	ceiling_int(u, g, "queue_timeout", &a->queue_timeout, u->l->queue_timeout);
	ceiling_bytes(u, g, "max_body", &a->max_body, u->l->max_body);
	ceiling_bytes(u, g, "tmp_size", &a->tmp_size, u->l->tmp_size);
	ceiling_idle(u, g, a);
	ceiling_cgroup(u, g, "memory", &memory, u->l->memory);
	ceiling_cgroup(u, g, "pids", &pids, u->l->pids);
	ceiling_cgroup(u, g, "cpu", &cpu, u->l->cpu_us);
	a->memory = memory;
	a->pids = (int)pids;
	a->cpu_us = (int)cpu;
	if (a->pids <= a->processes)
		cfg_problem(u->c, g, "pids %d must be above processes %d", a->pids, a->processes);
}

static void check_policy(struct user_ctx *u, const config_setting_t *g, struct sg_app_conf *a)
{
	const config_setting_t *s = config_setting_get_member(g, "policy");
	char allowed[SG_MAX_USER_POLICIES * (SG_NAME_MAX + 4)] = "";
	for (int i = 0; i < u->l->n_policies; i++) {
		if (strcmp(a->policy, u->l->policies[i]) == 0)
			return;
		size_t len = strlen(allowed);
		snprintf(allowed + len, sizeof allowed - len, "%s\"%s\"", i ? ", " : "",
			 u->l->policies[i]);
	}
	if (s == NULL && u->l->n_policies > 0) {
		/* The default "wsgi" is not among them: the admin's first. */
		snprintf(a->policy, sizeof a->policy, "%s", u->l->policies[0]);
		return;
	}
	cfg_problem(u->c, s != NULL ? s : g, "policy \"%s\" is not allowed by the admin "
		    "(allowed: %s)", a->policy, allowed[0] ? allowed : "none");
}

static void check_network(struct user_ctx *u, const config_setting_t *g, struct sg_app_conf *a)
{
	const config_setting_t *s = config_setting_get_member(g, "network");
	char allowed[64] = "";
	int first = -1;
	if (u->l->networks & (1u << a->network))
		return;
	for (int m = SG_NET_NONE; m <= SG_NET_HOST; m++) {
		if (!(u->l->networks & (1u << m)))
			continue;
		size_t len = strlen(allowed);
		snprintf(allowed + len, sizeof allowed - len, "%s\"%s\"", first >= 0 ? ", " : "",
			 sg_config_network_name((enum sg_network)m));
		if (first < 0)
			first = m;
	}
	if (s == NULL && first >= 0) {
		a->network = (enum sg_network)first;
		return;
	}
	cfg_problem(u->c, s != NULL ? s : g, "network \"%s\" is not allowed by the admin "
		    "(allowed: %s)", sg_config_network_name(a->network),
		    allowed[0] ? allowed : "none");
}

/* What a user file may not hold: the gateway would act on it with its
 * own rights, or it would lift the sandbox. */
static void check_forbidden(struct user_ctx *u, const config_setting_t *g,
			    const struct sg_app_conf *a)
{
	static const char *const keys[] = { "socket", "socket_mode", "socket_group", "log",
					    "access_log" };
	for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
		const config_setting_t *s = config_setting_get_member(g, keys[i]);
		if (s != NULL)
			cfg_problem(u->c, s, "%s is not allowed in a user's file (the gateway "
				    "would open it with its own rights); apps are reached through "
				    "the shared listeners", keys[i]);
	}
	const config_setting_t *s = config_setting_get_member(g, "user");
	if (s != NULL && strcmp(a->user, u->owner) != 0)
		cfg_problem(u->c, s, "user \"%s\": an app in %s's file runs as %s", a->user,
			    u->owner, u->owner);
	s = config_setting_get_member(g, "seccomp");
	if (s != NULL && !a->seccomp)
		cfg_problem(u->c, s, "seccomp = false is not allowed in a user's file");
}

/* "*.example.com" matches one or more labels before ".example.com"; %u
 * in a pattern is the file's owner. */
static bool host_allowed(const struct sg_user_limits *l, const char *owner, const char *host)
{
	size_t len = strcspn(host, ":");
	for (int i = 0; i < l->n_hosts; i++) {
		char p[256];
		if (sg_user_pattern(l->hosts[i], owner, p, sizeof p) < 0)
			continue;
		if (strncmp(p, "*.", 2) == 0) {
			size_t plen = strlen(p + 1); /* ".example.com" */
			if (len > plen && strncasecmp(host + len - plen, p + 1, plen) == 0)
				return true;
		} else if (strlen(p) == len && strncasecmp(host, p, len) == 0) {
			return true;
		}
	}
	return false;
}

/* At or under one of limits.prefixes, %u being the owner. */
static bool prefix_allowed(const struct user_ctx *u, const char *prefix)
{
	for (int i = 0; i < u->l->n_prefixes; i++) {
		char p[256];
		if (sg_user_pattern(u->l->prefixes[i], u->owner, p, sizeof p) < 0)
			continue;
		size_t n = strlen(p);
		if (strncmp(prefix, p, n) == 0 && (prefix[n] == '\0' || prefix[n] == '/'))
			return true;
	}
	return false;
}

static void check_route(struct user_ctx *u, const config_setting_t *g, struct sg_app_conf *a,
			const char *name)
{
	const config_setting_t *route = config_setting_get_member(g, "route");
	const config_setting_t *prefix = route != NULL && config_setting_is_group(route)
		? config_setting_get_member(route, "prefix") : NULL;
	const config_setting_t *host = route != NULL && config_setting_is_group(route)
		? config_setting_get_member(route, "host") : NULL;
	char first[256];
	if (sg_user_pattern(u->l->prefixes[0], u->owner, first, sizeof first) < 0)
		first[0] = '\0';
	/* A host of the user's own (a virtual host) holds any path: the app
	 * takes the whole host unless a prefix says otherwise. */
	bool own_host = host != NULL && a->host[0] != '\0';
	if (prefix == NULL && !own_host) {
		if (snprintf(a->prefix, sizeof a->prefix, "%s/%s", first, name) >=
		    (int)sizeof a->prefix)
			cfg_problem(u->c, g, "the default route.prefix %s/%s is too long", first,
				    name);
	} else if (prefix != NULL && !own_host && !prefix_allowed(u, a->prefix)) {
		cfg_problem(u->c, prefix, "route.prefix \"%s\" is outside the admin's prefixes "
			    "(%s%s): a user's apps are routed under those", a->prefix, first,
			    u->l->n_prefixes > 1 ? ", ..." : "");
	}
	if (host != NULL && a->host[0] != '\0' && !host_allowed(u->l, u->owner, a->host))
		cfg_problem(u->c, host, "route.host \"%s\" matches none of the admin's hosts "
			    "(users.limits.hosts: %d pattern%s)", a->host, u->l->n_hosts,
			    u->l->n_hosts == 1 ? "" : "s");
}

static void check_app(struct user_ctx *u, const config_setting_t *g, struct sg_app_conf *a)
{
	char name[SG_NAME_MAX];
	snprintf(name, sizeof name, "%s", a->name);
	snprintf(u->c->label, sizeof u->c->label, "app \"%s\"", name);
	check_forbidden(u, g, a);
	check_policy(u, g, a);
	check_network(u, g, a);
	check_limits(u, g, a);
	check_route(u, g, a, name);
	snprintf(a->user, sizeof a->user, "%s", u->owner);
	snprintf(a->owner, sizeof a->owner, "%s", u->owner);
	if (sg_user_app_name(u->owner, name, a->name, sizeof a->name) < 0)
		cfg_problem_at(u->c, a->line, "app \"%s\": the name %s~%s is too long (at most "
			       "%d bytes)", name, u->owner, name, SG_NAME_MAX - 1);
}

static void check_names(struct parse_ctx *c, const struct sg_config *out)
{
	for (int i = 0; i < out->n_apps; i++)
		for (int j = 0; j < i; j++)
			if (strcmp(out->apps[i].name, out->apps[j].name) == 0) {
				cfg_problem_at(c, out->apps[i].line, "app name \"%s\" is "
					       "already used on line %d", out->apps[i].name,
					       out->apps[j].line);
				break;
			}
}

/* Routes are unique across the gateway: the system file's apps and the
 * users' loaded before this one. */
static void check_routes(struct parse_ctx *c, const struct sg_config *sys,
			 const struct sg_config *out)
{
	for (int i = 0; i < out->n_apps; i++) {
		const struct sg_app_conf *a = &out->apps[i];
		for (int j = 0; j < sys->n_apps + i; j++) {
			const struct sg_app_conf *b = j < sys->n_apps ? &sys->apps[j]
								       : &out->apps[j - sys->n_apps];
			if (strcmp(a->prefix, b->prefix) == 0 && strcasecmp(a->host, b->host) == 0) {
				cfg_problem_at(c, a->line, "app \"%s\": route prefix \"%s\" is "
					       "already %s's", a->name, a->prefix, b->name);
				break;
			}
		}
	}
}

static void parse_root(struct parse_ctx *c, const config_setting_t *root, struct user_ctx *u,
		       const struct sg_config *sys, struct sg_config *out)
{
	const config_setting_t *apps = NULL, *cgi = NULL;
	struct cfg_key keys[] = { { "apps", &apps }, { "cgi", &cgi } };
	cfg_match_keys(c, root, keys, 2, "a user's file (it holds apps = ( ... ); only)");
	if (cgi != NULL) /* config_user_cgi.c */
		cfg_parse_user_cgi(c, cgi, u->owner, sys, out, u->warnings);
	if (apps == NULL)
		return; /* no apps: nothing to run */
	out->listeners = sys->listeners;
	out->n_listeners = sys->n_listeners;
	cfg_parse_apps(c, apps, out);
	out->listeners = NULL;
	out->n_listeners = 0;
	if (c->problems > 0)
		return;
	if (out->n_apps > u->l->max_apps) {
		const config_setting_t *extra = config_setting_get_elem(apps,
									(unsigned)u->l->max_apps);
		if (u->l->clamp) {
			sg_diags_add(u->warnings, c->file, cfg_line_of(extra), "%d apps are above "
				     "the admin's limit %d (the apps from this line on are left out)",
				     out->n_apps, u->l->max_apps);
			out->n_apps = u->l->max_apps;
		} else {
			cfg_problem_at(c, cfg_line_of(extra), "%d apps are above the admin's "
				       "limit %d (refused)", out->n_apps, u->l->max_apps);
			return;
		}
	}
	for (int i = 0; i < out->n_apps; i++)
		check_app(u, config_setting_get_elem(apps, (unsigned)i), &out->apps[i]);
	c->label[0] = '\0';
	check_names(c, out);
	check_routes(c, sys, out);
}

int sg_config_parse_user_file(const char *text, const char *file, const char *owner,
			      const char *home, const struct sg_config *sys,
			      struct sg_config *out, struct sg_diags *d, struct sg_diags *warnings)
{
	struct parse_ctx c = { .file = file, .base_dir = home, .d = d };
	struct user_ctx u = { .c = &c, .owner = owner, .l = &sys->users->limits,
			      .warnings = warnings };
	memset(out, 0, sizeof *out);
	snprintf(out->source, sizeof out->source, "%s", file);
	cfg_precheck_text(&c, text);
	if (c.problems > 0)
		return -1;
	config_t lc;
	config_init(&lc);
	if (config_read_string(&lc, text) != CONFIG_TRUE) {
		const char *why = config_error_text(&lc);
		cfg_problem_at(&c, config_error_line(&lc), "syntax error%s%s",
			       why != NULL && strcmp(why, "syntax error") != 0 ? ": " : "",
			       why != NULL && strcmp(why, "syntax error") != 0 ? why : "");
		config_destroy(&lc);
		return -1;
	}
	parse_root(&c, config_root_setting(&lc), &u, sys, out);
	config_destroy(&lc);
	if (c.problems > 0) {
		sg_config_free(out);
		return -1;
	}
	return 0;
}
