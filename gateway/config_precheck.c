/* The raw text, before libconfig sees it: integers libconfig would
 * silently wrap and @include (cfg_precheck_text, pure), and reading the file
 * itself: its size and NUL bytes (cfg_read_text). */
#include "config_internal.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

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
		while (*p != '\0' && (isdigit((unsigned char)*p) || strchr(".eE+-", *p) != NULL))
			p++;
		return p; /* a float */
	}
	if (*p == 'L')
		return p[1] == 'L' ? p + 2 : p + 1; /* a 64-bit integer */
	if (value > INT_MAX)
		cfg_problem_at(c, line, "integer %.*s does not fit in 32 bits and libconfig would "
					"silently wrap it; write %.*sL for a 64-bit integer",
			       (int)(p - start), start, (int)(p - start), start);
	return p;
}

/* libconfig 1.5 wraps integers past 32 bits without a word (4294967297
 * reads as 1), and opens @include files relative to the current directory:
 * I/O this parser must not do, and a way to read files that a config's
 * author should not. So the text is scanned for both before libconfig
 * sees it; @include is only recognised at the start of a line. */
void cfg_precheck_text(struct parse_ctx *c, const char *p)
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
			cfg_problem_at(c, line, "@include is not supported; keep the configuration "
						"in one file");
			p += 8;
		} else if (isalpha((unsigned char)*p) || *p == '_' || *p == '*') {
			while (*p != '\0' && (isalnum((unsigned char)*p) || strchr("_*-", *p) != NULL))
				p++;
		} else if (isdigit((unsigned char)*p))
			p = scan_number(c, p, line);
		else
			p++;
	}
}

char *cfg_read_text(const char *path, struct sg_diags *d)
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
