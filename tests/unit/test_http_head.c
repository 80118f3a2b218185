/* HTTP/1.x request heads for the HTTP listener (protocols.md P2, C1-C4, W3). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gateway/envblock.h"
#include "gateway/http_head.h"
#include "unit.h"

static const struct sg_http_conn_info info = {
	.remote_addr = "192.0.2.7",
	.remote_port = "40000",
	.server_name = "listener.example",
	.server_port = "8080",
	.url_scheme = "http",
};

/* One parse: its result, the env block and what was said. */
static struct result {
	enum sg_http_status st;
	int http_status;
	struct sg_http_head head;
	struct sg_envblock env;
	char env_buf[3 * SG_HTTP_MAX_HEAD];
	char value[SG_HTTP_MAX_HEAD];
	struct sg_error err;
} r;

static enum sg_http_status parse_n(const char *buf, size_t len, size_t max_head)
{
	memset(&r.head, 0, sizeof r.head);
	r.http_status = 0;
	r.err.msg[0] = '\0';
	sg_envblock_init(&r.env, r.env_buf, sizeof r.env_buf);
	r.st = sg_http_head_parse(buf, len, max_head, &info, &r.env, &r.head, &r.http_status,
				  &r.err);
	return r.st;
}

static enum sg_http_status parse(const char *head)
{
	return parse_n(head, strlen(head), SG_HTTP_MAX_HEAD);
}

/* The HTTP status a head is refused with, or 200 if accepted. */
static int refused_with(const char *head)
{
	enum sg_http_status st = parse(head);
	if (st == SG_HTTP_OK)
		return 200;
	if (st == SG_HTTP_PARTIAL)
		return -1;
	return r.http_status;
}

/* A variable of the last parse as a C string, or NULL if unset. */
static const char *var(const char *name)
{
	size_t n;
	const char *v = sg_envblock_get(r.env.buf, r.env.len, name, &n);
	if (v == NULL)
		return NULL;
	memcpy(r.value, v, n);
	r.value[n] = '\0';
	return r.value;
}

#define CURL_GET "GET /app/x?y=1&z HTTP/1.1\r\n" \
		 "Host: localhost:8080\r\n"      \
		 "User-Agent: curl/7.88.1\r\n"   \
		 "Accept: */*\r\n"              \
		 "\r\n"

#define CURL_POST "POST /upload HTTP/1.1\r\n"                            \
		  "Host: localhost\r\n"                                  \
		  "User-Agent: curl/7.88.1\r\n"                          \
		  "Accept: */*\r\n"                                      \
		  "Content-Length: 7\r\n"                                \
		  "Content-Type: application/x-www-form-urlencoded\r\n" \
		  "\r\n"

static void test_curl_get(void)
{
	CHECK(parse(CURL_GET) == SG_HTTP_OK);
	CHECK(r.head.consumed == strlen(CURL_GET));
	CHECK(r.head.has_body == 0 && r.head.content_length == 0);
	CHECK_STR(var("REQUEST_METHOD"), "GET");
	CHECK_STR(var("REQUEST_URI"), "/app/x?y=1&z");
	CHECK_STR(var("QUERY_STRING"), "y=1&z");
	CHECK_STR(var("SERVER_PROTOCOL"), "HTTP/1.1");
	CHECK_STR(var("SERVER_NAME"), "localhost");
	CHECK_STR(var("SERVER_PORT"), "8080");
	CHECK_STR(var("REMOTE_ADDR"), "192.0.2.7");
	CHECK_STR(var("REMOTE_PORT"), "40000");
	CHECK_STR(var("REQUEST_SCHEME"), "http");
	CHECK_STR(var("GATEWAY_INTERFACE"), "CGI/1.1");
	CHECK_STR(var("SERVER_SOFTWARE"), "sandgate");
	CHECK_STR(var("HTTP_HOST"), "localhost:8080");
	CHECK_STR(var("HTTP_USER_AGENT"), "curl/7.88.1");
	CHECK_STR(var("HTTP_ACCEPT"), "*/*");
	CHECK(var("CONTENT_LENGTH") == NULL && var("CONTENT_TYPE") == NULL);
	CHECK(var("SCRIPT_NAME") == NULL && var("PATH_INFO") == NULL);
	CHECK(r.head.host != NULL && r.head.host_len == 14);
	CHECK(r.head.host != NULL && memcmp(r.head.host, "localhost:8080", 14) == 0);
	CHECK(r.head.expect_continue == 0);
}

/* C1: CONTENT_LENGTH and CONTENT_TYPE when present; W3: never as HTTP_*. */
static void test_c1_curl_post(void)
{
	char buf[512];
	snprintf(buf, sizeof buf, "%s%s", CURL_POST, "a=1&b=2");

	CHECK(parse(buf) == SG_HTTP_OK);
	CHECK(r.head.consumed == strlen(CURL_POST));
	CHECK(r.head.has_body == 1 && r.head.content_length == 7);
	CHECK_STR(var("CONTENT_LENGTH"), "7");
	CHECK_STR(var("CONTENT_TYPE"), "application/x-www-form-urlencoded");
	CHECK(var("HTTP_CONTENT_LENGTH") == NULL);
	CHECK(var("HTTP_CONTENT_TYPE") == NULL);
	CHECK_STR(var("QUERY_STRING"), "");
	CHECK_STR(var("SERVER_NAME"), "localhost");
	CHECK_STR(var("SERVER_PORT"), "8080"); /* Host had none: the listener's */
}

static void test_every_prefix_is_partial(void)
{
	const char *head = CURL_POST;
	for (size_t n = 0; n < strlen(head); n++) {
		if (parse_n(head, n, SG_HTTP_MAX_HEAD) != SG_HTTP_PARTIAL) {
			printf("  prefix of %zu bytes: %s\n", n, r.err.msg);
			CHECK(!"prefix not PARTIAL");
			return;
		}
	}
}

static void test_p2_bare_lf(void)
{
	CHECK(refused_with("GET / HTTP/1.1\nHost: a\n\n") == 400);
	CHECK(strstr(r.err.msg, "bare LF") != NULL);
	CHECK(refused_with("GET / HTTP/1.1\r\nHost: a\n\r\n") == 400);
	/* refused before the head is complete */
	CHECK(refused_with("GET / HTTP/1.1\r\nHost: a\nX") == 400);
}

static void test_p2_bare_cr(void)
{
	CHECK(refused_with("GET / HTTP/1.1\r\nHost: a\rX: b\r\n\r\n") == 400);
	CHECK(strstr(r.err.msg, "bare CR") != NULL);
	CHECK(refused_with("GET / HTTP/1.1\r\r\n\r\n") == 400);
	/* a CR at the very end may still be followed by its LF */
	CHECK(refused_with("GET / HTTP/1.1\r") == -1);
}

static void test_p2_obs_fold(void)
{
	CHECK(refused_with("GET / HTTP/1.1\r\nHost: a\r\nX-A: 1\r\n 2\r\n\r\n") == 400);
	CHECK(strstr(r.err.msg, "obs-fold") != NULL);
	CHECK(refused_with("GET / HTTP/1.1\r\nHost: a\r\nX-A: 1\r\n\t2\r\n\r\n") == 400);
	CHECK(refused_with("GET / HTTP/1.1\r\n Host: a\r\n\r\n") == 400);
}

static void test_p2_whitespace_before_colon(void)
{
	CHECK(refused_with("GET / HTTP/1.1\r\nHost : a\r\n\r\n") == 400);
	CHECK(strstr(r.err.msg, "before ':'") != NULL);
	CHECK(refused_with("GET / HTTP/1.1\r\nHost\t: a\r\n\r\n") == 400);
	CHECK(refused_with("POST / HTTP/1.1\r\nHost: a\r\nContent-Length : 5\r\n\r\n") == 400);
}

static void test_p2_malformed_field_lines(void)
{
	CHECK(refused_with("GET / HTTP/1.1\r\nHost: a\r\nNoColon\r\n\r\n") == 400);
	CHECK(refused_with("GET / HTTP/1.1\r\nHost: a\r\n: empty\r\n\r\n") == 400);
	CHECK(refused_with("GET / HTTP/1.1\r\nHost: a\r\nX(Y): 1\r\n\r\n") == 400);
	CHECK(refused_with("\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\n") == 400);
}

static void test_p2_control_characters_in_values(void)
{
	CHECK(refused_with("GET / HTTP/1.1\r\nHost: a\r\nX: a\001b\r\n\r\n") == 400);
	CHECK(refused_with("GET / HTTP/1.1\r\nHost: a\r\nX: a\177b\r\n\r\n") == 400);
	CHECK(parse_n("GET / HTTP/1.1\r\nHost: a\r\nX: a\0b\r\n\r\n", 33, 1000) ==
	      SG_HTTP_INVALID);
	CHECK(r.http_status == 400);
	/* HTAB and obs-text are allowed */
	CHECK(refused_with("GET / HTTP/1.1\r\nHost: a\r\nX: a\tb\xe9\r\n\r\n") == 200);
	CHECK_STR(var("HTTP_X"), "a\tb\xe9");
}

static void test_p2_content_length_and_transfer_encoding(void)
{
	CHECK(refused_with("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\n"
			   "Transfer-Encoding: chunked\r\n\r\n") == 400);
	CHECK(refused_with("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n"
			   "Content-Length: 3\r\n\r\n") == 400);
	CHECK(strstr(r.err.msg, "both") != NULL);
}

static void test_p2_several_content_lengths(void)
{
	CHECK(refused_with("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\n"
			   "Content-Length: 3\r\n\r\n") == 400);
	CHECK(refused_with("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\n"
			   "content-length: 4\r\n\r\n") == 400);
	CHECK(refused_with("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3, 3\r\n\r\n") == 400);
}

static void test_p2_bad_content_length(void)
{
	CHECK(refused_with("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: x\r\n\r\n") == 400);
	CHECK(refused_with("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: -1\r\n\r\n") == 400);
	CHECK(refused_with("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: +1\r\n\r\n") == 400);
	CHECK(refused_with("POST / HTTP/1.1\r\nHost: a\r\nContent-Length:\r\n\r\n") == 400);
	CHECK(refused_with("POST / HTTP/1.1\r\nHost: a\r\n"
			   "Content-Length: 99999999999999999999999\r\n\r\n") == 400);
	/* leading zeros are in the grammar; the variable is canonical */
	CHECK(refused_with("POST / HTTP/1.1\r\nHost: a\r\nContent-Length:  007 \r\n\r\n") == 200);
	CHECK_STR(var("CONTENT_LENGTH"), "7");
	CHECK(refused_with("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 0\r\n\r\n") == 200);
	CHECK_STR(var("CONTENT_LENGTH"), "0");
	CHECK(r.head.has_body == 1 && r.head.content_length == 0);
}

/* A body must come with a length: any Transfer-Encoding is 411 (A4). */
static void test_p2_transfer_encoding_411(void)
{
	CHECK(refused_with("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n") ==
	      411);
	CHECK(refused_with("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip\r\n\r\n") ==
	      411);
	CHECK(refused_with("POST / HTTP/1.1\r\nHost: a\r\ntransfer-encoding: gzip, chunked\r\n"
			   "\r\n") == 411);
}

static char *head_with_fields(int fields)
{
	char *buf = malloc(64 + (size_t)fields * 16);
	size_t n = (size_t)sprintf(buf, "GET / HTTP/1.1\r\nHost: a\r\n");
	for (int i = 1; i < fields; i++)
		n += (size_t)sprintf(buf + n, "X-%d: %d\r\n", i, i);
	strcpy(buf + n, "\r\n");
	return buf;
}

static void test_p2_header_count_cap(void)
{
	char *ok = head_with_fields(SG_HTTP_MAX_HEADERS);
	char *over = head_with_fields(SG_HTTP_MAX_HEADERS + 1);

	CHECK(refused_with(ok) == 200);
	CHECK_STR(var("HTTP_X_99"), "99");
	CHECK(refused_with(over) == 431);
	CHECK(strstr(r.err.msg, "header fields") != NULL);
	/* refused as soon as the extra field line is complete */
	over[strlen(over) - 2] = '\0';
	CHECK(refused_with(over) == 431);
	free(ok);
	free(over);
}

/* 431, not 413: 413 is about bodies. */
static void test_p2_head_size_cap(void)
{
	static char buf[SG_HTTP_MAX_HEAD + 64];
	const char *start = "GET / HTTP/1.1\r\nHost: a\r\nX: ";
	size_t n = strlen(start);

	memcpy(buf, start, n);
	memset(buf + n, 'v', 100 - n - 4);
	memcpy(buf + 96, "\r\n\r\n", 4);
	CHECK(parse_n(buf, 100, 100) == SG_HTTP_OK);
	CHECK(parse_n(buf, 100, 99) == SG_HTTP_INVALID && r.http_status == 431);
	CHECK(parse_n(buf, 99, 99) == SG_HTTP_INVALID && r.http_status == 431);
	CHECK(parse_n(buf, 98, 99) == SG_HTTP_PARTIAL);

	/* a max_head above SG_HTTP_MAX_HEAD is lowered to it */
	memset(buf + n, 'v', sizeof buf - n);
	CHECK(parse_n(buf, sizeof buf, sizeof buf) == SG_HTTP_INVALID);
	CHECK(r.http_status == 431);
	CHECK(strstr(r.err.msg, "larger than") != NULL);
}

static void test_version_505(void)
{
	CHECK(refused_with("GET /\r\n\r\n") == 505);
	CHECK(refused_with("GET / HTTP/2.0\r\nHost: a\r\n\r\n") == 505);
	CHECK(refused_with("GET / HTTP/1.2\r\nHost: a\r\n\r\n") == 505);
	CHECK(refused_with("GET / HTTP/0.9\r\n\r\n") == 505);
	CHECK(refused_with("GET / HTTP/1.10\r\nHost: a\r\n\r\n") == 505);
	CHECK(refused_with("GET / FOO/1.1\r\nHost: a\r\n\r\n") == 400);
	CHECK(refused_with("GET / http/1.1\r\nHost: a\r\n\r\n") == 400);
}

static void test_http_1_0(void)
{
	CHECK(refused_with("GET /x HTTP/1.0\r\n\r\n") == 200);
	CHECK_STR(var("SERVER_PROTOCOL"), "HTTP/1.0");
	CHECK_STR(var("SERVER_NAME"), "listener.example");
	CHECK_STR(var("SERVER_PORT"), "8080");
	CHECK(var("HTTP_HOST") == NULL && r.head.host == NULL);
}

static void test_request_line_shape(void)
{
	CHECK(refused_with("GET  / HTTP/1.1\r\nHost: a\r\n\r\n") == 400);
	CHECK(refused_with("GET /  HTTP/1.1\r\nHost: a\r\n\r\n") == 400);
	CHECK(refused_with("GET / HTTP/1.1 \r\nHost: a\r\n\r\n") == 400);
	CHECK(refused_with(" GET / HTTP/1.1\r\nHost: a\r\n\r\n") == 400);
	CHECK(refused_with("GET\t/ HTTP/1.1\r\nHost: a\r\n\r\n") == 400);
	CHECK(refused_with("GET\r\n\r\n") == 400);
}

static void test_methods(void)
{
	CHECK(refused_with("PATCH / HTTP/1.1\r\nHost: a\r\n\r\n") == 200);
	CHECK_STR(var("REQUEST_METHOD"), "PATCH");
	CHECK(refused_with("DELETE / HTTP/1.1\r\nHost: a\r\n\r\n") == 200);
	CHECK(refused_with("HEAD / HTTP/1.1\r\nHost: a\r\n\r\n") == 200);
	CHECK(refused_with("BREW / HTTP/1.1\r\nHost: a\r\n\r\n") == 501);
	CHECK(refused_with("get / HTTP/1.1\r\nHost: a\r\n\r\n") == 501);
	CHECK(refused_with("G@T / HTTP/1.1\r\nHost: a\r\n\r\n") == 400);
}

static void test_connect_501(void)
{
	CHECK(refused_with("CONNECT example.com:443 HTTP/1.1\r\nHost: example.com\r\n\r\n") ==
	      501);
	CHECK(strstr(r.err.msg, "CONNECT") != NULL);
}

static void test_request_target_forms(void)
{
	CHECK(refused_with("OPTIONS * HTTP/1.1\r\nHost: a\r\n\r\n") == 200);
	CHECK_STR(var("REQUEST_URI"), "*");
	CHECK(refused_with("GET * HTTP/1.1\r\nHost: a\r\n\r\n") == 400);
	CHECK(refused_with("GET http://a/b?c=d HTTP/1.1\r\nHost: a\r\n\r\n") == 200);
	CHECK_STR(var("REQUEST_URI"), "http://a/b?c=d");
	CHECK_STR(var("QUERY_STRING"), "c=d");
	CHECK(refused_with("GET example.com:80 HTTP/1.1\r\nHost: a\r\n\r\n") == 400);
	CHECK(refused_with("GET ftp://a/b HTTP/1.1\r\nHost: a\r\n\r\n") == 400);
	CHECK(refused_with("GET x HTTP/1.1\r\nHost: a\r\n\r\n") == 400);
	CHECK(refused_with("GET /a#frag HTTP/1.1\r\nHost: a\r\n\r\n") == 400);
	CHECK(refused_with("GET /a\001 HTTP/1.1\r\nHost: a\r\n\r\n") == 400);
	CHECK(refused_with("GET /? HTTP/1.1\r\nHost: a\r\n\r\n") == 200);
	CHECK_STR(var("QUERY_STRING"), "");
}

/* C3: HTTP_ + upper-cased name with '-' -> '_'. */
static void test_c3_header_names(void)
{
	CHECK(refused_with("GET / HTTP/1.1\r\nHost: a\r\nx-forwarded-for: 1\r\n"
			   "Accept-Language: fr\r\nDNT: 1\r\n\r\n") == 200);
	CHECK_STR(var("HTTP_X_FORWARDED_FOR"), "1");
	CHECK_STR(var("HTTP_ACCEPT_LANGUAGE"), "fr");
	CHECK_STR(var("HTTP_DNT"), "1");
}

/* C3: X_Foo would collide with X-Foo, so names outside [A-Za-z0-9-] go. */
static void test_c3_names_with_other_characters_dropped(void)
{
	CHECK(refused_with("GET / HTTP/1.1\r\nHost: a\r\nX_Foo: spoof\r\nX.Bar: 2\r\n"
			   "X-Foo: real\r\n\r\n") == 200);
	CHECK_STR(var("HTTP_X_FOO"), "real");
	CHECK(var("HTTP_X.BAR") == NULL && var("HTTP_X_BAR") == NULL);
}

static void test_c3_repeated_headers_merged(void)
{
	CHECK(refused_with("GET / HTTP/1.1\r\nHost: a\r\nAccept: text/html\r\nX: 0\r\n"
			   "accept: */*\r\nACCEPT:  q \r\n\r\n") == 200);
	CHECK_STR(var("HTTP_ACCEPT"), "text/html, */*, q");
	CHECK(refused_with("GET / HTTP/1.1\r\nHost: a\r\nCookie: a=1\r\nCookie: b=2\r\n\r\n") ==
	      200);
	CHECK_STR(var("HTTP_COOKIE"), "a=1; b=2");
}

/* C4 httpoxy: no HTTP_PROXY from a Proxy header, in any case. */
static void test_c4_proxy_dropped(void)
{
	CHECK(refused_with("GET / HTTP/1.1\r\nHost: a\r\nProxy: http://evil:1\r\n"
			   "PROXY: x\r\n\r\n") == 200);
	CHECK(var("HTTP_PROXY") == NULL);
	/* other names that merely start with it are kept */
	CHECK(refused_with("GET / HTTP/1.1\r\nHost: a\r\nProxy-Foo: 1\r\n\r\n") == 200);
	CHECK_STR(var("HTTP_PROXY_FOO"), "1");
}

static void test_values_trimmed(void)
{
	CHECK(refused_with("GET / HTTP/1.1\r\nHost:a\r\nX-A: \t spaced out \t \r\n"
			   "X-B:\r\nX-C:   \r\n\r\n") == 200);
	CHECK_STR(var("HTTP_X_A"), "spaced out");
	CHECK_STR(var("HTTP_X_B"), "");
	CHECK_STR(var("HTTP_X_C"), "");
	CHECK_STR(var("HTTP_HOST"), "a");
}

static void test_host_required_once(void)
{
	CHECK(refused_with("GET / HTTP/1.1\r\nX: 1\r\n\r\n") == 400);
	CHECK(strstr(r.err.msg, "Host") != NULL);
	CHECK(refused_with("GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n") == 400);
	CHECK(refused_with("GET / HTTP/1.0\r\nHost: a\r\nhost: a\r\n\r\n") == 400);
}

static void test_host_to_server_name_and_port(void)
{
	CHECK(refused_with("GET / HTTP/1.1\r\nHost: [::1]:9000\r\n\r\n") == 200);
	CHECK_STR(var("SERVER_NAME"), "[::1]");
	CHECK_STR(var("SERVER_PORT"), "9000");
	CHECK(refused_with("GET / HTTP/1.1\r\nHost: [::1]\r\n\r\n") == 200);
	CHECK_STR(var("SERVER_NAME"), "[::1]");
	CHECK_STR(var("SERVER_PORT"), "8080");
	CHECK(refused_with("GET / HTTP/1.1\r\nHost: example.com:\r\n\r\n") == 200);
	CHECK_STR(var("SERVER_NAME"), "example.com");
	CHECK_STR(var("SERVER_PORT"), "8080");
	CHECK(refused_with("GET / HTTP/1.1\r\nHost:\r\n\r\n") == 200);
	CHECK_STR(var("SERVER_NAME"), "listener.example");
	CHECK_STR(var("HTTP_HOST"), "");
	CHECK(r.head.host != NULL && r.head.host_len == 0);
}

static void test_host_malformed(void)
{
	CHECK(refused_with("GET / HTTP/1.1\r\nHost: a b\r\n\r\n") == 400);
	CHECK(refused_with("GET / HTTP/1.1\r\nHost: a/b\r\n\r\n") == 400);
	CHECK(refused_with("GET / HTTP/1.1\r\nHost: a:b\r\n\r\n") == 400);
	CHECK(refused_with("GET / HTTP/1.1\r\nHost: a:1:2\r\n\r\n") == 400);
	CHECK(refused_with("GET / HTTP/1.1\r\nHost: a:123456\r\n\r\n") == 400);
	CHECK(refused_with("GET / HTTP/1.1\r\nHost: [::1\r\n\r\n") == 400);
	CHECK(refused_with("GET / HTTP/1.1\r\nHost: [::1]x\r\n\r\n") == 400);
	CHECK(refused_with("GET / HTTP/1.1\r\nHost: [::1]:80]\r\n\r\n") == 400);
	CHECK(refused_with("GET / HTTP/1.1\r\nHost: a]\r\n\r\n") == 400);
	CHECK(refused_with("GET / HTTP/1.1\r\nHost: a\xe9\r\n\r\n") == 400);
}

static void test_expect_continue(void)
{
	CHECK(refused_with("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n"
			   "Expect: 100-Continue\r\n\r\n") == 200);
	CHECK(r.head.expect_continue == 1);
	CHECK_STR(var("HTTP_EXPECT"), "100-Continue");
	/* HTTP/1.0 clients cannot be sent a 100 */
	CHECK(refused_with("POST / HTTP/1.0\r\nContent-Length: 5\r\n"
			   "Expect: 100-continue\r\n\r\n") == 200);
	CHECK(r.head.expect_continue == 0);
	CHECK(refused_with("POST / HTTP/1.1\r\nHost: a\r\nExpect: something\r\n\r\n") == 200);
	CHECK(r.head.expect_continue == 0);
}

static void test_remote_of_unix_socket_peer(void)
{
	const struct sg_http_conn_info unix_info = {"", "", "localhost", "0", NULL};
	char buf[4096];
	struct sg_envblock env;
	struct sg_http_head h;
	struct sg_error err;
	int status = 0;

	sg_envblock_init(&env, buf, sizeof buf);
	CHECK(sg_http_head_parse(CURL_GET, strlen(CURL_GET), SG_HTTP_MAX_HEAD, &unix_info, &env,
				 &h, &status, &err) == SG_HTTP_OK);
	const char *v = sg_envblock_get(env.buf, env.len, "REMOTE_ADDR", NULL);
	CHECK(v != NULL && *v == '\0');
	v = sg_envblock_get(env.buf, env.len, "REQUEST_SCHEME", NULL);
	CHECK(v != NULL && strcmp(v, "http") == 0);
}

/* An env block too small for the head: 431, and the block as it was. */
static void test_env_block_too_small(void)
{
	char buf[512];
	struct sg_envblock env;
	struct sg_http_head h;
	struct sg_error err;
	int status = 0;

	sg_envblock_init(&env, buf, sizeof buf);
	CHECK(sg_envblock_adds(&env, "KEEP", "me", &err) == 0);
	size_t before = env.len;
	char head[1024];
	snprintf(head, sizeof head, "GET / HTTP/1.1\r\nHost: a\r\nX-Big: %0500d\r\n\r\n", 1);
	CHECK(sg_http_head_parse(head, strlen(head), SG_HTTP_MAX_HEAD, &info, &env, &h, &status,
				 &err) == SG_HTTP_INVALID);
	CHECK(status == 431);
	CHECK(env.len == before);

	/* appended after what the caller put there */
	CHECK(sg_http_head_parse(CURL_GET, strlen(CURL_GET), SG_HTTP_MAX_HEAD, &info, &env, &h,
				 &status, &err) == SG_HTTP_OK);
	CHECK(memcmp(buf, "KEEP\0me\0", 8) == 0);
	CHECK(h.host != NULL && memcmp(h.host, "localhost:8080", 14) == 0);
}

/* The body after the head is neither parsed nor counted. */
static void test_body_bytes_not_consumed(void)
{
	char buf[512];
	snprintf(buf, sizeof buf, "%s%s", CURL_POST, "GET / HTTP/1.1\r\n\r\n");
	CHECK(parse(buf) == SG_HTTP_OK);
	CHECK(r.head.consumed == strlen(CURL_POST));
}

int main(void)
{
	RUN(test_curl_get);
	RUN(test_c1_curl_post);
	RUN(test_every_prefix_is_partial);
	RUN(test_p2_bare_lf);
	RUN(test_p2_bare_cr);
	RUN(test_p2_obs_fold);
	RUN(test_p2_whitespace_before_colon);
	RUN(test_p2_malformed_field_lines);
	RUN(test_p2_control_characters_in_values);
	RUN(test_p2_content_length_and_transfer_encoding);
	RUN(test_p2_several_content_lengths);
	RUN(test_p2_bad_content_length);
	RUN(test_p2_transfer_encoding_411);
	RUN(test_p2_header_count_cap);
	RUN(test_p2_head_size_cap);
	RUN(test_version_505);
	RUN(test_http_1_0);
	RUN(test_request_line_shape);
	RUN(test_methods);
	RUN(test_connect_501);
	RUN(test_request_target_forms);
	RUN(test_c3_header_names);
	RUN(test_c3_names_with_other_characters_dropped);
	RUN(test_c3_repeated_headers_merged);
	RUN(test_c4_proxy_dropped);
	RUN(test_values_trimmed);
	RUN(test_host_required_once);
	RUN(test_host_to_server_name_and_port);
	RUN(test_host_malformed);
	RUN(test_expect_continue);
	RUN(test_remote_of_unix_socket_peer);
	RUN(test_env_block_too_small);
	RUN(test_body_bytes_not_consumed);
	UNIT_END();
}
