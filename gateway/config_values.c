/* Value checks shared by the configuration file (config_*.c) and the
 * command line (cli.c): names, mount prefixes, hosts, modes, socket groups
 * and module specs. Pure: text in, a verdict and a message out. */
#include "config.h"

#include <ctype.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

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

int sg_config_check_group(const char *group, struct sg_error *err)
{
	size_t len = strlen(group);
	size_t digits = strspn(group, "0123456789");
	if (len > 0 && digits == len) {
		unsigned long long gid = 0;
		for (size_t i = 0; i < len && gid < UINT32_MAX; i++)
			gid = gid * 10 + (unsigned)(group[i] - '0');
		if (gid >= UINT32_MAX)
			return sg_fail(err, "gid %.32s must be 0-%u", group, UINT32_MAX - 1);
		return 0;
	}
	bool ok = len >= 1 && len < SG_NAME_MAX && group[0] != '-';
	for (size_t i = 0; ok && i < len; i++)
		ok = !iscntrl((unsigned char)group[i]) && !isspace((unsigned char)group[i]) &&
		     strchr(":,/", group[i]) == NULL;
	if (!ok)
		return sg_fail(err, "\"%.80s\" is not a group name or gid", group);
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
