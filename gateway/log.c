#include "log.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

static char log_tag[64] = "sandgate";
static enum sg_log_level log_min = SG_LOG_INFO;
static bool log_syslog;

static const char *const level_names[] = { "DEBUG", "INFO", "WARN", "ERROR" };

int sg_log_level_parse(const char *name)
{
	if (strcasecmp(name, "debug") == 0)
		return SG_LOG_DEBUG;
	if (strcasecmp(name, "info") == 0)
		return SG_LOG_INFO;
	if (strcasecmp(name, "warn") == 0 || strcasecmp(name, "warning") == 0)
		return SG_LOG_WARN;
	if (strcasecmp(name, "error") == 0)
		return SG_LOG_ERROR;
	return -1;
}

void sg_log_init(const char *tag, enum sg_log_level min_level)
{
	if (tag != NULL)
		snprintf(log_tag, sizeof log_tag, "%s", tag);
	log_min = min_level;
}

void sg_log_use_syslog(const char *ident)
{
	openlog(ident, LOG_PID | LOG_NDELAY, LOG_DAEMON);
	log_syslog = true;
}

/* Messages quote what clients and apps send (names, paths); a control
 * character in them must not start a forged log line. */
static void escape_controls(const char *in, char *out, size_t cap)
{
	static const char hex[] = "0123456789abcdef";
	size_t o = 0;
	for (; *in != '\0' && o + 5 < cap; in++) {
		unsigned char ch = (unsigned char)*in;
		if (ch < 0x20 || ch == 0x7f) {
			out[o++] = '\\';
			out[o++] = 'x';
			out[o++] = hex[ch >> 4];
			out[o++] = hex[ch & 15];
		} else {
			out[o++] = (char)ch;
		}
	}
	out[o] = '\0';
}

void sg_log(enum sg_log_level level, const char *fmt, ...)
{
	if (level < log_min)
		return;
	char raw[1024], msg[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(raw, sizeof raw, fmt, ap);
	va_end(ap);
	escape_controls(raw, msg, sizeof msg);

	if (log_syslog) {
		static const int prio[] = { LOG_DEBUG, LOG_INFO, LOG_WARNING, LOG_ERR };
		syslog(prio[level], "%s", msg);
		return;
	}
	char stamp[32];
	time_t now = time(NULL);
	struct tm tm;
	gmtime_r(&now, &tm);
	strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%SZ", &tm);
	/* One write per line so lines from many processes do not interleave. */
	char line[1200];
	int n = snprintf(line, sizeof line, "%s %s [%s] %s\n", stamp, level_names[level], log_tag, msg);
	if (n > (int)sizeof line - 1) {
		n = (int)sizeof line - 1;
		line[n - 1] = '\n';
	}
	if (n > 0) {
		ssize_t w = write(STDERR_FILENO, line, (size_t)n);
		(void)w;
	}
}
