/* The configuration file: libconfig text -> struct sg_config, with every
 * problem collected as "FILE:LINE: message" rather than stopping at the
 * first one, so that `sandgate check` can list them all.
 *
 * sg_config_parse and sg_config_parse_at are pure (text in, model and
 * messages out); only sg_config_load touches the file system. User names
 * are looked up later, by sg_config_resolve (config_resolve.c).
 *
 * The settings, their types, defaults and ranges are documented in
 * docs/configuration.md and examples/sandgate.conf. */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <libconfig.h>
#include <limits.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"

/* ------------------------------------------------------------------ */
/* Diagnostics                                                         */

void sg_diags_add(struct sg_diags *d, const char *file, int line, const char *fmt, ...)
{
	if (d->n >= SG_DIAGS_MAX)
		return;
	if (d->n == d->cap) {
		int cap = d->cap > 0 ? d->cap * 2 : 8;
		if (cap > SG_DIAGS_MAX)
			cap = SG_DIAGS_MAX;
		void *grown = reallocarray(d->msg, (size_t)cap, sizeof *d->msg);
		if (grown == NULL)
			return; /* callers count problems themselves; see struct parse_ctx */
		d->msg = grown;
		d->cap = cap;
	}
	char body[sizeof d->msg[0]];
	if (d->n == SG_DIAGS_MAX - 1) {
		snprintf(body, sizeof body, "too many problems; the rest are not listed");
	} else {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(body, sizeof body, fmt, ap);
		va_end(ap);
	}
	int n;
	if (line > 0)
		n = snprintf(d->msg[d->n], sizeof d->msg[0], "%s:%d: %s", file, line, body);
	else
		n = snprintf(d->msg[d->n], sizeof d->msg[0], "%s: %s", file, body);
	if (n < 0)
		return;
	d->n++;
}

void sg_diags_free(struct sg_diags *d)
{
	free(d->msg);
	d->msg = NULL;
	d->n = 0;
	d->cap = 0;
}

/* ------------------------------------------------------------------ */
/* Value checks shared with the command line (cli.c)                   */

static bool is_name_char(char ch)
{
	return isalnum((unsigned char)ch) || ch == '_' || ch == '.' || ch == '-';
}

static bool is_identifier(const char *s, size_t len)
{
	if (len == 0 || !(isalpha((unsigned char)s[0]) || s[0] == '_'))
		return false;
	for (size_t i = 1; i < len; i++)
		if (!(isalnum((unsigned char)s[i]) || s[i] == '_'))
			return false;
	return true;
}

int sg_config_check_name(const char *name, struct sg_error *err)
{
	size_t len = strlen(name);
	bool ok = len >= 1 && len < SG_NAME_MAX && strcmp(name, ".") != 0 &&
		  strcmp(name, "..") != 0;
	for (size_t i = 0; ok && i < len; i++)
		ok = is_name_char(name[i]);
	if (!ok)
		return sg_fail(err, "name \"%.80s\" must be 1-%d characters from A-Z a-z 0-9 _ . - "
				    "(and not \".\" or \"..\")", name, SG_NAME_MAX - 1);
	return 0;
}

/* Characters a mount prefix may hold: RFC 3986 pchar without '%', since the
 * prefix is compared with the percent-decoded path (path_split.h). */
static bool is_prefix_char(char ch)
{
	return isalnum((unsigned char)ch) || strchr("/-._~!$&'()*+,;=:@", ch) != NULL;
}

int sg_config_check_prefix(const char *prefix, struct sg_error *err)
{
	size_t len = strlen(prefix);
	if (len == 0)
		return 0;
	if (len >= sizeof ((struct sg_app_conf *)0)->prefix)
		return sg_fail(err, "prefix is too long (at most %zu bytes)",
			       sizeof ((struct sg_app_conf *)0)->prefix - 1);
	if (prefix[0] != '/')
		return sg_fail(err, "prefix \"%.80s\" must start with \"/\"", prefix);
	if (strcmp(prefix, "/") == 0)
		return sg_fail(err, "prefix \"/\" must be written \"\" (the whole site)");
	if (prefix[len - 1] == '/')
		return sg_fail(err, "prefix \"%.80s\" must not end with \"/\"", prefix);
	for (size_t i = 0; i < len; i++)
		if (!is_prefix_char(prefix[i]))
			return sg_fail(err, "prefix \"%.80s\" has a character that is not allowed "
					    "(letters, digits and -._~!$&'()*+,;=:@/ are)", prefix);
	const char *seg = prefix + 1;
	for (;;) {
		size_t n = strcspn(seg, "/");
		if (n == 0)
			return sg_fail(err, "prefix \"%.80s\" must not contain \"//\"", prefix);
		if ((n == 1 && seg[0] == '.') || (n == 2 && seg[0] == '.' && seg[1] == '.'))
			return sg_fail(err, "prefix \"%.80s\" must not contain a \".\" or \"..\" "
					    "segment", prefix);
		if (seg[n] == '\0')
			return 0;
		seg += n + 1;
	}
}

static int check_port(const char *port, struct sg_error *err)
{
	size_t len = strlen(port);
	long value = 0;
	bool ok = len >= 1 && len <= 5;
	for (size_t i = 0; ok && i < len; i++) {
		ok = isdigit((unsigned char)port[i]);
		value = value * 10 + (port[i] - '0');
	}
	if (!ok || value < 1 || value > 65535)
		return sg_fail(err, "port \"%.16s\" must be 1-65535", port);
	return 0;
}

int sg_config_check_host(const char *host, struct sg_error *err)
{
	if (host[0] == '\0')
		return 0;
	const char *colon = strchr(host, ':');
	size_t name_len = colon != NULL ? (size_t)(colon - host) : strlen(host);
	if (name_len == 0 || name_len > 253)
		return sg_fail(err, "host \"%.80s\" must have a name of 1-253 characters", host);
	for (size_t i = 0; i < name_len; i++) {
		char ch = host[i];
		if (!(isalnum((unsigned char)ch) || ch == '-' || ch == '.'))
			return sg_fail(err, "host \"%.80s\" may hold only letters, digits, '-', '.' "
					    "and a \":port\"", host);
		if (ch == '.' && (i == 0 || i + 1 == name_len || host[i + 1] == '.'))
			return sg_fail(err, "host \"%.80s\" has an empty label", host);
	}
	if (colon != NULL && check_port(colon + 1, err) < 0) {
		sg_error_prefix(err, "host \"%.80s\"", host);
		return -1;
	}
	return 0;
}

int sg_config_parse_mode(const char *text, int *mode, struct sg_error *err)
{
	size_t len = strlen(text);
	int value = 0;
	bool ok = len >= 1 && len <= 4;
	for (size_t i = 0; ok && i < len; i++) {
		ok = text[i] >= '0' && text[i] <= '7';
		value = value * 8 + (text[i] - '0');
	}
	if (!ok || value > 0777)
		return sg_fail(err, "mode \"%.16s\" must be octal 0-0777, such as \"0660\"", text);
	*mode = value;
	return 0;
}

/* "a.b.c": identifiers joined by single dots. */
static bool is_dotted_name(const char *s, size_t len)
{
	size_t start = 0;
	for (size_t i = 0; i <= len; i++) {
		if (i == len || s[i] == '.') {
			if (!is_identifier(s + start, i - start))
				return false;
			start = i + 1;
		}
	}
	return true;
}

int sg_module_spec_parse(const char *spec, struct sg_module_spec *out, struct sg_error *err)
{
	memset(out, 0, sizeof *out);
	size_t target_len = strlen(spec);
	const char *colon = strrchr(spec, ':');
	if (colon != NULL) {
		const char *callable = colon + 1;
		size_t callable_len = strlen(callable);
		if (!is_identifier(callable, callable_len))
			return sg_fail(err, "module \"%.200s\": callable \"%.80s\" is not a Python "
					    "identifier", spec, callable);
		if (callable_len >= sizeof out->callable)
			return sg_fail(err, "module \"%.200s\": callable name is too long", spec);
		memcpy(out->callable, callable, callable_len + 1);
		target_len = (size_t)(colon - spec);
	}
	if (target_len == 0)
		return sg_fail(err, "module \"%.200s\" names no file or module", spec);
	if (target_len >= sizeof out->target)
		return sg_fail(err, "module \"%.80s...\" is too long", spec);
	memcpy(out->target, spec, target_len);
	out->target[target_len] = '\0';
	out->is_file = memchr(spec, '/', target_len) != NULL ||
		       (target_len > 3 && memcmp(spec + target_len - 3, ".py", 3) == 0);
	if (!out->is_file && !is_dotted_name(out->target, target_len))
		return sg_fail(err, "module \"%.200s\" is neither a file (a path with \"/\" or "
				    "ending in \".py\") nor a dotted Python module name", spec);
	return 0;
}

/* ------------------------------------------------------------------ */
/* The parse: context and typed getters                                */

struct parse_ctx {
	const char *file;     /* names the source in messages */
	const char *base_dir; /* relative paths are resolved against it */
	struct sg_diags *d;
	int problems;         /* counted here too: sg_diags_add may drop messages */
	char label[96];       /* "app \"blog\"", "listener", or "" at the top level */
};

static void __attribute__((format(printf, 4, 0)))
vproblem(struct parse_ctx *c, int line, bool labelled, const char *fmt, va_list ap)
{
	char msg[400];
	vsnprintf(msg, sizeof msg, fmt, ap);
	if (labelled && c->label[0] != '\0')
		sg_diags_add(c->d, c->file, line, "%s: %s", c->label, msg);
	else
		sg_diags_add(c->d, c->file, line, "%s", msg);
	c->problems++;
}

/* A problem with a setting, prefixed with what holds it ("app \"blog\": "). */
static void __attribute__((format(printf, 3, 4)))
problem(struct parse_ctx *c, const config_setting_t *s, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vproblem(c, s != NULL ? (int)config_setting_source_line(s) : 0, true, fmt, ap);
	va_end(ap);
}

/* A problem at a line, with no prefix. */
static void __attribute__((format(printf, 3, 4)))
problem_at(struct parse_ctx *c, int line, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vproblem(c, line, false, fmt, ap);
	va_end(ap);
}

static int line_of(const config_setting_t *s)
{
	return (int)config_setting_source_line(s);
}

static const char *type_name(const config_setting_t *s)
{
	switch (config_setting_type(s)) {
	case CONFIG_TYPE_INT:
	case CONFIG_TYPE_INT64: return "an integer";
	case CONFIG_TYPE_FLOAT: return "a number with a fraction";
	case CONFIG_TYPE_STRING: return "a string";
	case CONFIG_TYPE_BOOL: return "a boolean";
	case CONFIG_TYPE_GROUP: return "a group { }";
	case CONFIG_TYPE_ARRAY: return "an array [ ]";
	case CONFIG_TYPE_LIST: return "a list ( )";
	default: return "something else";
	}
}

static bool get_string(struct parse_ctx *c, const config_setting_t *s, const char *what,
		       char *out, size_t size)
{
	if (config_setting_type(s) != CONFIG_TYPE_STRING) {
		problem(c, s, "%s must be a string, not %s", what, type_name(s));
		return false;
	}
	const char *value = config_setting_get_string(s);
	size_t len = strlen(value);
	for (size_t i = 0; i < len; i++) {
		if (iscntrl((unsigned char)value[i])) {
			problem(c, s, "%s must not contain control characters", what);
			return false;
		}
	}
	if (len >= size) {
		problem(c, s, "%s is too long (at most %zu bytes)", what, size - 1);
		return false;
	}
	memcpy(out, value, len + 1);
	return true;
}

static bool get_int(struct parse_ctx *c, const config_setting_t *s, const char *what,
		    long long min, long long max, long long *out)
{
	int type = config_setting_type(s);
	if (type != CONFIG_TYPE_INT && type != CONFIG_TYPE_INT64) {
		problem(c, s, "%s must be an integer, not %s", what, type_name(s));
		return false;
	}
	long long value = config_setting_get_int64(s);
	if (value < min || value > max) {
		if (max == LLONG_MAX)
			problem(c, s, "%s must be at least %lld, got %lld", what, min, value);
		else
			problem(c, s, "%s must be %lld..%lld, got %lld", what, min, max, value);
		return false;
	}
	*out = value;
	return true;
}

static void get_int_into(struct parse_ctx *c, const config_setting_t *s, const char *what,
			 long long min, long long max, int *out)
{
	long long value;
	if (s != NULL && get_int(c, s, what, min, max, &value))
		*out = (int)value;
}

/* Joins a relative path to base_dir; "./" at the front is dropped. */
static int join_path(const char *base_dir, const char *path, char *out, size_t size)
{
	int n;
	while (path[0] == '.' && path[1] == '/')
		path += 2;
	if (path[0] == '/' || strcmp(base_dir, ".") == 0)
		n = snprintf(out, size, "%s", path);
	else if (strcmp(base_dir, "/") == 0)
		n = snprintf(out, size, "/%s", path);
	else
		n = snprintf(out, size, "%s/%s", base_dir, path);
	return n < 0 || (size_t)n >= size ? -1 : 0;
}

static bool get_path(struct parse_ctx *c, const config_setting_t *s, const char *what,
		     char *out, size_t size)
{
	char raw[PATH_MAX];
	if (!get_string(c, s, what, raw, sizeof raw))
		return false;
	if (raw[0] == '\0') {
		problem(c, s, "%s must not be empty", what);
		return false;
	}
	if (join_path(c->base_dir, raw, out, size) < 0) {
		problem(c, s, "%s is too long once made absolute", what);
		return false;
	}
	return true;
}

/* An address setting; "unix:relative" is made absolute like any path. */
static bool get_addr(struct parse_ctx *c, const config_setting_t *s, const char *what,
		     struct sg_addr *out)
{
	char raw[PATH_MAX], text[PATH_MAX];
	if (!get_string(c, s, what, raw, sizeof raw))
		return false;
	if (strncmp(raw, "unix:", 5) == 0 && raw[5] != '/' && raw[5] != '\0') {
		memcpy(text, "unix:", 5);
		if (join_path(c->base_dir, raw + 5, text + 5, sizeof text - 5) < 0) {
			problem(c, s, "%s is too long once made absolute", what);
			return false;
		}
	} else {
		memcpy(text, raw, sizeof raw);
	}
	struct sg_error err;
	if (sg_addr_parse(text, out, &err) < 0) {
		problem(c, s, "%s: %s", what, err.msg);
		return false;
	}
	return true;
}

/* libconfig 1.5 reads integers as decimal (0660 is six hundred and sixty)
 * or hex (0x1b0). Modes are octal by convention (chmod 660), so a decimal
 * integer's digits are read as octal digits: 0660 and 660 both mean
 * rw-rw----. A hex integer is taken as the value it is; a string is parsed
 * as octal. */
static bool get_mode(struct parse_ctx *c, const config_setting_t *s, int *out)
{
	int type = config_setting_type(s);
	char text[32];
	struct sg_error err;
	if (type == CONFIG_TYPE_STRING) {
		if (!get_string(c, s, "socket_mode", text, sizeof text))
			return false;
	} else if (type == CONFIG_TYPE_INT || type == CONFIG_TYPE_INT64) {
		long long value = config_setting_get_int64(s);
		if (config_setting_get_format(s) == CONFIG_FORMAT_HEX) {
			if (value < 0 || value > 0777) {
				problem(c, s, "socket_mode must be 0..0777, got %#llo", value);
				return false;
			}
			*out = (int)value;
			return true;
		}
		snprintf(text, sizeof text, "%lld", value);
	} else {
		problem(c, s, "socket_mode must be an octal integer or string such as \"0660\", "
			      "not %s", type_name(s));
		return false;
	}
	if (sg_config_parse_mode(text, out, &err) < 0) {
		problem(c, s, "socket_mode: %s", err.msg);
		return false;
	}
	return true;
}

/* ------------------------------------------------------------------ */
/* Matching a group's settings against the names it may hold           */

struct key {
	const char *name;
	const config_setting_t **slot;
};

static int edit_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	if (la > 31 || lb > 31)
		return 99;
	int row[32];
	for (size_t j = 0; j <= lb; j++)
		row[j] = (int)j;
	for (size_t i = 1; i <= la; i++) {
		int diag = row[0];
		row[0] = (int)i;
		for (size_t j = 1; j <= lb; j++) {
			int up = row[j];
			int best = diag + (a[i - 1] != b[j - 1]);
			if (up + 1 < best)
				best = up + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			row[j] = best;
			diag = up;
		}
	}
	return row[lb];
}

static void unknown_setting(struct parse_ctx *c, const config_setting_t *s,
			    const struct key *keys, size_t n_keys, const char *in_what)
{
	const char *name = config_setting_name(s);
	const char *nearest = NULL;
	int nearest_distance = 3;
	for (size_t i = 0; i < n_keys; i++) {
		int distance = edit_distance(name, keys[i].name);
		if (distance < nearest_distance) {
			nearest = keys[i].name;
			nearest_distance = distance;
		}
	}
	char hint[64] = "";
	if (nearest != NULL)
		snprintf(hint, sizeof hint, " (did you mean \"%s\"?)", nearest);
	problem_at(c, line_of(s), "unknown setting \"%s\"%s%s%s", name,
		   in_what[0] != '\0' ? " in " : "", in_what, hint);
}

/* Points each key's slot at the member of that name; any other member is
 * an unknown setting. libconfig has already refused duplicates. */
static void match_keys(struct parse_ctx *c, const config_setting_t *group, struct key *keys,
		       size_t n_keys, const char *in_what)
{
	int n = config_setting_length(group);
	for (int i = 0; i < n; i++) {
		const config_setting_t *s = config_setting_get_elem(group, (unsigned)i);
		size_t k = 0;
		while (k < n_keys && strcmp(keys[k].name, config_setting_name(s)) != 0)
			k++;
		if (k < n_keys)
			*keys[k].slot = s;
		else
			unknown_setting(c, s, keys, n_keys, in_what);
	}
}

#define N_KEYS(keys) (sizeof(keys) / sizeof(keys)[0])

/* ------------------------------------------------------------------ */
/* Listeners                                                           */

/* allow_uids: a uid, a user name, or a list of them; ( ) mixes both, since
 * a libconfig array [ ] holds one type only. */
static void parse_allow_entry(struct parse_ctx *c, const config_setting_t *s,
			      struct sg_listener_conf *l)
{
	if (l->n_allow_uids == SG_MAX_ALLOW_UIDS) {
		problem(c, s, "allow_uids holds at most %d entries", SG_MAX_ALLOW_UIDS);
		return;
	}
	int i = l->n_allow_uids;
	if (config_setting_type(s) == CONFIG_TYPE_STRING) {
		char *name = l->allow_names[i];
		if (!get_string(c, s, "allow_uids entry", name, sizeof l->allow_names[i]))
			return;
		if (name[0] == '\0') {
			problem(c, s, "allow_uids entries must not be empty");
			return;
		}
		l->allow_uids[i] = (uid_t)-1;
	} else {
		long long uid;
		if (!get_int(c, s, "allow_uids entry", 0, (long long)UINT32_MAX - 1, &uid))
			return;
		l->allow_uids[i] = (uid_t)uid;
	}
	l->n_allow_uids++;
}

static void parse_allow_uids(struct parse_ctx *c, const config_setting_t *s,
			     struct sg_listener_conf *l)
{
	if (config_setting_is_array(s) || config_setting_is_list(s)) {
		int n = config_setting_length(s);
		for (int i = 0; i < n; i++)
			parse_allow_entry(c, config_setting_get_elem(s, (unsigned)i), l);
	} else {
		parse_allow_entry(c, s, l);
	}
}

static void parse_listener(struct parse_ctx *c, const config_setting_t *g,
			   struct sg_listener_conf *l)
{
	const config_setting_t *http = NULL, *scgi = NULL, *mode = NULL, *allow = NULL;
	struct key keys[] = {
		{ "http", &http }, { "scgi", &scgi },
		{ "socket_mode", &mode }, { "allow_uids", &allow },
	};
	memset(l, 0, sizeof *l);
	l->line = line_of(g);
	snprintf(c->label, sizeof c->label, "listener");
	match_keys(c, g, keys, N_KEYS(keys), "listener");

	if (http != NULL && scgi != NULL) {
		problem_at(c, l->line, "listener has both http and scgi; give one of them");
		return;
	}
	if (http == NULL && scgi == NULL) {
		problem_at(c, l->line, "listener needs an address: http = \"HOST:PORT\" or "
				       "scgi = \"unix:/path\"");
		return;
	}
	l->kind = http != NULL ? SG_LISTEN_HTTP : SG_LISTEN_SCGI;
	l->socket_mode = l->kind == SG_LISTEN_HTTP ? 0600 : 0660;
	bool addr_ok = get_addr(c, http != NULL ? http : scgi, http != NULL ? "http" : "scgi",
				&l->addr);
	if (mode != NULL) {
		if (addr_ok && !l->addr.is_unix)
			problem(c, mode, "socket_mode applies only to unix: sockets; a TCP port "
					 "is open to every local user");
		else
			get_mode(c, mode, &l->socket_mode);
	}
	/* S8: anyone who can connect to an SCGI socket can forge REMOTE_USER,
	 * HTTPS or SCRIPT_NAME, so "others" must not be able to write to it. */
	if (l->kind == SG_LISTEN_SCGI && (l->socket_mode & 0002))
		problem(c, mode, "socket_mode %#o lets every local user connect and forge SCGI "
				 "variables (S8); drop the write bit for others", l->socket_mode);
	if (allow != NULL) {
		if (l->kind != SG_LISTEN_HTTP)
			problem(c, allow, "allow_uids applies only to http listeners; restrict an "
					  "SCGI socket with socket_mode");
		else if (addr_ok && !l->addr.is_unix)
			problem(c, allow, "allow_uids needs a unix: socket (it checks SO_PEERCRED)");
		else
			parse_allow_uids(c, allow, l);
	}
}

/* ------------------------------------------------------------------ */
/* Apps                                                                */

static void parse_module(struct parse_ctx *c, const config_setting_t *s, struct sg_app_conf *app)
{
	char raw[PATH_MAX];
	struct sg_module_spec spec;
	struct sg_error err;
	if (!get_string(c, s, "module", raw, sizeof raw))
		return;
	if (sg_module_spec_parse(raw, &spec, &err) < 0) {
		problem(c, s, "%s", err.msg);
		return;
	}
	char target[PATH_MAX];
	if (spec.is_file && join_path(c->base_dir, spec.target, target, sizeof target) < 0) {
		problem(c, s, "module is too long once made absolute");
		return;
	}
	int n = snprintf(app->module, sizeof app->module, "%s%s%s",
			 spec.is_file ? target : spec.target, spec.callable[0] ? ":" : "",
			 spec.callable);
	if (n < 0 || (size_t)n >= sizeof app->module)
		problem(c, s, "module is too long once made absolute");
}

static void parse_pythonpath(struct parse_ctx *c, const config_setting_t *s,
			     struct sg_app_conf *app)
{
	if (config_setting_type(s) == CONFIG_TYPE_STRING) {
		if (get_path(c, s, "pythonpath", app->pythonpath[0], sizeof app->pythonpath[0]))
			app->n_pythonpath = 1;
		return;
	}
	if (!config_setting_is_array(s) && !config_setting_is_list(s)) {
		problem(c, s, "pythonpath must be a string or an array of strings, not %s",
			type_name(s));
		return;
	}
	int n = config_setting_length(s);
	if (n > SG_MAX_PYTHONPATH) {
		problem(c, s, "pythonpath holds at most %d directories, got %d", SG_MAX_PYTHONPATH, n);
		return;
	}
	for (int i = 0; i < n; i++) {
		char *dir = app->pythonpath[app->n_pythonpath];
		if (get_path(c, config_setting_get_elem(s, (unsigned)i), "pythonpath entry", dir,
			     sizeof app->pythonpath[0]))
			app->n_pythonpath++;
	}
}

static void parse_user(struct parse_ctx *c, const config_setting_t *s, struct sg_app_conf *app)
{
	if (!get_string(c, s, "user", app->user, sizeof app->user))
		return;
	const char *u = app->user;
	if (u[0] == '\0' || u[0] == '-' || strpbrk(u, " /:") != NULL) {
		problem(c, s, "user \"%s\" is not a valid user name", u);
		app->user[0] = '\0';
	}
}

static void parse_route(struct parse_ctx *c, const config_setting_t *g, struct sg_app_conf *app)
{
	const config_setting_t *prefix = NULL, *host = NULL;
	struct key keys[] = { { "prefix", &prefix }, { "host", &host } };
	struct sg_error err;
	if (!config_setting_is_group(g)) {
		problem(c, g, "route must be a group { prefix = \"/x\"; host = \"name\"; }, not %s",
			type_name(g));
		return;
	}
	char in_what[128];
	snprintf(in_what, sizeof in_what, "route of %s", c->label);
	match_keys(c, g, keys, N_KEYS(keys), in_what);
	if (prefix != NULL && get_string(c, prefix, "route.prefix", app->prefix, sizeof app->prefix)
	    && sg_config_check_prefix(app->prefix, &err) < 0) {
		problem(c, prefix, "route.%s", err.msg);
		app->prefix[0] = '\0';
	}
	if (host != NULL && get_string(c, host, "route.host", app->host, sizeof app->host)) {
		if (sg_config_check_host(app->host, &err) < 0) {
			problem(c, host, "route.%s", err.msg);
			app->host[0] = '\0';
		}
		/* Host names are case-insensitive; store them lower-case. */
		for (char *p = app->host; *p != '\0'; p++)
			*p = (char)tolower((unsigned char)*p);
	}
}

/* Settings of one app entry; matched by name, then read in order. */
struct app_settings {
	const config_setting_t *name, *module, *chdir, *pythonpath, *venv, *user, *processes,
		*max_requests, *timeout, *queue, *max_body, *socket, *socket_mode, *route, *log,
		*access_log;
};

static void match_app_keys(struct parse_ctx *c, const config_setting_t *g,
			   struct app_settings *k)
{
	struct key keys[] = {
		{ "name", &k->name }, { "module", &k->module }, { "chdir", &k->chdir },
		{ "pythonpath", &k->pythonpath }, { "venv", &k->venv }, { "user", &k->user },
		{ "processes", &k->processes }, { "max_requests", &k->max_requests },
		{ "timeout", &k->timeout }, { "queue", &k->queue }, { "max_body", &k->max_body },
		{ "socket", &k->socket }, { "socket_mode", &k->socket_mode },
		{ "route", &k->route }, { "log", &k->log }, { "access_log", &k->access_log },
	};
	match_keys(c, g, keys, N_KEYS(keys), c->label);
}

/* The name comes first: it labels every other message about the app. */
static void parse_app_name(struct parse_ctx *c, const config_setting_t *g, int index,
			   const config_setting_t *name, struct sg_app_conf *app)
{
	struct sg_error err;
	snprintf(c->label, sizeof c->label, "app #%d", index + 1);
	if (name == NULL) {
		problem_at(c, line_of(g), "%s has no name (name = \"...\"; letters, digits, _ . -)",
			   c->label);
		return;
	}
	if (!get_string(c, name, "name", app->name, sizeof app->name))
		return;
	if (sg_config_check_name(app->name, &err) < 0) {
		problem(c, name, "%s", err.msg);
		app->name[0] = '\0';
		return;
	}
	snprintf(c->label, sizeof c->label, "app \"%s\"", app->name);
}

static void parse_app_limits(struct parse_ctx *c, const struct app_settings *k,
			     struct sg_app_conf *app)
{
	get_int_into(c, k->processes, "processes", 1, SG_MAX_PROCESSES, &app->processes);
	get_int_into(c, k->max_requests, "max_requests", 0, INT_MAX, &app->max_requests);
	get_int_into(c, k->timeout, "timeout", 1, SG_MAX_TIMEOUT, &app->timeout);
	get_int_into(c, k->queue, "queue", 0, SG_MAX_QUEUE, &app->queue);
	if (k->max_body != NULL)
		get_int(c, k->max_body, "max_body", 0, LLONG_MAX, &app->max_body);
}

static void parse_app_socket(struct parse_ctx *c, const struct app_settings *k,
			     struct sg_app_conf *app)
{
	if (k->socket != NULL)
		app->has_socket = get_addr(c, k->socket, "socket", &app->socket);
	if (k->socket_mode == NULL)
		return;
	if (k->socket == NULL)
		problem(c, k->socket_mode, "socket_mode needs a socket");
	else if (app->has_socket && !app->socket.is_unix)
		problem(c, k->socket_mode, "socket_mode applies only to unix: sockets; a TCP "
					   "port is open to every local user");
	else if (get_mode(c, k->socket_mode, &app->socket_mode) && (app->socket_mode & 0002))
		problem(c, k->socket_mode, "socket_mode %#o lets every local user connect and forge "
					   "SCGI variables (S8); drop the write bit for others",
			app->socket_mode);
}

static void parse_app(struct parse_ctx *c, const config_setting_t *g, int index,
		      struct sg_app_conf *app)
{
	struct app_settings k = { 0 };
	sg_config_defaults_app(app);
	app->line = line_of(g);
	parse_app_name(c, g, index, config_setting_get_member(g, "name"), app);
	match_app_keys(c, g, &k);

	if (k.module == NULL)
		problem_at(c, line_of(g), "%s has no module (module = \"app.py\" or "
					  "\"package.module:callable\")", c->label);
	else
		parse_module(c, k.module, app);
	if (k.chdir != NULL)
		get_path(c, k.chdir, "chdir", app->chdir, sizeof app->chdir);
	if (k.pythonpath != NULL)
		parse_pythonpath(c, k.pythonpath, app);
	if (k.venv != NULL)
		get_path(c, k.venv, "venv", app->venv, sizeof app->venv);
	if (k.user != NULL)
		parse_user(c, k.user, app);
	parse_app_limits(c, &k, app);
	parse_app_socket(c, &k, app);
	if (k.route != NULL)
		parse_route(c, k.route, app);
	if (k.log != NULL)
		get_path(c, k.log, "log", app->log, sizeof app->log);
	if (k.access_log != NULL)
		get_path(c, k.access_log, "access_log", app->access_log, sizeof app->access_log);
}

/* ------------------------------------------------------------------ */
/* The lists and the top level                                         */

/* A list ( { ... }, { ... } ) of groups; returns its length (capped at max)
 * or -1. */
static int group_list_length(struct parse_ctx *c, const config_setting_t *s, const char *what,
			     const char *example, int max)
{
	if (!config_setting_is_list(s)) {
		problem(c, s, "%s must be a list of groups: %s = ( %s );", what, what, example);
		return -1;
	}
	int n = config_setting_length(s);
	for (int i = 0; i < n; i++) {
		const config_setting_t *e = config_setting_get_elem(s, (unsigned)i);
		if (!config_setting_is_group(e)) {
			problem(c, e, "each %s entry must be a group { ... }, not %s", what,
				type_name(e));
			return -1;
		}
	}
	if (n > max) {
		problem(c, s, "at most %d %s are supported, got %d", max, what, n);
		n = max;
	}
	return n;
}

static void parse_listeners(struct parse_ctx *c, const config_setting_t *s, struct sg_config *cfg)
{
	int n = group_list_length(c, s, "listeners", "{ http = \"127.0.0.1:8080\"; }",
				  SG_MAX_LISTENERS);
	if (n <= 0)
		return;
	cfg->listeners = calloc((size_t)n, sizeof *cfg->listeners);
	if (cfg->listeners == NULL) {
		problem(c, s, "out of memory");
		return;
	}
	for (int i = 0; i < n; i++)
		parse_listener(c, config_setting_get_elem(s, (unsigned)i), &cfg->listeners[i]);
	cfg->n_listeners = n;
	c->label[0] = '\0';
}

static void parse_apps(struct parse_ctx *c, const config_setting_t *s, struct sg_config *cfg)
{
	int n = group_list_length(c, s, "apps", "{ name = \"x\"; module = \"app.py\"; }",
				  SG_MAX_APPS);
	if (n <= 0)
		return;
	cfg->apps = calloc((size_t)n, sizeof *cfg->apps);
	if (cfg->apps == NULL) {
		problem(c, s, "out of memory");
		return;
	}
	for (int i = 0; i < n; i++)
		parse_app(c, config_setting_get_elem(s, (unsigned)i), i, &cfg->apps[i]);
	cfg->n_apps = n;
	c->label[0] = '\0';
}

static void parse_top(struct parse_ctx *c, const config_setting_t *root, struct sg_config *cfg)
{
	const config_setting_t *log_level = NULL, *use_syslog = NULL, *graceful = NULL,
			       *listeners = NULL, *apps = NULL;
	struct key keys[] = {
		{ "log_level", &log_level }, { "syslog", &use_syslog },
		{ "graceful_timeout", &graceful }, { "listeners", &listeners }, { "apps", &apps },
	};
	match_keys(c, root, keys, N_KEYS(keys), "");
	char level[16];
	if (log_level != NULL && get_string(c, log_level, "log_level", level, sizeof level)) {
		int value = sg_log_level_parse(level);
		if (value < 0)
			problem(c, log_level, "log_level must be debug, info, warn or error, got "
					      "\"%s\"", level);
		else
			cfg->log_level = value;
	}
	if (use_syslog != NULL) {
		if (config_setting_type(use_syslog) != CONFIG_TYPE_BOOL)
			problem(c, use_syslog, "syslog must be true or false, not %s",
				type_name(use_syslog));
		else
			cfg->syslog = config_setting_get_bool(use_syslog);
	}
	get_int_into(c, graceful, "graceful_timeout", 0, SG_MAX_GRACEFUL, &cfg->graceful_timeout);
	if (listeners != NULL)
		parse_listeners(c, listeners, cfg);
	if (apps != NULL)
		parse_apps(c, apps, cfg);
	if (apps == NULL || (config_setting_is_list(apps) && config_setting_length(apps) == 0))
		problem_at(c, apps != NULL ? line_of(apps) : 0,
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
				problem_at(c, a->line, "app name \"%s\" is already used on line %d",
					   a->name, cfg->apps[j].line);
				break;
			}
		}
	}
}

/* Requests reach an app on its own socket, or through a listener. */
static void check_reachable(struct parse_ctx *c, const struct sg_config *cfg)
{
	if (cfg->n_listeners > 0)
		return;
	for (int i = 0; i < cfg->n_apps; i++) {
		const struct sg_app_conf *a = &cfg->apps[i];
		if (!a->has_socket)
			problem_at(c, a->line, "app \"%s\" is not reachable: give it a socket or "
					       "add a listener", a->name);
	}
}

/* Routing only happens on listeners, so only then must routes differ. */
static void check_routes(struct parse_ctx *c, const struct sg_config *cfg)
{
	if (cfg->n_listeners == 0)
		return;
	for (int i = 0; i < cfg->n_apps; i++) {
		const struct sg_app_conf *a = &cfg->apps[i];
		for (int j = 0; j < i; j++) {
			const struct sg_app_conf *b = &cfg->apps[j];
			if (strcmp(a->prefix, b->prefix) != 0 || strcasecmp(a->host, b->host) != 0)
				continue;
			problem_at(c, a->line, "app \"%s\" has the same route as app \"%s\" on line "
					       "%d (host %s%s%s, prefix \"%s\"); give one a "
					       "route.prefix or route.host", a->name, b->name,
				   b->line, a->host[0] ? "\"" : "", a->host[0] ? a->host : "any",
				   a->host[0] ? "\"" : "", a->prefix);
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
			ep[n++] = (struct endpoint){ &cfg->listeners[i].addr, cfg->listeners[i].line };
	for (int i = 0; i < cfg->n_apps; i++)
		if (cfg->apps[i].has_socket)
			ep[n++] = (struct endpoint){ &cfg->apps[i].socket, cfg->apps[i].line };
	for (int i = 0; i < n; i++) {
		for (int j = 0; j < i; j++) {
			if (same_addr(ep[i].addr, ep[j].addr)) {
				problem_at(c, ep[i].line, "address %s is already used on line %d",
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
	app->max_body = SG_DEFAULT_MAX_BODY;
	app->socket_mode = 0660;
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
	cfg->listeners = NULL;
	cfg->apps = NULL;
	cfg->n_listeners = 0;
	cfg->n_apps = 0;
}

/* Skips a "..." string (escapes included); strings may span lines. */
static const char *skip_string(const char *p, int *line)
{
	for (p++; *p != '\0' && *p != '"'; p++) {
		if (*p == '\\' && p[1] != '\0')
			p++;
		if (*p == '\n')
			(*line)++;
	}
	return *p == '"' ? p + 1 : p;
}

static const char *skip_block_comment(const char *p, int *line)
{
	for (p += 2; *p != '\0' && !(p[0] == '*' && p[1] == '/'); p++)
		if (*p == '\n')
			(*line)++;
	return *p != '\0' ? p + 2 : p;
}

/* An integer literal; flags one that libconfig would silently wrap. */
static const char *scan_number(struct parse_ctx *c, const char *p, int line)
{
	const char *start = p;
	unsigned long long value = 0;
	bool hex = p[0] == '0' && (p[1] == 'x' || p[1] == 'X');
	int base = hex ? 16 : 10;
	if (hex)
		p += 2;
	for (; hex ? isxdigit((unsigned char)*p) : isdigit((unsigned char)*p); p++) {
		unsigned digit = isdigit((unsigned char)*p) ? (unsigned)(*p - '0')
							    : (unsigned)(tolower(*p) - 'a' + 10);
		value = value > ((unsigned long long)INT_MAX + 1) ? value : value * base + digit;
	}
	if (!hex && (*p == '.' || *p == 'e' || *p == 'E')) {
		while (isdigit((unsigned char)*p) || strchr(".eE+-", *p) != NULL)
			p++;
		return p; /* a float */
	}
	if (*p == 'L')
		return p[1] == 'L' ? p + 2 : p + 1; /* a 64-bit integer */
	if (value > INT_MAX)
		problem_at(c, line, "integer %.*s does not fit in 32 bits and libconfig would "
				    "silently wrap it; write %.*sL for a 64-bit integer",
			   (int)(p - start), start, (int)(p - start), start);
	return p;
}

/* libconfig 1.5 wraps integers past 32 bits without a word (4294967297
 * reads as 1), and opens @include files relative to the current directory:
 * I/O this parser must not do, and a way to read files that a config's
 * author should not. So the text is scanned for both before libconfig
 * sees it; @include is only recognised at the start of a line. */
static void lint_text(struct parse_ctx *c, const char *p)
{
	int line = 1;
	bool line_start = true;
	while (*p != '\0') {
		if (*p == '\n') {
			line++;
			line_start = true;
			p++;
			continue;
		}
		if (*p == ' ' || *p == '\t' || *p == '\r') {
			p++;
			continue;
		}
		bool at_start = line_start;
		line_start = false;
		if (*p == '"')
			p = skip_string(p, &line);
		else if (*p == '#' || (p[0] == '/' && p[1] == '/'))
			p += strcspn(p, "\n");
		else if (p[0] == '/' && p[1] == '*')
			p = skip_block_comment(p, &line);
		else if (at_start && strncmp(p, "@include", 8) == 0) {
			problem_at(c, line, "@include is not supported; keep the configuration in "
					    "one file");
			p += 8;
		} else if (isalpha((unsigned char)*p) || *p == '_' || *p == '*') {
			while (isalnum((unsigned char)*p) || strchr("_*-", *p) != NULL)
				p++;
		} else if (isdigit((unsigned char)*p))
			p = scan_number(c, p, line);
		else
			p++;
	}
}

static void check_all(struct parse_ctx *c, const struct sg_config *cfg)
{
	check_app_names(c, cfg);
	check_reachable(c, cfg);
	check_routes(c, cfg);
	check_addresses(c, cfg);
}

int sg_config_parse_at(const char *text, const char *file, const char *base_dir,
		       struct sg_config *cfg, struct sg_diags *d)
{
	struct parse_ctx c = { .file = file, .base_dir = base_dir, .d = d };
	config_init_empty(cfg, file);
	lint_text(&c, text);
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
			problem_at(&c, config_error_line(&lc), "syntax error");
		else
			problem_at(&c, config_error_line(&lc), "syntax error: %s", why);
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

/* Reads a regular file of at most SG_CONFIG_FILE_MAX bytes, NUL-free. */
static char *read_config_text(const char *path, struct sg_diags *d)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct stat st;
	if (fd < 0 || fstat(fd, &st) < 0) {
		sg_diags_add(d, path, 0, "cannot read: %s", strerror(errno));
		if (fd >= 0)
			close(fd);
		return NULL;
	}
	if (!S_ISREG(st.st_mode) || st.st_size > SG_CONFIG_FILE_MAX) {
		sg_diags_add(d, path, 0, S_ISREG(st.st_mode) ? "cannot read: larger than %d bytes"
							    : "cannot read: not a regular file",
			     SG_CONFIG_FILE_MAX);
		close(fd);
		return NULL;
	}
	char *text = malloc(SG_CONFIG_FILE_MAX + 1);
	size_t len = 0;
	ssize_t got = 1;
	while (text != NULL && len <= SG_CONFIG_FILE_MAX && got > 0) {
		got = read(fd, text + len, SG_CONFIG_FILE_MAX + 1 - len);
		if (got < 0 && errno == EINTR)
			got = 1;
		else if (got > 0)
			len += (size_t)got;
	}
	int saved = errno;
	close(fd);
	if (text == NULL || got < 0 || len > SG_CONFIG_FILE_MAX || memchr(text, '\0', len)) {
		sg_diags_add(d, path, 0, "cannot read: %s",
			     text == NULL ? "out of memory" : got < 0 ? strerror(saved)
				: len > SG_CONFIG_FILE_MAX ? "file grew while being read"
				: "it contains a NUL byte");
		free(text);
		return NULL;
	}
	text[len] = '\0';
	return text;
}

int sg_config_load(const char *path, struct sg_config *cfg, struct sg_diags *d)
{
	config_init_empty(cfg, path);
	char *text = read_config_text(path, d);
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
