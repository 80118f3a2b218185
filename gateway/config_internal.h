/* What the files of the configuration parser share (config.c and
 * config_*.c); not for use outside them. The public model and entry points
 * are in config.h.
 *
 *   config.c            entry points, the top level, checks across entries
 *   config_precheck.c   the raw text: size, NUL bytes, big integers, @include
 *   config_getters.c    problems, and typed getters for one setting
 *   config_keys.c       a group's settings matched by name; lists of groups
 *   config_listeners.c  one `listeners` entry
 *   config_apps.c       one `apps` entry
 *   config_users.c      the `users` group (the admin's side of self-service)
 *   config_cgi.c        the `cgi` group; config_user_cgi.c a user's own
 *   config_user_apps.c  a user's own apps file, under the admin's ceilings
 *   config_route.c      an app's `route` group
 *   config_sandbox.c    an app's sandbox settings
 *   config_values.c     value checks shared with the command line (cli.c)
 *   config_diags.c      the list of problems */
#ifndef SG_CONFIG_INTERNAL_H
#define SG_CONFIG_INTERNAL_H

#include <libconfig.h>
#include <stdbool.h>
#include <stddef.h>

#include "config.h"

struct parse_ctx {
	const char *file;     /* names the source in messages */
	const char *base_dir; /* relative paths are resolved against it */
	struct sg_diags *d;
	int problems;         /* counted here too: sg_diags_add may drop messages */
	char label[96];       /* "app \"blog\"", "listener", or "" at the top level */
};

/* ---- problems (config_getters.c) ---- */

/* A problem with a setting, prefixed with what holds it ("app \"blog\": "). */
void cfg_problem(struct parse_ctx *c, const config_setting_t *s, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* A problem at a line, with no prefix. */
void cfg_problem_at(struct parse_ctx *c, int line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
int cfg_line_of(const config_setting_t *s);
/* "a string", "an integer", ... for messages. */
const char *cfg_type_name(const config_setting_t *s);

/* ---- typed getters (config_getters.c); false after reporting a problem ---- */

bool cfg_get_string(struct parse_ctx *c, const config_setting_t *s, const char *what,
		    char *out, size_t size);
bool cfg_get_int(struct parse_ctx *c, const config_setting_t *s, const char *what,
		 long long min, long long max, long long *out);
/* The same into an int; nothing happens when s is NULL. */
void cfg_get_int_into(struct parse_ctx *c, const config_setting_t *s, const char *what,
		      long long min, long long max, int *out);
/* Joins a relative path to base_dir; "./" at the front is dropped. */
int cfg_join_path(const char *base_dir, const char *path, char *out, size_t size);
/* A non-empty path, made absolute against c->base_dir. */
bool cfg_get_path(struct parse_ctx *c, const config_setting_t *s, const char *what,
		  char *out, size_t size);
/* A cell limit given as an integer or a string: the integer as text, or
 * the string, for a shared parser (config_limits.c); types says what is
 * accepted, for the message. */
bool cfg_get_limit_text(struct parse_ctx *c, const config_setting_t *s, const char *what,
			const char *types, char *text, size_t size);
/* An array of strings, each passed to one(c, element, index kept so far,
 * arg); returns how many were kept. */
int cfg_each_string(struct parse_ctx *c, const config_setting_t *s, const char *what, int max,
		    bool (*one)(struct parse_ctx *, const config_setting_t *, int, void *),
		    void *arg);
/* An address; "unix:relative" is made absolute like any path. */
bool cfg_get_addr(struct parse_ctx *c, const config_setting_t *s, const char *what,
		  struct sg_addr *out);
/* socket_mode: an octal string or integer, or a hex integer. */
bool cfg_get_mode(struct parse_ctx *c, const config_setting_t *s, int *out);
/* socket_group: a group name (string) or a gid (integer or digits), kept as
 * text for sg_config_resolve. */
bool cfg_get_group(struct parse_ctx *c, const config_setting_t *s, char *out, size_t size);

/* ---- settings by name (config_keys.c) ---- */

struct cfg_key {
	const char *name;
	const config_setting_t **slot;
};

#define CFG_N_KEYS(keys) (sizeof(keys) / sizeof(keys)[0])

/* Points each key's slot at the member of that name; any other member is
 * an unknown setting ("in in_what", with a suggestion for a near miss). */
void cfg_match_keys(struct parse_ctx *c, const config_setting_t *group, struct cfg_key *keys,
		    size_t n_keys, const char *in_what);
/* A list ( { ... }, { ... } ) of groups; returns its length (capped at max)
 * or -1. */
int cfg_group_list_length(struct parse_ctx *c, const config_setting_t *s, const char *what,
			  const char *example, int max);

/* ---- the entries ---- */

/* config_listeners.c and config_apps.c: the `listeners` and `apps` lists. */
void cfg_parse_listeners(struct parse_ctx *c, const config_setting_t *s, struct sg_config *cfg);
void cfg_parse_apps(struct parse_ctx *c, const config_setting_t *s, struct sg_config *cfg);
/* config_users.c: the `users` group (self-service, config_users.h). */
void cfg_parse_users(struct parse_ctx *c, const config_setting_t *s, struct sg_config *cfg);
/* config_cgi.c: the `cgi` group (config_cgi.h); config_user_cgi.c: a
 * user's own, into out->cgi (the admin's narrowed), for users.c. */
void cfg_parse_cgi(struct parse_ctx *c, const config_setting_t *s, struct sg_config *cfg);
void cfg_parse_user_cgi(struct parse_ctx *c, const config_setting_t *s, const char *owner,
			const struct sg_config *sys, struct sg_config *out,
			struct sg_diags *warnings);
bool cfg_cgi_clean_relative(const char *path);
bool cfg_cgi_valid_extension(const char *ext);
/* config_frontends.c: the top-level `frontends` list. */
void cfg_parse_frontends(struct parse_ctx *c, const config_setting_t *s, struct sg_config *cfg);
/* config_route.c: an app's route group; route.listeners names entries of
 * cfg->listeners, which must be parsed already. */
void cfg_parse_route(struct parse_ctx *c, const config_setting_t *g, const struct sg_config *cfg,
		     struct sg_app_conf *app);

/* config_sandbox.c: an app's sandbox settings, matched with its other
 * keys by config_apps.c. */
struct cfg_sandbox_keys {
	const config_setting_t *network, *bind_ports, *connect_ports, *writable, *tmp_size,
		*policy, *seccomp_log, *seccomp, *rlimit_fsize, *rlimit_as, *rlimit_cpu;
};
#define CFG_SANDBOX_KEYS(k)                                                               \
	{ "network", &(k)->network }, { "bind_ports", &(k)->bind_ports },                 \
	{ "connect_ports", &(k)->connect_ports }, { "writable", &(k)->writable },          \
	{ "tmp_size", &(k)->tmp_size }, { "policy", &(k)->policy },                        \
	{ "seccomp_log", &(k)->seccomp_log }, { "seccomp", &(k)->seccomp },                \
	{ "rlimit_fsize", &(k)->rlimit_fsize }, { "rlimit_as", &(k)->rlimit_as },          \
	{ "rlimit_cpu", &(k)->rlimit_cpu }
void cfg_parse_app_sandbox(struct parse_ctx *c, const struct cfg_sandbox_keys *k,
			   struct sg_app_conf *app);

/* ---- before libconfig (config_precheck.c) ---- */

/* Integers libconfig would silently wrap, and @include; problems go to c. */
void cfg_precheck_text(struct parse_ctx *c, const char *text);
/* Reads a regular file of at most SG_CONFIG_FILE_MAX bytes, NUL-free, into
 * a malloc'd string; NULL after a problem in d. */
char *cfg_read_text(const char *path, struct sg_diags *d);

#endif
