/* One entry of `listeners`: its name, http, scgi or launcher, its address,
 * socket_mode, socket_group, allow_uids and cgi; and the list of them. */
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
	 * HTTPS or SCRIPT_NAME, so "others" must not be able to write to it;
	 * nor to a launcher socket, where they could forge a whole CGI request
	 * (suEXEC lets only the web server's user call it). */
	if (l->kind != SG_LISTEN_HTTP && (l->socket_mode & 0002))
		cfg_problem(c, mode, "socket_mode %#o lets every local user connect and forge "
				     "%s variables (S8); drop the write bit for others",
			    l->socket_mode, l->kind == SG_LISTEN_SCGI ? "SCGI" : "CGI");
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

/* cgi = true: an SCGI listener whose every request runs a CGI script. Only
 * on a Unix socket: whoever connects picks the script and its user and sets
 * REMOTE_USER, HTTPS... and a TCP port lets every local user connect (S8). */
static void parse_listener_cgi(struct parse_ctx *c, const config_setting_t *s, bool addr_ok,
			       struct sg_listener_conf *l)
{
	if (config_setting_type(s) != CONFIG_TYPE_BOOL)
		cfg_problem(c, s, "cgi must be true or false");
	else if (l->kind != SG_LISTEN_SCGI)
		cfg_problem(c, s, "cgi = true applies only to scgi listeners (a launcher "
				  "listener is always CGI; an HTTP one never)");
	else if (addr_ok && !l->addr.is_unix && config_setting_get_bool(s))
		cfg_problem(c, s, "cgi = true needs a unix: socket (on a TCP port every local "
				  "user could connect and pick any user's script, S8)");
	else
		l->cgi = config_setting_get_bool(s);
}

/* Which of http, scgi, launcher the entry gives (exactly one), or -1. */
static int listener_kind(struct parse_ctx *c, int line, const config_setting_t *http,
			 const config_setting_t *scgi, const config_setting_t *launcher)
{
	int n = (http != NULL) + (scgi != NULL) + (launcher != NULL);
	if (n > 1) {
		cfg_problem_at(c, line, "listener has more than one of http, scgi and launcher; "
					"give one of them");
		return -1;
	}
	if (n == 0) {
		cfg_problem_at(c, line, "listener needs an address: http = \"HOST:PORT\", "
					"scgi = \"unix:/path\" or launcher = \"unix:/path\"");
		return -1;
	}
	return http != NULL ? SG_LISTEN_HTTP : scgi != NULL ? SG_LISTEN_SCGI : SG_LISTEN_CGI;
}

static void parse_listener(struct parse_ctx *c, const config_setting_t *g,
			   struct sg_listener_conf *l)
{
	const config_setting_t *name = NULL, *http = NULL, *scgi = NULL, *launcher = NULL,
			       *mode = NULL, *group = NULL, *allow = NULL, *cgi = NULL;
	struct cfg_key keys[] = {
		{ "name", &name }, { "http", &http }, { "scgi", &scgi },
		{ "launcher", &launcher }, { "socket_mode", &mode }, { "socket_group", &group },
		{ "allow_uids", &allow }, { "cgi", &cgi },
	};
	static const char *const key_of[] = { "http", "scgi", "launcher" };
	memset(l, 0, sizeof *l);
	l->socket_gid = (gid_t)-1;
	l->line = cfg_line_of(g);
	snprintf(c->label, sizeof c->label, "listener");
	cfg_match_keys(c, g, keys, CFG_N_KEYS(keys), "listener");
	if (name != NULL)
		parse_listener_name(c, name, l);

	int kind = listener_kind(c, l->line, http, scgi, launcher);
	if (kind < 0)
		return;
	l->kind = (enum sg_listener_kind)kind;
	l->socket_mode = l->kind == SG_LISTEN_HTTP ? 0600 : 0660;
	const config_setting_t *addr = http != NULL ? http : scgi != NULL ? scgi : launcher;
	bool addr_ok = cfg_get_addr(c, addr, key_of[kind], &l->addr);
	/* sandgate-cgi passes descriptors (SCM_RIGHTS): a Unix socket only. */
	if (addr_ok && l->kind == SG_LISTEN_CGI && !l->addr.is_unix) {
		cfg_problem(c, addr, "launcher needs a unix: socket (sandgate-cgi passes its "
				     "descriptors over it)");
		addr_ok = false;
	}
	parse_listener_socket(c, mode, group, addr_ok, l);
	if (allow != NULL)
		parse_allow_uids(c, allow, addr_ok, l);
	if (cgi != NULL)
		parse_listener_cgi(c, cgi, addr_ok, l);
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
