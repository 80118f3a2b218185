/* An app's sandbox settings in the configuration file: network,
 * bind_ports, connect_ports, writable, tmp_size, policy, seccomp_log,
 * seccomp, and the rlimits rlimit_fsize, rlimit_as and rlimit_cpu. The value checks are shared with the command line
 * (config_sandbox_values.c). */
#include "config_internal.h"

#include <string.h>

static void parse_network(struct parse_ctx *c, const config_setting_t *s, struct sg_app_conf *app)
{
	char text[32];
	struct sg_error err;
	if (cfg_get_string(c, s, "network", text, sizeof text) &&
	    sg_config_parse_network(text, &app->network, &err) < 0)
		cfg_problem(c, s, "%s", err.msg);
}

/* bind_ports / connect_ports: an array of port numbers, possibly empty
 * (then no port at all is allowed). */
static void parse_ports(struct parse_ctx *c, const config_setting_t *s, const char *what,
			int *n_out, uint16_t *ports)
{
	if (!config_setting_is_array(s) && !config_setting_is_list(s)) {
		cfg_problem(c, s, "%s must be an array of TCP ports such as [8000, 8001], not %s",
			    what, cfg_type_name(s));
		return;
	}
	int n = config_setting_length(s);
	if (n > SG_MAX_PORTS) {
		cfg_problem(c, s, "%s holds at most %d ports, got %d", what, SG_MAX_PORTS, n);
		return;
	}
	*n_out = 0;
	for (int i = 0; i < n; i++) {
		long long port;
		if (cfg_get_int(c, config_setting_get_elem(s, (unsigned)i), what, 1, 65535, &port))
			ports[(*n_out)++] = (uint16_t)port;
	}
}

static void parse_writable_entry(struct parse_ctx *c, const config_setting_t *e,
				 struct sg_app_conf *app)
{
	struct sg_error err;
	char *dir = app->writable[app->n_writable];
	if (!cfg_get_string(c, e, "writable entry", dir, sizeof app->writable[0]))
		return;
	if (sg_config_check_writable(dir, &err) < 0) {
		cfg_problem(c, e, "%s", err.msg);
		return;
	}
	app->n_writable++;
}

static void parse_writable(struct parse_ctx *c, const config_setting_t *s, struct sg_app_conf *app)
{
	if (config_setting_type(s) == CONFIG_TYPE_STRING) {
		parse_writable_entry(c, s, app);
		return;
	}
	if (!config_setting_is_array(s) && !config_setting_is_list(s)) {
		cfg_problem(c, s, "writable must be a string or an array of absolute directories, "
				  "not %s", cfg_type_name(s));
		return;
	}
	int n = config_setting_length(s);
	if (n > SG_MAX_WRITABLE) {
		cfg_problem(c, s, "writable holds at most %d directories, got %d", SG_MAX_WRITABLE,
			    n);
		return;
	}
	for (int i = 0; i < n; i++)
		parse_writable_entry(c, config_setting_get_elem(s, (unsigned)i), app);
}

static void parse_tmp_size(struct parse_ctx *c, const config_setting_t *s, struct sg_app_conf *app)
{
	char text[64];
	struct sg_error err;
	if (cfg_get_limit_text(c, s, "tmp_size", "bytes (an integer) or a string such as \"64M\"",
			       text, sizeof text) &&
	    sg_config_parse_tmp_size(text, &app->tmp_size, &err) < 0)
		cfg_problem(c, s, "tmp_size: %s", err.msg);
}

/* rlimit_fsize and rlimit_as: bytes, or a size such as "1G"; "max" or
 * nothing leaves them unset. */
static void parse_rlimit_size(struct parse_ctx *c, const config_setting_t *s, const char *what,
			      long long *out)
{
	char text[64];
	struct sg_error err;
	if (cfg_get_limit_text(c, s, what, "bytes (an integer) or a string such as \"1G\"", text,
			       sizeof text) &&
	    sg_config_parse_memory(text, out, &err) < 0)
		cfg_problem(c, s, "%s: %s", what, err.msg);
}

static void parse_policy(struct parse_ctx *c, const config_setting_t *s, struct sg_app_conf *app)
{
	struct sg_error err;
	if (cfg_get_string(c, s, "policy", app->policy, sizeof app->policy) &&
	    sg_config_check_policy(app->policy, &err) < 0) {
		cfg_problem(c, s, "%s", err.msg);
		snprintf(app->policy, sizeof app->policy, "%s", SG_DEFAULT_POLICY);
	}
}

static bool get_bool(struct parse_ctx *c, const config_setting_t *s, const char *what, bool *out)
{
	if (config_setting_type(s) != CONFIG_TYPE_BOOL) {
		cfg_problem(c, s, "%s must be true or false, not %s", what, cfg_type_name(s));
		return false;
	}
	*out = config_setting_get_bool(s) != 0;
	return true;
}

/* Settings that only make sense together. */
static void check_combinations(struct parse_ctx *c, const struct cfg_sandbox_keys *k,
			       const struct sg_app_conf *app)
{
	const config_setting_t *ports = k->bind_ports != NULL ? k->bind_ports : k->connect_ports;
	if (ports != NULL && app->network != SG_NET_HOST)
		cfg_problem(c, ports, "%s needs network = \"host\": with \"%s\" the cell has no "
				      "network beyond its own",
			    k->bind_ports != NULL ? "bind_ports" : "connect_ports",
			    sg_config_network_name(app->network));
	if (k->seccomp_log != NULL && app->seccomp_log && !app->seccomp)
		cfg_problem(c, k->seccomp_log, "seccomp_log = true needs the seccomp filter, which "
					       "seccomp = false turns off");
	if (k->policy != NULL && !app->seccomp)
		cfg_problem(c, k->policy, "policy is a seccomp policy, which seccomp = false turns "
					  "off");
}

void cfg_parse_app_sandbox(struct parse_ctx *c, const struct cfg_sandbox_keys *k,
			   struct sg_app_conf *app)
{
	if (k->network != NULL)
		parse_network(c, k->network, app);
	if (k->bind_ports != NULL)
		parse_ports(c, k->bind_ports, "bind_ports", &app->n_bind_ports, app->bind_ports);
	if (k->connect_ports != NULL)
		parse_ports(c, k->connect_ports, "connect_ports", &app->n_connect_ports,
			    app->connect_ports);
	if (k->writable != NULL)
		parse_writable(c, k->writable, app);
	if (k->tmp_size != NULL)
		parse_tmp_size(c, k->tmp_size, app);
	if (k->policy != NULL)
		parse_policy(c, k->policy, app);
	if (k->seccomp_log != NULL)
		get_bool(c, k->seccomp_log, "seccomp_log", &app->seccomp_log);
	if (k->seccomp != NULL)
		get_bool(c, k->seccomp, "seccomp", &app->seccomp);
	if (k->rlimit_fsize != NULL)
		parse_rlimit_size(c, k->rlimit_fsize, "rlimit_fsize", &app->rlimit_fsize);
	if (k->rlimit_as != NULL)
		parse_rlimit_size(c, k->rlimit_as, "rlimit_as", &app->rlimit_as);
	if (k->rlimit_cpu != NULL)
		cfg_get_int(c, k->rlimit_cpu, "rlimit_cpu", 1, INT_MAX, &app->rlimit_cpu);
	check_combinations(c, k, app);
}
