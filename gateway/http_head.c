/* HTTP/1.x request head -> CGI variables (protocols.md P2, C1-C4, W3).
 *
 * Three passes over a head that has fully arrived: http_strict.c refuses
 * the lenient forms and finds the end, libhttp-parser checks the grammar
 * and names the method, and the fields it delivers become the env block. */
#include "http_head.h"

#include <http_parser.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "http_strict.h"

struct field {
	size_t name_off, name_len;
	size_t value_off, value_len;
};

/* What the parser's callbacks deliver. They may hand over a field in
 * pieces, so each piece is appended to text; the field being delivered is
 * always the last thing there. Everything is bounded by the head's size. */
struct collected {
	char text[SG_HTTP_MAX_HEAD];
	size_t text_len;
	size_t url_len; /* the URL comes first: text[0..url_len) */
	struct field field[SG_HTTP_MAX_HEADERS];
	size_t fields;
	bool in_value;
	bool headers_done;
	char var_name[sizeof "HTTP_" + SG_HTTP_MAX_HEAD]; /* scratch for HTTP_* names */
};

/* A request head being turned into variables. */
struct request {
	struct collected *c;
	const struct sg_http_conn_info *info;
	struct sg_envblock *env;
	struct sg_error *err;
	int *http_status;
	int minor;          /* HTTP/1.minor */
	const char *method; /* from http_parser */
};

static int append(struct collected *c, const char *at, size_t n)
{
	if (n > sizeof c->text - c->text_len)
		return -1;
	memcpy(c->text + c->text_len, at, n);
	c->text_len += n;
	return 0;
}

static int on_url(http_parser *p, const char *at, size_t n)
{
	struct collected *c = p->data;
	c->url_len += n;
	return append(c, at, n);
}

static int on_header_field(http_parser *p, const char *at, size_t n)
{
	struct collected *c = p->data;
	if (c->fields == 0 || c->in_value) {
		if (c->fields == SG_HTTP_MAX_HEADERS)
			return -1;
		c->field[c->fields++] = (struct field){c->text_len, 0, c->text_len, 0};
		c->in_value = false;
	}
	c->field[c->fields - 1].name_len += n;
	return append(c, at, n);
}

static int on_header_value(http_parser *p, const char *at, size_t n)
{
	struct collected *c = p->data;
	if (c->fields == 0)
		return -1;
	struct field *f = &c->field[c->fields - 1];
	if (!c->in_value) {
		f->value_off = c->text_len;
		c->in_value = true;
	}
	f->value_len += n;
	return append(c, at, n);
}

static int on_headers_complete(http_parser *p)
{
	struct collected *c = p->data;
	c->headers_done = true;
	return 0;
}

static int refuse(struct request *r, int code, const char *msg)
{
	*r->http_status = code;
	return sg_fail(r->err, "%s", msg);
}

/* Runs libhttp-parser, never lenient (P2), over exactly the head. */
static int run_parser(struct request *r, struct collected *c, const char *head, size_t len)
{
	http_parser p;
	http_parser_settings s;

	memset(&s, 0, sizeof s);
	s.on_url = on_url;
	s.on_header_field = on_header_field;
	s.on_header_value = on_header_value;
	s.on_headers_complete = on_headers_complete;
	http_parser_init(&p, HTTP_REQUEST);
	p.data = c;
	http_parser_execute(&p, &s, head, len);

	enum http_errno e = HTTP_PARSER_ERRNO(&p);
	if (e != HPE_OK) {
		*r->http_status = e == HPE_INVALID_METHOD	? 501
				  : e == HPE_INVALID_VERSION ? 505
							     : 400;
		return sg_fail(r->err, "malformed request head: %s", http_errno_description(e));
	}
	if (!c->headers_done)
		return refuse(r, 400, "malformed request head: incomplete");
	if (p.method == HTTP_CONNECT)
		return refuse(r, 501, "CONNECT is not supported");
	if (p.http_major != 1 || p.http_minor > 1)
		return refuse(r, 505, "only HTTP/1.0 and HTTP/1.1 are supported");
	r->minor = (int)p.http_minor;
	r->method = http_method_str((enum http_method)p.method);
	return 0;
}

/* origin-form "/path", absolute-form "http://host/path", or "*" for
 * OPTIONS; never authority-form, which is for CONNECT. */
static int check_target(struct request *r)
{
	const char *url = r->c->text;
	size_t n = r->c->url_len;
	struct http_parser_url u;

	if (n > 0 && url[0] == '/')
		return 0;
	if (n == 1 && url[0] == '*')
		return strcmp(r->method, "OPTIONS") == 0
			       ? 0
			       : refuse(r, 400, "request target \"*\" is only for OPTIONS");
	http_parser_url_init(&u);
	if (http_parser_parse_url(url, n, 0, &u) != 0 || !(u.field_set & (1 << UF_SCHEMA)) ||
	    !(u.field_set & (1 << UF_HOST)))
		return refuse(r, 400, "request target is neither /path nor http://host/path");
	const char *scheme = url + u.field_data[UF_SCHEMA].off;
	size_t slen = u.field_data[UF_SCHEMA].len;
	if (!(slen == 4 && strncasecmp(scheme, "http", 4) == 0) &&
	    !(slen == 5 && strncasecmp(scheme, "https", 5) == 0))
		return refuse(r, 400, "request target has a scheme other than http or https");
	return 0;
}

static bool name_equals(const struct collected *c, const struct field *f, const char *name)
{
	return f->name_len == strlen(name) && strncasecmp(c->text + f->name_off, name,
							  f->name_len) == 0;
}

static bool same_name(const struct collected *c, const struct field *a, const struct field *b)
{
	return a->name_len == b->name_len &&
	       strncasecmp(c->text + a->name_off, c->text + b->name_off, a->name_len) == 0;
}

/* A field's value without leading and trailing OWS (RFC 9110 §5.5). */
static const char *trimmed_value(const struct collected *c, const struct field *f,
				 size_t *len)
{
	const char *v = c->text + f->value_off;
	size_t n = f->value_len;
	while (n > 0 && (v[0] == ' ' || v[0] == '\t'))
		v++, n--;
	while (n > 0 && (v[n - 1] == ' ' || v[n - 1] == '\t'))
		n--;
	*len = n;
	return v;
}

/* The only field with this name; NULL if absent, and an error if repeated. */
static int single_field(struct request *r, const char *name, const struct field **out)
{
	*out = NULL;
	for (size_t i = 0; i < r->c->fields; i++) {
		if (!name_equals(r->c, &r->c->field[i], name))
			continue;
		if (*out != NULL) {
			*r->http_status = 400;
			return sg_fail(r->err, "several %s headers", name);
		}
		*out = &r->c->field[i];
	}
	return 0;
}

static int add(struct request *r, const char *name, const char *value, size_t len)
{
	if (sg_envblock_add(r->env, name, strlen(name), value, len, r->err) == 0)
		return 0;
	*r->http_status = 431; /* the head, once expanded, does not fit */
	return -1;
}

static int add_str(struct request *r, const char *name, const char *value)
{
	return add(r, name, value != NULL ? value : "", value != NULL ? strlen(value) : 0);
}

/* Host is "reg-name" or "[IPv6]", then an optional ":port" (RFC 9110
 * §7.2). Apps build absolute URLs from it, so its characters are checked. */
static int split_host(struct request *r, const char *v, size_t n, size_t *name_len,
		      const char **port, size_t *port_len)
{
	const char *end = v + n, *colon;
	bool bracketed = n > 0 && v[0] == '[';

	for (size_t i = 0; i < n; i++) {
		char ch = v[i];
		bool ok = (ch >= '0' && ch <= '9') || ((ch | 0x20) >= 'a' && (ch | 0x20) <= 'z') ||
			  strchr("-._~!$&'()*+,;=%:", ch) != NULL ||
			  (bracketed && (ch == '[' || ch == ']'));
		if (!ok || ch == '\0')
			return refuse(r, 400, "Host header has an invalid character");
	}
	if (bracketed) {
		const char *close = memchr(v, ']', n);
		if (close == NULL || memchr(v + 1, '[', n - 1) != NULL)
			return refuse(r, 400, "Host header has a malformed [IPv6] literal");
		colon = close + 1 < end ? close + 1 : NULL;
		if (colon != NULL &&
		    (*colon != ':' || memchr(colon + 1, ']', (size_t)(end - colon - 1)) != NULL))
			return refuse(r, 400, "Host header has junk after the [IPv6] literal");
	} else {
		colon = memchr(v, ':', n);
		if (colon != NULL && memchr(colon + 1, ':', (size_t)(end - colon - 1)) != NULL)
			return refuse(r, 400, "Host header has more than one ':'");
	}
	*name_len = colon != NULL ? (size_t)(colon - v) : n;
	*port = colon != NULL ? colon + 1 : end;
	*port_len = (size_t)(end - *port);
	if (*port_len > 5)
		return refuse(r, 400, "Host header has a malformed port");
	for (size_t i = 0; i < *port_len; i++) {
		if ((*port)[i] < '0' || (*port)[i] > '9')
			return refuse(r, 400, "Host header has a malformed port");
	}
	return 0;
}

/* SERVER_NAME and SERVER_PORT from Host, else from the listener (C1).
 * HTTP/1.1 requires exactly one Host (RFC 9112 §3.2). */
static int add_server_vars(struct request *r)
{
	const struct field *host;
	const char *v = NULL, *port = NULL;
	size_t n = 0, name_len = 0, port_len = 0;

	if (single_field(r, "Host", &host) < 0)
		return -1;
	if (host == NULL && r->minor == 1)
		return refuse(r, 400, "HTTP/1.1 request without Host");
	if (host != NULL) {
		v = trimmed_value(r->c, host, &n);
		if (split_host(r, v, n, &name_len, &port, &port_len) < 0)
			return -1;
	}
	int rc = name_len > 0 ? add(r, "SERVER_NAME", v, name_len)
			      : add_str(r, "SERVER_NAME", r->info->server_name);
	if (rc < 0)
		return -1;
	return port_len > 0 ? add(r, "SERVER_PORT", port, port_len)
			    : add_str(r, "SERVER_PORT", r->info->server_port);
}

/* CONTENT_LENGTH (only with a body, C1) in canonical form, CONTENT_TYPE. */
static int add_content_vars(struct request *r, struct sg_http_head *out)
{
	const struct field *cl, *ct;
	char digits[24];
	uint64_t v = 0;
	size_t n;

	if (single_field(r, "Content-Length", &cl) < 0 ||
	    single_field(r, "Content-Type", &ct) < 0)
		return -1;
	if (cl != NULL) {
		const char *s = trimmed_value(r->c, cl, &n);
		if (n == 0)
			return refuse(r, 400, "empty Content-Length");
		for (size_t i = 0; i < n; i++) {
			uint64_t d = (uint64_t)(s[i] - '0');
			if (s[i] < '0' || s[i] > '9' || v > (UINT64_MAX - d) / 10)
				return refuse(r, 400, "Content-Length is not a decimal number");
			v = v * 10 + d;
		}
		snprintf(digits, sizeof digits, "%" PRIu64, v);
		if (add_str(r, "CONTENT_LENGTH", digits) < 0)
			return -1;
		out->content_length = v;
		out->has_body = 1;
	}
	if (ct == NULL)
		return 0;
	const char *s = trimmed_value(r->c, ct, &n);
	return add(r, "CONTENT_TYPE", s, n);
}

/* C3: "HTTP_" + the name upper-cased with '-' -> '_', into var_name.
 * False for a name that must not become a variable: one with characters
 * outside [A-Za-z0-9-], so that X_Foo cannot pose as X-Foo (C3); Proxy
 * (httpoxy, C4); Content-Type and Content-Length, which have their own
 * variables and which wsgiref.validate refuses as HTTP_* (W3). */
static bool http_var_name(struct collected *c, const struct field *f)
{
	const char *s = c->text + f->name_off;
	char *out = c->var_name;

	if (name_equals(c, f, "proxy") || name_equals(c, f, "content-type") ||
	    name_equals(c, f, "content-length"))
		return false;
	memcpy(out, "HTTP_", 5);
	for (size_t i = 0; i < f->name_len; i++) {
		char ch = s[i];
		if (ch == '-')
			ch = '_';
		else if (ch >= 'a' && ch <= 'z')
			ch = (char)(ch - 'a' + 'A');
		else if (!(ch >= 'A' && ch <= 'Z') && !(ch >= '0' && ch <= '9'))
			return false;
		out[5 + i] = ch;
	}
	out[5 + f->name_len] = '\0';
	return true;
}

/* One HTTP_* variable per distinct name, in order of first appearance;
 * repeats are merged with ", ", or "; " for Cookie (C3, as nginx does). */
static int add_http_vars(struct request *r)
{
	struct collected *c = r->c;

	for (size_t i = 0; i < c->fields; i++) {
		const struct field *f = &c->field[i];
		bool repeat = false;
		for (size_t j = 0; j < i && !repeat; j++)
			repeat = same_name(c, f, &c->field[j]);
		if (repeat || !http_var_name(c, f))
			continue;

		size_t n;
		const char *v = trimmed_value(c, f, &n);
		if (add_str(r, c->var_name, "") < 0 || sg_envblock_extend(r->env, v, n, r->err) < 0)
			goto full;
		const char *sep = name_equals(c, f, "cookie") ? "; " : ", ";
		for (size_t j = i + 1; j < c->fields; j++) {
			if (!same_name(c, f, &c->field[j]))
				continue;
			v = trimmed_value(c, &c->field[j], &n);
			if (sg_envblock_extend(r->env, sep, 2, r->err) < 0 ||
			    sg_envblock_extend(r->env, v, n, r->err) < 0)
				goto full;
		}
	}
	return 0;
full:
	*r->http_status = 431;
	return -1;
}

static int add_request_vars(struct request *r)
{
	const char *url = r->c->text;
	size_t url_len = r->c->url_len;
	const char *query = memchr(url, '?', url_len);
	const char *scheme = r->info->url_scheme;

	if (add_str(r, "REQUEST_METHOD", r->method) < 0 ||
	    add(r, "REQUEST_URI", url, url_len) < 0 ||
	    add(r, "QUERY_STRING", query ? query + 1 : "",
		query ? (size_t)(url + url_len - query - 1) : 0) < 0 ||
	    add_str(r, "SERVER_PROTOCOL", r->minor == 1 ? "HTTP/1.1" : "HTTP/1.0") < 0)
		return -1;
	if (add_server_vars(r) < 0 || add_str(r, "REMOTE_ADDR", r->info->remote_addr) < 0 ||
	    add_str(r, "REMOTE_PORT", r->info->remote_port) < 0 ||
	    add_str(r, "REQUEST_SCHEME", scheme != NULL && *scheme ? scheme : "http") < 0 ||
	    add_str(r, "GATEWAY_INTERFACE", "CGI/1.1") < 0 ||
	    add_str(r, "SERVER_SOFTWARE", "sandgate") < 0)
		return -1;
	return 0;
}

/* Expect: 100-continue, which HTTP/1.0 requests must not be given
 * (RFC 9110 §10.1.1). Other expectations are ignored. */
static int expects_continue(struct request *r)
{
	const struct collected *c = r->c;
	size_t n;

	if (r->minor == 0)
		return 0;
	for (size_t i = 0; i < c->fields; i++) {
		if (!name_equals(c, &c->field[i], "expect"))
			continue;
		const char *v = trimmed_value(c, &c->field[i], &n);
		if (n == 12 && strncasecmp(v, "100-continue", 12) == 0)
			return 1;
	}
	return 0;
}

static int build_env(struct request *r, struct sg_http_head *out)
{
	size_t start = r->env->len;

	if (add_content_vars(r, out) < 0 || add_request_vars(r) < 0 || add_http_vars(r) < 0)
		return -1;
	out->host = sg_envblock_get(r->env->buf + start, r->env->len - start, "HTTP_HOST",
				    &out->host_len);
	out->expect_continue = expects_continue(r);
	return 0;
}

enum sg_http_status sg_http_head_parse(const char *buf, size_t len, size_t max_head,
				       const struct sg_http_conn_info *info,
				       struct sg_envblock *env, struct sg_http_head *out,
				       int *http_status, struct sg_error *err)
{
	struct sg_http_scan scan;
	struct collected c;
	struct request r = {&c, info, env, err, http_status, 0, NULL};
	size_t env_start = env->len;

	/* The collected text holds at most the head: keep it within that. */
	if (max_head > SG_HTTP_MAX_HEAD)
		max_head = SG_HTTP_MAX_HEAD;
	enum sg_http_status st = sg_http_strict_scan(buf, len, max_head, SG_HTTP_MAX_HEADERS,
						     &scan, http_status, err);
	if (st != SG_HTTP_OK)
		return st;

	memset(out, 0, sizeof *out);
	c.text_len = c.url_len = c.fields = 0;
	c.in_value = c.headers_done = false;
	if (run_parser(&r, &c, buf, scan.head_len) < 0 || check_target(&r) < 0 ||
	    build_env(&r, out) < 0) {
		env->len = env_start;
		return SG_HTTP_INVALID;
	}
	out->consumed = scan.head_len;
	return SG_HTTP_OK;
}
