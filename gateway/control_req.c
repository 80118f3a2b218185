#include "control_req.h"

#include <string.h>

#define MAX_WORDS 3

struct word {
	const char *s;
	size_t n;
};

static bool is_name_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '_' || c == '.' || c == '-' || c == '~'; /* '~': "OWNER~NAME" */
}

bool sg_control_name_ok(const char *name, size_t len)
{
	if (len == 0 || len >= SG_NAME_MAX)
		return false;
	for (size_t i = 0; i < len; i++)
		if (!is_name_char(name[i]))
			return false;
	return true;
}

static bool word_is(const struct word *w, const char *s)
{
	return w->n == strlen(s) && memcmp(w->s, s, w->n) == 0;
}

/* Splits on spaces; -1 on a byte that is not printable ASCII or on more
 * than MAX_WORDS words. */
static int split(const char *line, size_t len, struct word *w, int *n, struct sg_error *err)
{
	*n = 0;
	for (size_t i = 0; i < len;) {
		unsigned char c = (unsigned char)line[i];
		if (c == ' ') {
			i++;
			continue;
		}
		if (*n == MAX_WORDS)
			return sg_fail(err, "too many words in the request");
		w[*n].s = line + i;
		while (i < len && line[i] != ' ') {
			c = (unsigned char)line[i];
			if (c < 0x21 || c > 0x7e)
				return sg_fail(err, "the request has a byte that is not printable ASCII");
			i++;
		}
		w[*n].n = (size_t)(line + i - w[*n].s);
		(*n)++;
	}
	return 0;
}

static int parse_cmd(const struct word *w, int n, struct sg_control_req *req,
		     struct sg_error *err)
{
	if (n == 0)
		return sg_fail(err, "empty request; try \"status\"");
	if (word_is(&w[0], "status"))
		req->cmd = SG_CONTROL_STATUS;
	else if (word_is(&w[0], "reload"))
		req->cmd = SG_CONTROL_RELOAD;
	else if (word_is(&w[0], "stop"))
		req->cmd = SG_CONTROL_STOP;
	else if (w[0].n <= 16 && sg_control_name_ok(w[0].s, w[0].n))
		return sg_fail(err, "unknown command \"%.*s\"; commands: status [APP], reload APP, "
				    "stop APP", (int)w[0].n, w[0].s);
	else
		return sg_fail(err, "unknown command; commands: status [APP], reload APP, stop APP");
	if (n > 2)
		return sg_fail(err, "%.*s takes one app name", (int)w[0].n, w[0].s);
	if (n == 1) {
		if (req->cmd != SG_CONTROL_STATUS)
			return sg_fail(err, "%.*s needs an app name", (int)w[0].n, w[0].s);
		return 0;
	}
	if (!sg_control_name_ok(w[1].s, w[1].n))
		return sg_fail(err, "not an app name (letters, digits, _ . - ~, at most %d)",
			       SG_NAME_MAX - 1);
	memcpy(req->app, w[1].s, w[1].n);
	req->app[w[1].n] = '\0';
	return 0;
}

int sg_control_parse(const char *line, size_t len, struct sg_control_req *req,
		     struct sg_error *err)
{
	struct word w[MAX_WORDS];
	int n;
	memset(req, 0, sizeof *req);
	if (len > 0 && line[len - 1] == '\r')
		len--;
	if (len >= SG_CONTROL_LINE_MAX)
		return sg_fail(err, "request line too long (at most %d bytes)",
			       SG_CONTROL_LINE_MAX - 1);
	if (split(line, len, w, &n, err) < 0)
		return -1;
	int first = 0;
	if (n > 0 && (word_is(&w[0], "json") || word_is(&w[0], "text"))) {
		req->text = word_is(&w[0], "text");
		first = 1;
	}
	return parse_cmd(w + first, n - first, req, err);
}
