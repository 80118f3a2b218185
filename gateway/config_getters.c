/* Reading one setting: problems with their lines and labels, and typed
 * getters that check a setting's type and range and report what is wrong.
 * A getter returns false after reporting; the caller keeps its default. */
#include "config_internal.h"

#include <ctype.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

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

void cfg_problem(struct parse_ctx *c, const config_setting_t *s, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vproblem(c, s != NULL ? (int)config_setting_source_line(s) : 0, true, fmt, ap);
	va_end(ap);
}

void cfg_problem_at(struct parse_ctx *c, int line, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vproblem(c, line, false, fmt, ap);
	va_end(ap);
}

int cfg_line_of(const config_setting_t *s)
{
	return (int)config_setting_source_line(s);
}

const char *cfg_type_name(const config_setting_t *s)
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

bool cfg_get_string(struct parse_ctx *c, const config_setting_t *s, const char *what,
		    char *out, size_t size)
{
	if (config_setting_type(s) != CONFIG_TYPE_STRING) {
		cfg_problem(c, s, "%s must be a string, not %s", what, cfg_type_name(s));
		return false;
	}
	const char *value = config_setting_get_string(s);
	size_t len = strlen(value);
	for (size_t i = 0; i < len; i++) {
		if (iscntrl((unsigned char)value[i])) {
			cfg_problem(c, s, "%s must not contain control characters", what);
			return false;
		}
	}
	if (len >= size) {
		cfg_problem(c, s, "%s is too long (at most %zu bytes)", what, size - 1);
		return false;
	}
	memcpy(out, value, len + 1);
	return true;
}

bool cfg_get_int(struct parse_ctx *c, const config_setting_t *s, const char *what,
		 long long min, long long max, long long *out)
{
	int type = config_setting_type(s);
	if (type != CONFIG_TYPE_INT && type != CONFIG_TYPE_INT64) {
		cfg_problem(c, s, "%s must be an integer, not %s", what, cfg_type_name(s));
		return false;
	}
	long long value = config_setting_get_int64(s);
	if (value < min || value > max) {
		if (max == LLONG_MAX)
			cfg_problem(c, s, "%s must be at least %lld, got %lld", what, min, value);
		else
			cfg_problem(c, s, "%s must be %lld..%lld, got %lld", what, min, max, value);
		return false;
	}
	*out = value;
	return true;
}

void cfg_get_int_into(struct parse_ctx *c, const config_setting_t *s, const char *what,
		      long long min, long long max, int *out)
{
	long long value;
	if (s != NULL && cfg_get_int(c, s, what, min, max, &value))
		*out = (int)value;
}

int cfg_join_path(const char *base_dir, const char *path, char *out, size_t size)
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

bool cfg_get_path(struct parse_ctx *c, const config_setting_t *s, const char *what,
		  char *out, size_t size)
{
	char raw[PATH_MAX];
	if (!cfg_get_string(c, s, what, raw, sizeof raw))
		return false;
	if (raw[0] == '\0') {
		cfg_problem(c, s, "%s must not be empty", what);
		return false;
	}
	if (cfg_join_path(c->base_dir, raw, out, size) < 0) {
		cfg_problem(c, s, "%s is too long once made absolute", what);
		return false;
	}
	return true;
}

/* An address setting; "unix:relative" is made absolute like any path. */
bool cfg_get_addr(struct parse_ctx *c, const config_setting_t *s, const char *what,
		  struct sg_addr *out)
{
	char raw[PATH_MAX], text[PATH_MAX];
	if (!cfg_get_string(c, s, what, raw, sizeof raw))
		return false;
	if (strncmp(raw, "unix:", 5) == 0 && raw[5] != '/' && raw[5] != '\0') {
		memcpy(text, "unix:", 5);
		if (cfg_join_path(c->base_dir, raw + 5, text + 5, sizeof text - 5) < 0) {
			cfg_problem(c, s, "%s is too long once made absolute", what);
			return false;
		}
	} else {
		memcpy(text, raw, sizeof raw);
	}
	struct sg_error err;
	if (sg_addr_parse(text, out, &err) < 0) {
		cfg_problem(c, s, "%s: %s", what, err.msg);
		return false;
	}
	return true;
}

/* libconfig 1.5 reads integers as decimal (0660 is six hundred and sixty)
 * or hex (0x1b0). Modes are octal by convention (chmod 660), so a decimal
 * integer's digits are read as octal digits: 0660 and 660 both mean
 * rw-rw----. A hex integer is taken as the value it is; a string is parsed
 * as octal. */
bool cfg_get_mode(struct parse_ctx *c, const config_setting_t *s, int *out)
{
	int type = config_setting_type(s);
	char text[32];
	struct sg_error err;
	if (type == CONFIG_TYPE_STRING) {
		if (!cfg_get_string(c, s, "socket_mode", text, sizeof text))
			return false;
	} else if (type == CONFIG_TYPE_INT || type == CONFIG_TYPE_INT64) {
		long long value = config_setting_get_int64(s);
		if (config_setting_get_format(s) == CONFIG_FORMAT_HEX) {
			if (value < 0 || value > 0777) {
				cfg_problem(c, s, "socket_mode must be 0..0777, got %#llo", value);
				return false;
			}
			*out = (int)value;
			return true;
		}
		snprintf(text, sizeof text, "%lld", value);
	} else {
		cfg_problem(c, s, "socket_mode must be an octal integer or string such as "
				  "\"0660\", not %s", cfg_type_name(s));
		return false;
	}
	if (sg_config_parse_mode(text, out, &err) < 0) {
		cfg_problem(c, s, "socket_mode: %s", err.msg);
		return false;
	}
	return true;
}

bool cfg_get_group(struct parse_ctx *c, const config_setting_t *s, char *out, size_t size)
{
	int type = config_setting_type(s);
	char text[SG_NAME_MAX];
	struct sg_error err;
	if (type == CONFIG_TYPE_INT || type == CONFIG_TYPE_INT64) {
		long long gid;
		if (!cfg_get_int(c, s, "socket_group", 0, (long long)UINT32_MAX - 1, &gid))
			return false;
		snprintf(text, sizeof text, "%lld", gid);
	} else if (type != CONFIG_TYPE_STRING) {
		cfg_problem(c, s, "socket_group must be a group name or a gid, not %s",
			    cfg_type_name(s));
		return false;
	} else if (!cfg_get_string(c, s, "socket_group", text, sizeof text)) {
		return false;
	}
	if (sg_config_check_group(text, &err) < 0) {
		cfg_problem(c, s, "socket_group: %s", err.msg);
		return false;
	}
	snprintf(out, size, "%s", text);
	return true;
}

bool cfg_get_limit_text(struct parse_ctx *c, const config_setting_t *s, const char *what,
			const char *types, char *text, size_t size)
{
	int type = config_setting_type(s);
	if (type == CONFIG_TYPE_INT || type == CONFIG_TYPE_INT64) {
		snprintf(text, size, "%lld", config_setting_get_int64(s));
		return true;
	}
	if (type == CONFIG_TYPE_STRING)
		return cfg_get_string(c, s, what, text, size);
	cfg_problem(c, s, "%s must be %s, not %s", what, types, cfg_type_name(s));
	return false;
}

int cfg_each_string(struct parse_ctx *c, const config_setting_t *s, const char *what, int max,
		    bool (*one)(struct parse_ctx *, const config_setting_t *, int, void *),
		    void *arg)
{
	if (!config_setting_is_array(s) && !config_setting_is_list(s)) {
		cfg_problem(c, s, "%s must be an array of strings [\"...\"], not %s", what,
			    cfg_type_name(s));
		return 0;
	}
	int n = config_setting_length(s);
	if (n > max) {
		cfg_problem(c, s, "%s holds at most %d entries, got %d", what, max, n);
		return 0;
	}
	int kept = 0;
	for (int i = 0; i < n; i++)
		if (one(c, config_setting_get_elem(s, (unsigned)i), kept, arg))
			kept++;
	return kept;
}
