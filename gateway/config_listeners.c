/* One entry of `listeners`: its name, http or scgi, its address,
 * socket_mode, socket_group and allow_uids; and the list of them. */
#include "config_internal.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* allow_uids: a uid, a user name, or a list of them; ( ) mixes both, since
 * a libconfig array [ ] holds one type only. */
static void parse_allow_entry(struct parse_ctx *c, const config_setting_t *s,
			      struct sg_listener_conf *l)
{
	if (l->n_allow_uids == SG_MAX_ALLOW_UIDS) {
		cfg_problem(c, s, "allow_uids holds at most %d entries", SG_MAX_ALLOW_UIDS);
		return;
	}
	int i = l->n_allow_uids;
	if (config_setting_type(s) == CONFIG_TYPE_STRING) {
		char *name = l->allow_names[i];
		if (!cfg_get_string(c, s, "allow_uids entry", name, sizeof l->allow_names[i]))
			return;
		if (name[0] == '\0') {
			cfg_problem(c, s, "allow_uids entries must not be empty");
			return;
		}
		l->allow_uids[i] = (uid_t)-1;
	} else {
		long long uid;
		if (!cfg_get_int(c, s, "allow_uids entry", 0, (long long)UINT32_MAX - 1, &uid))
			return;
		l->allow_uids[i] = (uid_t)uid;
	}
	l->n_allow_uids++;
}

static void parse_allow_uids(struct parse_ctx *c, const config_setting_t *s, bool addr_ok,
			     struct sg_listener_conf *l)
{
	if (addr_ok && !l->addr.is_unix)
		cfg_problem(c, s, "allow_uids needs a unix: socket (it checks SO_PEERCRED)");
	else if (config_setting_is_array(s) || config_setting_is_list(s)) {
		int n = config_setting_length(s);
		for (int i = 0; i < n; i++)
			parse_allow_entry(c, config_setting_get_elem(s, (unsigned)i), l);
	} else {
		parse_allow_entry(c, s, l);
	}
}

/* socket_mode and socket_group: a TCP port has neither. addr_ok: the
 * address parsed (a bad one is reported already). */
static void parse_listener_socket(struct parse_ctx *c, const config_setting_t *mode,
				  const config_setting_t *group, bool addr_ok,
				  struct sg_listener_conf *l)
{
	bool tcp = addr_ok && !l->addr.is_unix;
	if (mode != NULL) {
		if (tcp)
			cfg_problem(c, mode, "socket_mode applies only to unix: sockets; a TCP "
					     "port is open to every local user");
		else
			cfg_get_mode(c, mode, &l->socket_mode);
	}
	/* S8: anyone who can connect to an SCGI socket can forge REMOTE_USER,
	 * HTTPS or SCRIPT_NAME, so "others" must not be able to write to it. */
	if (l->kind == SG_LISTEN_SCGI && (l->socket_mode & 0002))
		cfg_problem(c, mode, "socket_mode %#o lets every local user connect and forge "
				     "SCGI variables (S8); drop the write bit for others",
			    l->socket_mode);
	if (group != NULL) {
		if (tcp)
			cfg_problem(c, group, "socket_group applies only to unix: sockets; a TCP "
					      "port has no group");
		else
			cfg_get_group(c, group, l->socket_group, sizeof l->socket_group);
	}
}

/* A name, as for apps; apps refer to it in route.listeners. It labels the
 * listener's other messages. */
static void parse_listener_name(struct parse_ctx *c, const config_setting_t *s,
				struct sg_listener_conf *l)
{
	struct sg_error err;
	if (!cfg_get_string(c, s, "name", l->name, sizeof l->name))
		return;
	if (sg_config_check_name(l->name, &err) < 0) {
		cfg_problem(c, s, "%s", err.msg);
		l->name[0] = '\0';
		return;
	}
	snprintf(c->label, sizeof c->label, "listener \"%s\"", l->name);
}

static void parse_listener(struct parse_ctx *c, const config_setting_t *g,
			   struct sg_listener_conf *l)
{
	const config_setting_t *name = NULL, *http = NULL, *scgi = NULL, *mode = NULL,
			       *group = NULL, *allow = NULL;
	struct cfg_key keys[] = {
		{ "name", &name }, { "http", &http }, { "scgi", &scgi },
		{ "socket_mode", &mode }, { "socket_group", &group }, { "allow_uids", &allow },
	};
	memset(l, 0, sizeof *l);
	l->socket_gid = (gid_t)-1;
	l->line = cfg_line_of(g);
	snprintf(c->label, sizeof c->label, "listener");
	cfg_match_keys(c, g, keys, CFG_N_KEYS(keys), "listener");
	if (name != NULL)
		parse_listener_name(c, name, l);

	if (http != NULL && scgi != NULL) {
		cfg_problem_at(c, l->line, "listener has both http and scgi; give one of them");
		return;
	}
	if (http == NULL && scgi == NULL) {
		cfg_problem_at(c, l->line, "listener needs an address: http = \"HOST:PORT\" or "
					   "scgi = \"unix:/path\"");
		return;
	}
	l->kind = http != NULL ? SG_LISTEN_HTTP : SG_LISTEN_SCGI;
	l->socket_mode = l->kind == SG_LISTEN_HTTP ? 0600 : 0660;
	bool addr_ok = cfg_get_addr(c, http != NULL ? http : scgi, http != NULL ? "http" : "scgi",
				    &l->addr);
	parse_listener_socket(c, mode, group, addr_ok, l);
	if (allow != NULL)
		parse_allow_uids(c, allow, addr_ok, l);
}

void cfg_parse_listeners(struct parse_ctx *c, const config_setting_t *s, struct sg_config *cfg)
{
	int n = cfg_group_list_length(c, s, "listeners", "{ http = \"127.0.0.1:8080\"; }",
				      SG_MAX_LISTENERS);
	if (n <= 0)
		return;
	cfg->listeners = calloc((size_t)n, sizeof *cfg->listeners);
	if (cfg->listeners == NULL) {
		cfg_problem(c, s, "out of memory");
		return;
	}
	for (int i = 0; i < n; i++)
		parse_listener(c, config_setting_get_elem(s, (unsigned)i), &cfg->listeners[i]);
	cfg->n_listeners = n;
	c->label[0] = '\0';
}
