/* The system file's `users` group: who may declare apps in a file of
 * their own, where that file is, and the ceilings it is held to
 * (config_users.h). Pure, like the rest of the parser.
 *
 *   users = { allow = ["sg-alice"]; file = ".config/sandgate/apps.conf";
 *             limits = { memory = "256M"; policies = ["wsgi"]; over = "refuse"; }; };
 *
 * limits.hosts and limits.prefixes may hold "%u", the user's name, so that
 * one pattern gives each user routes of their own ("%u.users.example.com").
 */
#include "config_internal.h"
#include "config_users.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void sg_user_limits_defaults(struct sg_user_limits *l)
{
	memset(l, 0, sizeof *l);
	l->processes = 2;
	l->memory = 256LL << 20;
	l->pids = 64;
	l->cpu_us = SG_CPU_PERIOD_US; /* one CPU */
	l->timeout = 60;
	l->queue = 100;
	l->queue_timeout = 120; /* above the apps' default 30: a user may wait longer */
	l->max_body = SG_DEFAULT_MAX_BODY;
	l->tmp_size = SG_DEFAULT_TMP_SIZE;
	l->n_prefixes = 1;
	snprintf(l->prefixes[0], sizeof l->prefixes[0], "%s", SG_USER_PREFIX_DEFAULT);
	l->n_policies = 1;
	snprintf(l->policies[0], sizeof l->policies[0], "%s", SG_DEFAULT_POLICY);
	l->networks = 1u << SG_NET_NONE;
	l->max_apps = 4;
}

int sg_user_pattern(const char *pattern, const char *user, char *out, size_t size)
{
	size_t n = 0;
	for (const char *p = pattern; *p != '\0'; p++) {
		const char *piece = p;
		size_t len = 1;
		if (p[0] == '%' && p[1] == 'u') {
			piece = user;
			len = strlen(user);
			p++;
		}
		if (n + len >= size)
			return -1;
		memcpy(out + n, piece, len);
		n += len;
	}
	out[n] = '\0';
	return 0;
}

/* A user or group name as sg_config_resolve takes them. */
static bool get_name(struct parse_ctx *c, const config_setting_t *s, const char *what, char *out)
{
	if (!cfg_get_string(c, s, what, out, SG_NAME_MAX))
		return false;
	if (out[0] == '\0' || out[0] == '-' || strpbrk(out, " /:~") != NULL) {
		cfg_problem(c, s, "%s \"%s\" is not a valid name", what, out);
		return false;
	}
	return true;
}

static bool one_allow(struct parse_ctx *c, const config_setting_t *e, int i, void *arg)
{
	struct sg_users_conf *u = arg;
	return get_name(c, e, "users.allow entry", u->allow[i]);
}

static bool one_policy(struct parse_ctx *c, const config_setting_t *e, int i, void *arg)
{
	struct sg_user_limits *l = arg;
	struct sg_error err;
	if (!cfg_get_string(c, e, "limits.policies entry", l->policies[i], SG_NAME_MAX))
		return false;
	if (sg_config_check_policy(l->policies[i], &err) < 0) {
		cfg_problem(c, e, "limits.%s", err.msg);
		return false;
	}
	return true;
}

static bool one_network(struct parse_ctx *c, const config_setting_t *e, int i, void *arg)
{
	struct sg_user_limits *l = arg;
	char text[32];
	enum sg_network mode;
	struct sg_error err;
	(void)i;
	if (!cfg_get_string(c, e, "limits.networks entry", text, sizeof text))
		return false;
	if (sg_config_parse_network(text, &mode, &err) < 0) {
		cfg_problem(c, e, "limits.%s", err.msg);
		return false;
	}
	l->networks |= 1u << mode;
	return true;
}

/* "name.example.com" or "*.example.com" (any one or more labels). */
static bool one_host(struct parse_ctx *c, const config_setting_t *e, int i, void *arg)
{
	struct sg_user_limits *l = arg;
	struct sg_error err;
	char *h = l->hosts[i];
	if (!cfg_get_string(c, e, "limits.hosts entry", h, sizeof l->hosts[0]))
		return false;
	char sample[256];
	/* Checked with a name in place of %u: "%u.example.com" is valid. */
	if (sg_user_pattern(h, "u", sample, sizeof sample) < 0)
		sample[0] = '\0';
	const char *rest = strncmp(sample, "*.", 2) == 0 ? sample + 2 : sample;
	if (sg_config_check_host(rest, &err) < 0 || strchr(rest, ':') != NULL) {
		cfg_problem(c, e, "limits.hosts entry \"%s\" must be a host name or \"*.domain\" "
				  "(no port; %%u is the user's name)", h);
		return false;
	}
	return true;
}

/* "/~%u" or "/apps/%u": an absolute path, no trailing '/', no "..". */
static bool one_prefix(struct parse_ctx *c, const config_setting_t *e, int i, void *arg)
{
	struct sg_user_limits *l = arg;
	char *p = l->prefixes[i];
	if (!cfg_get_string(c, e, "limits.prefixes entry", p, sizeof l->prefixes[0]))
		return false;
	size_t len = strlen(p);
	if (p[0] != '/' || len < 2 || p[len - 1] == '/' || strstr(p, "..") != NULL ||
	    strstr(p, "//") != NULL || strstr(p, "%u") == NULL ||
	    strchr(p, '%') != strstr(p, "%u") || strchr(p, '?') != NULL || strchr(p, '#') != NULL) {
		/* Without %u, users would race each other for the same paths. */
		cfg_problem(c, e, "limits.prefixes entry \"%s\" must be a path holding %%u, the "
				  "user's name, such as \"/~%%u\" or \"/apps/%%u\" (absolute, no "
				  "trailing '/', no \"..\")", p);
		return false;
	}
	return true;
}

/* max_body, tmp_size: an integer or "64M", never "max". */
static void parse_bytes(struct parse_ctx *c, const config_setting_t *s, const char *what,
			long long *out)
{
	char text[64];
	struct sg_error err;
	if (!cfg_get_limit_text(c, s, what, "bytes (an integer) or a string such as \"64M\"",
				text, sizeof text))
		return;
	if (strcmp(text, "max") == 0 || sg_config_parse_memory(text, out, &err) < 0)
		cfg_problem(c, s, "%s: expected a size in bytes, or with K, M, G or T "
			    "(1024-based) such as 64M, at least 1M; got \"%.40s\"", what, text);
}

/* memory, pids, cpu: an integer, a string, or (cpu) a number. */
static void parse_cgroup_limit(struct parse_ctx *c, const config_setting_t *s, const char *what,
			       struct sg_user_limits *l)
{
	char text[64];
	struct sg_error err;
	int type = config_setting_type(s);
	int rc;
	if (type == CONFIG_TYPE_INT || type == CONFIG_TYPE_INT64)
		snprintf(text, sizeof text, "%lld", config_setting_get_int64(s));
	else if (type == CONFIG_TYPE_FLOAT)
		snprintf(text, sizeof text, "%.5f", config_setting_get_float(s));
	else if (!cfg_get_string(c, s, what, text, sizeof text))
		return;
	if (strcmp(what, "limits.memory") == 0)
		rc = sg_config_parse_memory(text, &l->memory, &err);
	else if (strcmp(what, "limits.pids") == 0)
		rc = sg_config_parse_pids(text, &l->pids, &err);
	else
		rc = sg_config_parse_cpu(text, &l->cpu_us, &err);
	if (rc < 0)
		cfg_problem(c, s, "%s: %s", what, err.msg);
	else if (strcmp(text, "max") == 0)
		/* A ceiling of "no limit" would let a user's app take the host. */
		cfg_problem(c, s, "%s must be a limit, not \"max\"", what);
}

struct limit_keys {
	const config_setting_t *processes, *memory, *pids, *cpu, *timeout, *policies, *networks,
		*hosts, *max_apps, *over, *queue, *queue_timeout, *idle_timeout, *max_body,
		*tmp_size, *prefixes;
};

static void parse_over(struct parse_ctx *c, const config_setting_t *s, struct sg_user_limits *l)
{
	char text[16];
	if (!cfg_get_string(c, s, "limits.over", text, sizeof text))
		return;
	if (strcmp(text, "refuse") == 0 || strcmp(text, "clamp") == 0)
		l->clamp = text[0] == 'c';
	else
		cfg_problem(c, s, "limits.over must be \"refuse\" (a user file with a value above "
				  "a limit is not loaded) or \"clamp\" (the value is lowered), "
				  "got \"%s\"", text);
}

static void parse_limits(struct parse_ctx *c, const config_setting_t *g, struct sg_user_limits *l)
{
	struct limit_keys k = { 0 };
	struct cfg_key keys[] = {
		{ "processes", &k.processes }, { "memory", &k.memory }, { "pids", &k.pids },
		{ "cpu", &k.cpu }, { "timeout", &k.timeout }, { "policies", &k.policies },
		{ "networks", &k.networks }, { "hosts", &k.hosts }, { "max_apps", &k.max_apps },
		{ "over", &k.over }, { "queue", &k.queue }, { "queue_timeout", &k.queue_timeout },
		{ "idle_timeout", &k.idle_timeout }, { "max_body", &k.max_body },
		{ "tmp_size", &k.tmp_size }, { "prefixes", &k.prefixes },
	};
	if (!config_setting_is_group(g)) {
		cfg_problem(c, g, "users.limits must be a group { memory = \"256M\"; ... }, not %s",
			    cfg_type_name(g));
		return;
	}
	cfg_match_keys(c, g, keys, CFG_N_KEYS(keys), "users.limits");
	cfg_get_int_into(c, k.processes, "limits.processes", 1, SG_MAX_PROCESSES, &l->processes);
	cfg_get_int_into(c, k.timeout, "limits.timeout", 1, SG_MAX_TIMEOUT, &l->timeout);
	cfg_get_int_into(c, k.max_apps, "limits.max_apps", 0, SG_MAX_APPS, &l->max_apps);
	cfg_get_int_into(c, k.queue, "limits.queue", 0, SG_MAX_QUEUE, &l->queue);
	cfg_get_int_into(c, k.queue_timeout, "limits.queue_timeout", 1, SG_MAX_QUEUE_TIMEOUT,
			 &l->queue_timeout);
	cfg_get_int_into(c, k.idle_timeout, "limits.idle_timeout", 0, SG_MAX_IDLE_TIMEOUT,
			 &l->idle_timeout);
	if (k.max_body != NULL)
		parse_bytes(c, k.max_body, "limits.max_body", &l->max_body);
	if (k.tmp_size != NULL)
		parse_bytes(c, k.tmp_size, "limits.tmp_size", &l->tmp_size);
	if (k.prefixes != NULL)
		l->n_prefixes = cfg_each_string(c, k.prefixes, "limits.prefixes",
					    SG_MAX_USER_PREFIXES, one_prefix, l);
	if (k.memory != NULL)
		parse_cgroup_limit(c, k.memory, "limits.memory", l);
	if (k.pids != NULL)
		parse_cgroup_limit(c, k.pids, "limits.pids", l);
	if (k.cpu != NULL)
		parse_cgroup_limit(c, k.cpu, "limits.cpu", l);
	if (k.policies != NULL)
		l->n_policies = cfg_each_string(c, k.policies, "limits.policies", SG_MAX_USER_POLICIES,
					    one_policy, l);
	if (k.networks != NULL) {
		l->networks = 0;
		cfg_each_string(c, k.networks, "limits.networks", 3, one_network, l);
	}
	if (k.hosts != NULL)
		l->n_hosts = cfg_each_string(c, k.hosts, "limits.hosts", SG_MAX_USER_HOSTS, one_host, l);
	if (k.over != NULL)
		parse_over(c, k.over, l);
	if (l->pids <= l->processes)
		cfg_problem(c, g, "limits.pids (%d) must be above limits.processes (%d): a cell "
				  "needs its zygote and its workers", l->pids, l->processes);
}

void cfg_parse_users(struct parse_ctx *c, const config_setting_t *s, struct sg_config *cfg)
{
	const config_setting_t *allow = NULL, *allow_group = NULL, *file = NULL, *limits = NULL;
	struct cfg_key keys[] = {
		{ "allow", &allow }, { "allow_group", &allow_group }, { "file", &file },
		{ "limits", &limits },
	};
	if (!config_setting_is_group(s)) {
		cfg_problem(c, s, "users must be a group { allow = [\"name\"]; ... }, not %s",
			    cfg_type_name(s));
		return;
	}
	struct sg_users_conf *u = calloc(1, sizeof *u);
	if (u == NULL) {
		cfg_problem(c, s, "out of memory");
		return;
	}
	cfg->users = u;
	u->line = cfg_line_of(s);
	snprintf(u->file, sizeof u->file, "%s", SG_USER_FILE_DEFAULT);
	sg_user_limits_defaults(&u->limits);
	cfg_match_keys(c, s, keys, CFG_N_KEYS(keys), "users");
	if (allow != NULL)
		u->n_allow = cfg_each_string(c, allow, "users.allow", SG_MAX_USERS, one_allow, u);
	if (allow_group != NULL)
		get_name(c, allow_group, "users.allow_group", u->allow_group);
	if (allow == NULL && allow_group == NULL)
		cfg_problem(c, s, "users needs allow = [\"user\", ...] or allow_group = \"group\"");
	if (file != NULL && cfg_get_string(c, file, "users.file", u->file, sizeof u->file) &&
	    (u->file[0] == '\0' || u->file[0] == '/' || strstr(u->file, "..") != NULL))
		cfg_problem(c, file, "users.file must be a path relative to each user's home, "
				     "without \"..\", got \"%s\"", u->file);
	if (limits != NULL)
		parse_limits(c, limits, &u->limits);
	if (cfg->n_listeners == 0)
		cfg_problem(c, s, "users: a user's apps are reached through the shared listeners; "
				  "add one (an SCGI listener for the web server)");
}
