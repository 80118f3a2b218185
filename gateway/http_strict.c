/* Strict pre-scan of an HTTP/1.x request head (protocols.md P2).
 *
 * Each lenient corner of an HTTP parser has been a request-smuggling CVE
 * (protocols.md §6): a front end and a back end that disagree on where a
 * header or a body ends. Refusing every such form here means the grammar
 * parser after this only ever sees one reading of the head. */
#include "http_strict.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

/* How the body is framed, counted over the whole head. */
struct framing {
	size_t content_length;
	size_t transfer_encoding;
};

/* sg_fail() that also says which HTTP status to answer with. */
static int refuse(int *http_status, int code, struct sg_error *err, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static int refuse(int *http_status, int code, struct sg_error *err, const char *fmt, ...)
{
	*http_status = code;
	va_list ap;
	va_start(ap, fmt);
	sg_failv(err, fmt, ap);
	va_end(ap);
	return -1;
}

int sg_http_is_tchar(unsigned char c)
{
	if ((c >= '0' && c <= '9') || ((c | 0x20) >= 'a' && (c | 0x20) <= 'z'))
		return 1;
	return c != '\0' && strchr("!#$%&'*+-.^_`|~", c) != NULL;
}

static bool name_is(const char *s, size_t n, const char *lower)
{
	if (strlen(lower) != n)
		return false;
	for (size_t i = 0; i < n; i++) {
		if ((char)((s[i] >= 'A' && s[i] <= 'Z') ? s[i] | 0x20 : s[i]) != lower[i])
			return false;
	}
	return true;
}

/* method SP request-target SP HTTP-version, single spaces (RFC 9112 §3). */
static int check_request_line(const char *s, size_t n, int *http_status,
			      struct sg_error *err)
{
	const char *end = s + n;
	const char *sp1 = memchr(s, ' ', n);

	if (sp1 == NULL || sp1 == s)
		return refuse(http_status, 400, err, "request line is not METHOD SP TARGET SP VERSION");
	for (const char *p = s; p < sp1; p++) {
		if (!sg_http_is_tchar((unsigned char)*p))
			return refuse(http_status, 400, err, "request method has an invalid character");
	}
	const char *target = sp1 + 1;
	const char *sp2 = memchr(target, ' ', (size_t)(end - target));
	const char *target_end = sp2 != NULL ? sp2 : end;
	if (target == target_end)
		return refuse(http_status, 400, err, "request line has no target");
	for (const char *p = target; p < target_end; p++) {
		unsigned char c = (unsigned char)*p;
		if (c < 0x20 || c == 0x7f || c == '#')
			return refuse(http_status, 400, err,
				      "request target has an invalid character 0x%02x", c);
	}
	if (sp2 == NULL)
		return refuse(http_status, 505, err, "HTTP/0.9 request: not supported");

	const char *version = sp2 + 1;
	size_t vlen = (size_t)(end - version);
	if (vlen == 8 && (memcmp(version, "HTTP/1.1", 8) == 0 ||
			  memcmp(version, "HTTP/1.0", 8) == 0))
		return 0;
	if (vlen >= 5 && memcmp(version, "HTTP/", 5) == 0 && memchr(version, ' ', vlen) == NULL)
		return refuse(http_status, 505, err, "HTTP version %.*s not supported: only 1.0 and 1.1",
			       (int)(vlen < 16 ? vlen : 16), version);
	return refuse(http_status, 400, err, "request line is malformed");
}

static int check_field_line(const char *s, size_t n, struct framing *fr, int *http_status,
			    struct sg_error *err)
{
	if (s[0] == ' ' || s[0] == '\t')
		return refuse(http_status, 400, err, "obs-fold header line (P2)");
	const char *colon = memchr(s, ':', n);
	if (colon == NULL)
		return refuse(http_status, 400, err, "header line without ':'");
	if (colon == s)
		return refuse(http_status, 400, err, "header line with an empty name");

	size_t name_len = (size_t)(colon - s);
	for (size_t i = 0; i < name_len; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c == ' ' || c == '\t')
			return refuse(http_status, 400, err, "whitespace in a header name or before ':' (P2)");
		if (!sg_http_is_tchar(c))
			return refuse(http_status, 400, err, "invalid character 0x%02x in a header name", c);
	}
	for (const char *p = colon + 1; p < s + n; p++) {
		unsigned char c = (unsigned char)*p;
		if ((c < 0x20 && c != '\t') || c == 0x7f)
			return refuse(http_status, 400, err, "control character 0x%02x in header %.*s", c,
				       (int)(name_len < 64 ? name_len : 64), s);
	}
	if (name_is(s, name_len, "content-length"))
		fr->content_length++;
	else if (name_is(s, name_len, "transfer-encoding"))
		fr->transfer_encoding++;
	return 0;
}

/* The body must be framed by exactly one Content-Length or not at all. */
static int check_framing(const struct framing *fr, int *http_status, struct sg_error *err)
{
	if (fr->content_length > 0 && fr->transfer_encoding > 0)
		return refuse(http_status, 400, err, "both Content-Length and Transfer-Encoding (P2)");
	if (fr->content_length > 1)
		return refuse(http_status, 400, err, "several Content-Length headers (P2)");
	/* Apache's mod_proxy_scgi does the same (A4): the app needs a length. */
	if (fr->transfer_encoding > 0)
		return refuse(http_status, 411, err,
			      "Transfer-Encoding is not supported: send Content-Length");
	return 0;
}

/* One complete line of n bytes, CRLF excluded; index 0 is the request line. */
static int check_line(const char *s, size_t n, size_t index, size_t max_fields,
		      struct framing *fr, int *http_status, struct sg_error *err)
{
	if (index == 0)
		return check_request_line(s, n, http_status, err);
	if (index > max_fields)
		return refuse(http_status, 431, err, "more than %zu header fields", max_fields);
	return check_field_line(s, n, fr, http_status, err);
}

enum sg_http_status sg_http_strict_scan(const char *buf, size_t len, size_t max_head,
					size_t max_fields, struct sg_http_scan *out,
					int *http_status, struct sg_error *err)
{
	struct framing fr = {0, 0};
	size_t line_start = 0, lines = 0;
	size_t limit = len < max_head ? len : max_head;
	int rc = 0;

	for (size_t i = 0; i < limit && rc == 0; i++) {
		if (buf[i] == '\n') {
			rc = refuse(http_status, 400, err, "bare LF in request head (P2)");
			break;
		}
		if (buf[i] != '\r')
			continue;
		if (i + 1 == len)
			break; /* the LF may still come */
		if (buf[i + 1] != '\n') {
			rc = refuse(http_status, 400, err, "bare CR in request head (P2)");
		} else if (i == line_start && lines == 0) {
			rc = refuse(http_status, 400, err, "empty request line");
		} else if (i == line_start) { /* the blank line that ends the head */
			if (i + 2 > max_head)
				break;
			if (check_framing(&fr, http_status, err) < 0)
				return SG_HTTP_INVALID;
			out->head_len = i + 2;
			out->fields = lines - 1;
			return SG_HTTP_OK;
		} else {
			rc = check_line(buf + line_start, i - line_start, lines, max_fields, &fr,
					http_status, err);
			lines++;
			line_start = i + 2;
			i++;
		}
	}
	if (rc < 0)
		return SG_HTTP_INVALID;
	if (len < max_head)
		return SG_HTTP_PARTIAL;
	refuse(http_status, 431, err, "request head is larger than %zu bytes", max_head);
	return SG_HTTP_INVALID;
}
