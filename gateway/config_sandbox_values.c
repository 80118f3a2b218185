/* Value checks for the sandbox settings, shared by the configuration file
 * (config_sandbox.c) and the command line (cli.c): the network mode, a
 * policy name, a writable directory, a TCP port. Pure: text in, a verdict
 * and a message out. */
#include "config.h"

#include <ctype.h>
#include <string.h>

int sg_config_parse_network(const char *text, enum sg_network *out, struct sg_error *err)
{
	static const struct { const char *name; enum sg_network mode; } modes[] = {
		{ "none", SG_NET_NONE }, { "loopback", SG_NET_LOOPBACK }, { "host", SG_NET_HOST },
	};
	for (size_t i = 0; i < sizeof modes / sizeof modes[0]; i++)
		if (strcmp(text, modes[i].name) == 0) {
			*out = modes[i].mode;
			return 0;
		}
	return sg_fail(err, "network \"%.80s\" must be \"none\" (no network), \"loopback\" (its "
			    "own lo only) or \"host\" (the host's network)", text);
}

const char *sg_config_network_name(enum sg_network mode)
{
	switch (mode) {
	case SG_NET_NONE: return "none";
	case SG_NET_LOOPBACK: return "loopback";
	case SG_NET_HOST: return "host";
	}
	return "?";
}

/* A policy is a file name in policies/: no path, no dots. */
int sg_config_check_policy(const char *name, struct sg_error *err)
{
	size_t len = strlen(name);
	bool ok = len >= 1 && len < SG_NAME_MAX;
	for (size_t i = 0; ok && i < len; i++)
		ok = islower((unsigned char)name[i]) || isdigit((unsigned char)name[i]) ||
		     name[i] == '_' || name[i] == '-';
	if (!ok)
		return sg_fail(err, "policy \"%.80s\" must be the name of a file in policies/ "
				    "without \".policy\": 1-%d characters from a-z 0-9 _ -",
			       name, SG_NAME_MAX - 1);
	return 0;
}

static bool has_component(const char *path, const char *name)
{
	size_t n = strlen(name);
	for (const char *p = path; (p = strchr(p, '/')) != NULL; p++)
		if (strncmp(p + 1, name, n) == 0 && (p[1 + n] == '/' || p[1 + n] == '\0'))
			return true;
	return false;
}

static bool is_under(const char *path, const char *dir)
{
	size_t n = strlen(dir);
	return strncmp(path, dir, n) == 0 && (path[n] == '/' || path[n] == '\0');
}

/* A directory bound read-write into the cell: absolute, normalised (the
 * cell sees it at the same path), and not a place that would hand the
 * cell the system (/, /usr, /etc) or kernel interfaces (/proc, /sys,
 * /dev). */
int sg_config_check_writable(const char *path, struct sg_error *err)
{
	static const char *const refused[] = { "/proc", "/sys", "/dev", "/usr", "/etc",
					       "/bin", "/sbin", "/lib", "/lib32", "/lib64",
					       "/libx32", "/boot", "/run" };
	size_t len = strlen(path);
	if (path[0] != '/')
		return sg_fail(err, "writable \"%.200s\" must be an absolute path", path);
	if (strcmp(path, "/") == 0)
		return sg_fail(err, "writable \"/\" would hand the cell the whole filesystem");
	if (path[len - 1] == '/' || strstr(path, "//") != NULL || has_component(path, ".") ||
	    has_component(path, ".."))
		return sg_fail(err, "writable \"%.200s\" must be written without \".\", \"..\", "
				    "\"//\" or a trailing \"/\"", path);
	if (strcmp(path, "/tmp") == 0 || strcmp(path, "/var/tmp") == 0)
		return sg_fail(err, "writable \"%s\" is shared by every user of the host; "
				    "the cell has a private /tmp (tmp_size)", path);
	for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++)
		if (is_under(path, refused[i]))
			return sg_fail(err, "writable \"%.200s\" is under %s, which a cell may "
					    "never write", path, refused[i]);
	return 0;
}

int sg_config_check_port(long long port, struct sg_error *err)
{
	if (port < 1 || port > 65535)
		return sg_fail(err, "port %lld is not 1..65535", port);
	return 0;
}
