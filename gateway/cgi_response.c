#include "cgi_response.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

/* What one pass over the head lines found. */
struct head_scan {
	int status;             /* 0 = no Status field (nor NPH status line) */
	const char *reason;     /* the script's reason phrase, may be empty */
	size_t reason_len;
	int n_status, n_type, n_location;
};

/* RFC 9110 tchar: the characters of a header name. */
static bool is_tchar(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       (c != '\0' && strchr("!#$%&'*+-.^_`|~", c) != NULL);
}

/* Field value characters: visible, SP, HTAB, obs-text; no other CTL. */
static bool value_ok(const char *v, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)v[i];
		if ((c < 0x20 && c != '\t') || c == 0x7f)
			return false;
	}
	return true;
}

static const char *default_reason(int status)
{
	switch (status) {
	case 200: return "OK";
	case 201: return "Created";
	case 204: return "No Content";
	case 301: return "Moved Permanently";
	case 302: return "Found";
	case 303: return "See Other";
	case 304: return "Not Modified";
	case 307: return "Temporary Redirect";
	case 308: return "Permanent Redirect";
	case 400: return "Bad Request";
	case 401: return "Unauthorized";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 500: return "Internal Server Error";
	case 503: return "Service Unavailable";
	default: return "";
	}
}

/* "NNN" or "NNN reason" (C8): a final status, 200..599. */
static int parse_status(const char *v, size_t len, struct head_scan *s, struct sg_error *err)
{
	if (len < 3 || v[0] < '2' || v[0] > '5' || v[1] < '0' || v[1] > '9' || v[2] < '0' ||
	    v[2] > '9' || (len > 3 && v[3] != ' '))
		return sg_fail(err, "Status \"%.*s\" is not NNN [reason] with NNN 200..599 (C8)",
			       (int)(len < 40 ? len : 40), v);
	s->status = (v[0] - '0') * 100 + (v[1] - '0') * 10 + (v[2] - '0');
	s->reason = len > 4 ? v + 4 : "";
	s->reason_len = len > 4 ? len - 4 : 0;
	return 0;
}

/* C10: "HTTP/1.0 NNN reason" or "HTTP/1.1 NNN reason". */
static int parse_nph_line(const char *line, size_t len, struct head_scan *s, struct sg_error *err)
{
	if (len < 12 || (memcmp(line, "HTTP/1.0 ", 9) != 0 && memcmp(line, "HTTP/1.1 ", 9) != 0) ||
	    !value_ok(line, len))
		return sg_fail(err, "nph- script: the first line is not \"HTTP/1.x NNN reason\" "
				    "(C10)");
	s->n_status++;
	return parse_status(line + 9, len - 9, s, err);
}

static void append(char *out, size_t *n, const char *s, size_t len)
{
	if (out != NULL)
		memcpy(out + *n, s, len);
	*n += len;
}

/* One "Name: value" line (no line end). Copies it as "Name: value\r\n"
 * unless it is Status, which the caller writes first. */
static int header_line(const char *line, size_t len, struct head_scan *s, char *out, size_t *n,
		       struct sg_error *err)
{
	if (line[0] == ' ' || line[0] == '\t')
		return sg_fail(err, "a continuation line (C7)");
	size_t name_len = 0;
	while (name_len < len && is_tchar((unsigned char)line[name_len]))
		name_len++;
	if (name_len == 0 || name_len == len || line[name_len] != ':')
		return sg_fail(err, "\"%.*s\" is not a header line (C7)",
			       (int)(len < 40 ? len : 40), line);
	const char *v = line + name_len + 1;
	size_t vlen = len - name_len - 1;
	while (vlen > 0 && (*v == ' ' || *v == '\t'))
		v++, vlen--;
	while (vlen > 0 && (v[vlen - 1] == ' ' || v[vlen - 1] == '\t'))
		vlen--;
	if (!value_ok(v, vlen))
		return sg_fail(err, "header %.*s has a control character (C7)", (int)name_len, line);
	int *count = NULL;
	if (name_len == 6 && strncasecmp(line, "Status", 6) == 0)
		count = &s->n_status;
	else if (name_len == 12 && strncasecmp(line, "Content-Type", 12) == 0)
		count = &s->n_type;
	else if (name_len == 8 && strncasecmp(line, "Location", 8) == 0)
		count = &s->n_location;
	if (count != NULL && ++*count > 1)
		return sg_fail(err, "%.*s is repeated (C7)", (int)name_len, line);
	if (count != NULL && vlen == 0)
		return sg_fail(err, "%.*s is empty (C7)", (int)name_len, line);
	if (count == &s->n_status)
		return parse_status(v, vlen, s, err);
	append(out, n, line, name_len);
	append(out, n, ": ", 2);
	append(out, n, v, vlen);
	append(out, n, "\r\n", 2);
	return 0;
}

/* Every line of the head in[0..end), the empty line excluded. With out,
 * the header lines are copied there from *n on. */
static int scan_lines(const char *in, size_t end, bool nph, struct head_scan *s, char *out,
		      size_t *n, struct sg_error *err)
{
	memset(s, 0, sizeof *s);
	size_t pos = 0;
	for (bool first = true; pos < end; first = false) {
		const char *nl = memchr(in + pos, '\n', end - pos);
		size_t next = (size_t)(nl - in) + 1, len = (size_t)(nl - in) - pos;
		if (len > 0 && in[pos + len - 1] == '\r')
			len--;
		int rc = first && nph ? parse_nph_line(in + pos, len, s, err)
				      : header_line(in + pos, len, s, out, n, err);
		if (rc < 0)
			return -1;
		pos = next;
	}
	if (s->n_status + s->n_type + s->n_location == 0)
		return sg_fail(err, "no Content-Type, Location or Status header (C7)");
	return 0;
}

/* Where the empty line ends: the head's length, 0 when not there yet. */
static size_t head_end(const char *in, size_t len)
{
	size_t pos = 0;
	while (pos < len) {
		const char *nl = memchr(in + pos, '\n', len - pos);
		if (nl == NULL)
			return 0;
		size_t line_len = (size_t)(nl - in) - pos;
		if (line_len == 0 || (line_len == 1 && in[pos] == '\r'))
			return (size_t)(nl - in) + 1;
		pos = (size_t)(nl - in) + 1;
	}
	return 0;
}

enum sg_cgi_head_result sg_cgi_response_parse(const char *in, size_t len, bool eof, bool nph,
					      bool is_head, char *out, struct sg_cgi_head *head,
					      struct sg_error *err)
{
	size_t look = len < SG_CGI_HEAD_MAX ? len : SG_CGI_HEAD_MAX;
	size_t end = head_end(in, look);
	if (end == 0) {
		if (len >= SG_CGI_HEAD_MAX)
			return sg_fail(err, "no end of the head in the first %d bytes of output",
				       SG_CGI_HEAD_MAX);
		if (eof)
			return sg_fail(err, len == 0 ? "no output at all"
						     : "the output ended before the empty line "
						       "that ends the head (C7)");
		return SG_CGI_HEAD_MORE;
	}
	struct head_scan s;
	size_t body_end = end; /* the lines, without the empty line */
	body_end -= end >= 2 && in[end - 2] == '\r' ? 2 : 1;
	size_t n = 0;
	if (scan_lines(in, body_end, nph, &s, NULL, &n, err) < 0)
		return SG_CGI_HEAD_BAD;
	/* C8: explicit Status, else 302 for a Location, else 200. */
	int status = s.status ? s.status : s.n_location ? 302 : 200;
	const char *reason = s.reason_len > 0 ? s.reason : default_reason(status);
	size_t reason_len = s.reason_len > 0 ? s.reason_len : strlen(reason);
	char line[32];
	int k = snprintf(line, sizeof line, "Status: %d%s", status, reason_len ? " " : "");
	n = 0;
	append(out, &n, line, (size_t)k);
	append(out, &n, reason, reason_len);
	append(out, &n, "\r\n", 2);
	if (scan_lines(in, body_end, nph, &s, out, &n, err) < 0)
		return SG_CGI_HEAD_BAD; /* cannot happen: the same lines passed above */
	append(out, &n, "\r\n", 2);
	head->status = status;
	head->in_len = end;
	head->out_len = n;
	head->send_body = !is_head;
	return SG_CGI_HEAD_OK;
}
