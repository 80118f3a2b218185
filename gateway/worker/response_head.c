#include "gateway/worker/response_head.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "gateway/cellproto.h"

/* RFC 9110 tchar: the characters of a header name. */
static bool is_tchar(unsigned char c)
{
	if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))
		return true;
	return c != '\0' && strchr("!#$%&'*+-.^_`|~", c) != NULL;
}

/* What may appear in a reason phrase or a header value: no CR, LF, NUL or
 * other control character except HTAB, so no header can be injected. */
static bool is_text(unsigned char c)
{
	return c == '\t' || (c >= 0x20 && c != 0x7f);
}

static bool name_is(const char *name, size_t len, const char *want)
{
	return len == strlen(want) && strncasecmp(name, want, len) == 0;
}

/* W6: the connection is the server's business, not the app's. */
static bool is_hop_by_hop(const char *name, size_t len)
{
	static const char *const hop[] = {
		"connection", "keep-alive", "proxy-authenticate", "proxy-authorization",
		"te",         "trailers",   "transfer-encoding",  "upgrade",
	};
	for (size_t i = 0; i < sizeof hop / sizeof hop[0]; i++)
		if (name_is(name, len, hop[i]))
			return true;
	return false;
}

const char *sg_head_check_status(const char *s, size_t len, int *code)
{
	if (len < 4 || s[3] != ' ')
		return "status must be \"NNN Reason\"";
	int n = 0;
	for (int i = 0; i < 3; i++) {
		if (s[i] < '0' || s[i] > '9')
			return "status must start with three digits";
		n = n * 10 + (s[i] - '0');
	}
	if (n < 100)
		return "status code must be 100 or more";
	for (size_t i = 4; i < len; i++)
		if (!is_text((unsigned char)s[i]))
			return "status contains a control character";
	*code = n;
	return NULL;
}

const char *sg_head_check_header(const char *name, size_t name_len, const char *value,
				 size_t value_len)
{
	if (name_len == 0)
		return "header name is empty";
	for (size_t i = 0; i < name_len; i++)
		if (!is_tchar((unsigned char)name[i]))
			return "header name is not a token";
	if (is_hop_by_hop(name, name_len))
		return "hop-by-hop header not allowed (PEP 3333)";
	if (name_is(name, name_len, "status"))
		return "a Status header is not allowed; use the status argument";
	for (size_t i = 0; i < value_len; i++)
		if (!is_text((unsigned char)value[i]))
			return "header value contains a control character";
	return NULL;
}

static bool append(struct sg_head *h, size_t cap, const char *s, size_t len)
{
	if (len > cap - h->len)
		return false;
	memcpy(h->buf + h->len, s, len);
	h->len += len;
	return true;
}

static bool appends(struct sg_head *h, size_t cap, const char *s)
{
	return append(h, cap, s, strlen(s));
}

int sg_head_start(struct sg_head *h, int proto, const char *status, size_t len, int code)
{
	h->proto = proto;
	h->status = code;
	h->content_length = -1;
	h->has_date = h->has_server = false;
	h->len = 0;
	bool ok = appends(h, SG_HEAD_MAX, proto == SG_PROTO_HTTP ? "HTTP/1.1 " : "Status: ") &&
		  append(h, SG_HEAD_MAX, status, len) && append(h, SG_HEAD_MAX, "\r\n", 2);
	return ok ? 0 : -1;
}

/* Content-Length: digits only, and only one. */
static const char *take_content_length(struct sg_head *h, const char *v, size_t len)
{
	if (h->content_length >= 0)
		return "Content-Length set twice";
	int64_t n = 0;
	if (len == 0 || len > 18)
		return "Content-Length is not a number";
	for (size_t i = 0; i < len; i++) {
		if (v[i] < '0' || v[i] > '9')
			return "Content-Length is not a number";
		n = n * 10 + (v[i] - '0');
	}
	h->content_length = n;
	return NULL;
}

const char *sg_head_add(struct sg_head *h, const char *name, size_t name_len, const char *value,
			size_t value_len)
{
	if (name_is(name, name_len, "content-length")) {
		const char *why = take_content_length(h, value, value_len);
		if (why != NULL)
			return why;
	} else if (name_is(name, name_len, "date")) {
		h->has_date = true;
	} else if (name_is(name, name_len, "server")) {
		h->has_server = true;
	}
	if (!append(h, SG_HEAD_MAX, name, name_len) || !append(h, SG_HEAD_MAX, ": ", 2) ||
	    !append(h, SG_HEAD_MAX, value, value_len) || !append(h, SG_HEAD_MAX, "\r\n", 2))
		return "response headers are larger than 64 KiB";
	return NULL;
}

/* IMF-fixdate (RFC 9110 5.6.7), remade at most once a second. */
static const char *http_date(time_t now)
{
	static char text[64];
	static time_t made = -1;
	if (now != made) {
		struct tm tm;
		gmtime_r(&now, &tm);
		strftime(text, sizeof text, "Date: %a, %d %b %Y %H:%M:%S GMT\r\n", &tm);
		made = now;
	}
	return text;
}

void sg_head_finish(struct sg_head *h, int64_t content_length, time_t now)
{
	size_t cap = sizeof h->buf;
	/* RFC 9110 8.6: no Content-Length on 1xx, 204 and 304 responses. */
	bool bodiless = h->status < 200 || h->status == 204 || h->status == 304;
	if (content_length >= 0 && h->content_length < 0 && !bodiless) {
		char line[48];
		int n = snprintf(line, sizeof line, "Content-Length: %lld\r\n",
				 (long long)content_length);
		append(h, cap, line, (size_t)n);
		h->content_length = content_length; /* W9 holds for it too */
	}
	if (h->proto == SG_PROTO_HTTP) {
		if (!h->has_date)
			appends(h, cap, http_date(now));
		appends(h, cap, "Connection: close\r\n");
		if (!h->has_server)
			appends(h, cap, "Server: sandgate\r\n");
	}
	appends(h, cap, "\r\n");
}
