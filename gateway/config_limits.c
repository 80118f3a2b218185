/* A cell's limits as text: memory, pids and cpu, shared by the
 * configuration file (config_apps.c) and the command line (cli.c). Pure:
 * text in, a value or a message out. Messages read well after "memory: "
 * or "--memory: ". */
#include "config.h"

#include <limits.h>
#include <stdbool.h>
#include <string.h>

/* Digits with an optional fraction ("12", "0.5"): the value times
 * 10^scale, exactly. false when it is not of that form, has more than
 * scale decimals, or exceeds max. */
static bool parse_fixed(const char *s, size_t len, int scale, long long max, long long *out)
{
	long long v = 0;
	int decimals = -1;
	if (len == 0 || s[0] < '0' || s[0] > '9')
		return false;
	for (size_t i = 0; i < len; i++) {
		if (s[i] == '.' && decimals < 0) {
			decimals = 0;
			continue;
		}
		int digit = s[i] - '0';
		if (digit < 0 || digit > 9 || (decimals >= 0 && ++decimals > scale) ||
		    v > (LLONG_MAX - digit) / 10)
			return false;
		v = v * 10 + digit;
	}
	if (decimals == 0)
		return false; /* "1." */
	for (int k = decimals < 0 ? 0 : decimals; k < scale && v <= max; k++)
		v *= 10;
	if (v > max)
		return false;
	*out = v;
	return true;
}

static long long size_unit(char suffix)
{
	switch (suffix) {
	case 'K': case 'k': return 1LL << 10;
	case 'M': case 'm': return 1LL << 20;
	case 'G': case 'g': return 1LL << 30;
	case 'T': case 't': return 1LL << 40;
	default: return 1;
	}
}

int sg_config_parse_memory(const char *text, long long *bytes, struct sg_error *err)
{
	if (strcmp(text, "max") == 0) {
		*bytes = SG_LIMIT_NONE;
		return 0;
	}
	size_t len = strlen(text);
	long long unit = len > 0 ? size_unit(text[len - 1]) : 1, value;
	if (unit > 1)
		len--;
	if (!parse_fixed(text, len, 0, LLONG_MAX / unit, &value) || value * unit < SG_MIN_MEMORY)
		return sg_fail(err, "expected a size in bytes, or with K, M, G or T (1024-based) "
				    "such as 512M, at least 1M, or max; got \"%.40s\"", text);
	*bytes = value * unit;
	return 0;
}

/* The private /tmp is always bounded: a tmpfs without a size may take
 * half the host's memory. */
int sg_config_parse_tmp_size(const char *text, long long *bytes, struct sg_error *err)
{
	if (strcmp(text, "max") == 0)
		return sg_fail(err, "the cell's /tmp needs a size such as 64M (\"max\" is not "
				    "allowed)");
	struct sg_error why;
	if (sg_config_parse_memory(text, bytes, &why) < 0)
		return sg_fail(err, "expected a size in bytes, or with K, M, G or T (1024-based) "
				    "such as 64M, at least 1M; got \"%.40s\"", text);
	return 0;
}

int sg_config_parse_pids(const char *text, int *pids, struct sg_error *err)
{
	long long value;
	if (strcmp(text, "max") == 0) {
		*pids = SG_LIMIT_NONE;
		return 0;
	}
	if (strchr(text, '.') != NULL || !parse_fixed(text, strlen(text), 0, SG_MAX_PIDS, &value) ||
	    value < 1)
		return sg_fail(err, "expected an integer 1-%d or max, got \"%.40s\"", SG_MAX_PIDS,
			       text);
	*pids = (int)value;
	return 0;
}

/* A fraction of one CPU in units of 10^-5 (= microseconds per 100 ms
 * period); a percentage in units of 10^-3 % (the same unit). */
int sg_config_parse_cpu(const char *text, int *cpu_us, struct sg_error *err)
{
	if (strcmp(text, "max") == 0) {
		*cpu_us = SG_LIMIT_NONE;
		return 0;
	}
	size_t len = strlen(text);
	bool percent = len > 0 && text[len - 1] == '%';
	long long value;
	if (!parse_fixed(text, percent ? len - 1 : len, percent ? 3 : 5, SG_MAX_CPU_US, &value) ||
	    value < SG_MIN_CPU_US)
		return sg_fail(err, "expected a fraction of one CPU (0.5) or a percentage (50%%), "
				    "0.01-1024 CPUs, or max; got \"%.40s\"", text);
	*cpu_us = (int)value;
	return 0;
}

int sg_config_check_pids(int pids, int processes, struct sg_error *err)
{
	if (pids > 0 && pids <= processes)
		return sg_fail(err, "pids %d leaves no room for the zygote and %d worker%s: it "
				    "must be at least %d", pids, processes,
			       processes == 1 ? "" : "s", processes + 1);
	return 0;
}
