/* An app's `route` group: prefix, host, and listeners, the names of the
 * listeners allowed to route to the app (resolved here into a bit mask,
 * since the listeners are parsed before the apps). */
#include "config_internal.h"

#include <ctype.h>
#include <string.h>

static void parse_prefix(struct parse_ctx *c, const config_setting_t *s, struct sg_app_conf *app)
{
	struct sg_error err;
	if (cfg_get_string(c, s, "route.prefix", app->prefix, sizeof app->prefix) &&
	    sg_config_check_prefix(app->prefix, &err) < 0) {
		cfg_problem(c, s, "route.%s", err.msg);
		app->prefix[0] = '\0';
	}
}

static void parse_host(struct parse_ctx *c, const config_setting_t *s, struct sg_app_conf *app)
{
	struct sg_error err;
	if (!cfg_get_string(c, s, "route.host", app->host, sizeof app->host))
		return;
	if (sg_config_check_host(app->host, &err) < 0) {
		cfg_problem(c, s, "route.%s", err.msg);
		app->host[0] = '\0';
	}
	/* Host names are case-insensitive; store them lower-case. */
	for (char *p = app->host; *p != '\0'; p++)
		*p = (char)tolower((unsigned char)*p);
}

/* One name of route.listeners: its listener's bit, or 0 after a problem. */
static uint32_t listener_bit(struct parse_ctx *c, const config_setting_t *s,
			     const struct sg_config *cfg)
{
	char name[SG_NAME_MAX];
	if (!cfg_get_string(c, s, "route.listeners entry", name, sizeof name))
		return 0;
	for (int i = 0; i < cfg->n_listeners && name[0] != '\0'; i++) {
		const struct sg_listener_conf *l = &cfg->listeners[i];
		if (strcmp(l->name, name) != 0)
			continue;
		if (!sg_listener_routes_apps(l)) {
			cfg_problem(c, s, "route.listeners: listener \"%s\" runs CGI scripts and "
				    "never routes to an app", name);
			return 0;
		}
		return (uint32_t)1 << i;
	}
	cfg_problem(c, s, "route.listeners: no listener named \"%s\"", name);
	return 0;
}

/* A name or an array of names. An empty array is refused rather than
 * read as "every listener": that would open what the entry meant to close. */
static void parse_listeners(struct parse_ctx *c, const config_setting_t *s,
			    const struct sg_config *cfg, struct sg_app_conf *app)
{
	uint32_t mask = 0;
	if (config_setting_type(s) == CONFIG_TYPE_STRING) {
		mask = listener_bit(c, s, cfg);
	} else if (config_setting_is_array(s) || config_setting_is_list(s)) {
		int n = config_setting_length(s);
		if (n == 0)
			cfg_problem(c, s, "route.listeners must name at least one listener (leave "
					  "it out to route from every listener)");
		else if (n > SG_MAX_ROUTE_LISTENERS)
			cfg_problem(c, s, "route.listeners holds at most %d names, got %d",
				    SG_MAX_ROUTE_LISTENERS, n);
		for (int i = 0; i < n && n <= SG_MAX_ROUTE_LISTENERS; i++)
			mask |= listener_bit(c, config_setting_get_elem(s, (unsigned)i), cfg);
	} else {
		cfg_problem(c, s, "route.listeners must be a listener name or an array of them, "
				  "not %s", cfg_type_name(s));
	}
	/* After a problem the mask may be partial or 0 ("all"), but then the
	 * whole configuration is refused. */
	app->listener_mask = mask;
}

void cfg_parse_route(struct parse_ctx *c, const config_setting_t *g, const struct sg_config *cfg,
		     struct sg_app_conf *app)
{
	const config_setting_t *prefix = NULL, *host = NULL, *listeners = NULL;
	struct cfg_key keys[] = {
		{ "prefix", &prefix }, { "host", &host }, { "listeners", &listeners },
	};
	if (!config_setting_is_group(g)) {
		cfg_problem(c, g, "route must be a group { prefix = \"/x\"; host = \"name\"; }, "
				  "not %s", cfg_type_name(g));
		return;
	}
	char in_what[128];
	snprintf(in_what, sizeof in_what, "route of %s", c->label);
	cfg_match_keys(c, g, keys, CFG_N_KEYS(keys), in_what);
	if (prefix != NULL)
		parse_prefix(c, prefix, app);
	if (host != NULL)
		parse_host(c, host, app);
	if (listeners != NULL)
		parse_listeners(c, listeners, cfg, app);
}
