/* libFuzzer harness for the HTTP request head parser (protocols.md P2, C3, C4).
 *
 * Besides "no crash", it checks what the parser promises: a refusal names
 * one of the documented statuses; an accepted head lies inside the input,
 * its env block iterates cleanly, no HTTP_* name has characters outside
 * [A-Z0-9_], httpoxy and W3's forbidden names never appear, and one byte
 * less would have been PARTIAL. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "gateway/envblock.h"
#include "gateway/http_head.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const struct sg_http_conn_info info = {"127.0.0.1", "4000", "localhost", "8080",
					      "http"};

static int is_forbidden(const char *name, size_t n)
{
	static const char *const names[] = {"HTTP_PROXY", "HTTP_CONTENT_LENGTH",
					    "HTTP_CONTENT_TYPE"};
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
		if (strlen(names[i]) == n && memcmp(names[i], name, n) == 0)
			return 1;
	}
	return 0;
}

static void check_env(const struct sg_envblock *env, const struct sg_http_head *h)
{
	const char *name, *value;
	size_t name_len, value_len, pos = 0;

	while (sg_envblock_next(env->buf, env->len, &pos, &name, &name_len, &value,
				&value_len)) {
		if (is_forbidden(name, name_len))
			abort();
		if (name_len < 5 || memcmp(name, "HTTP_", 5) != 0)
			continue;
		for (size_t i = 5; i < name_len; i++) {
			char c = name[i];
			if (!(c >= 'A' && c <= 'Z') && !(c >= '0' && c <= '9') && c != '_')
				abort();
		}
	}
	if (pos != env->len)
		abort();
	if (h->host != NULL &&
	    (h->host < env->buf || h->host + h->host_len >= env->buf + env->len))
		abort();
}

static int documented_status(int status)
{
	return status == 400 || status == 411 || status == 413 || status == 431 ||
	       status == 501 || status == 505;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char env_buf[3 * SG_HTTP_MAX_HEAD];
	const char *buf = (const char *)data;
	struct sg_envblock env;
	struct sg_http_head h;
	struct sg_error err;
	int status = 0;

	sg_envblock_init(&env, env_buf, sizeof env_buf);
	enum sg_http_status st = sg_http_head_parse(buf, size, SG_HTTP_MAX_HEAD, &info, &env, &h,
						    &status, &err);
	if (st == SG_HTTP_INVALID && (!documented_status(status) || env.len != 0))
		abort();
	if (st != SG_HTTP_OK)
		return 0;
	if (h.consumed > size || h.consumed < 4 || memcmp(buf + h.consumed - 4, "\r\n\r\n", 4))
		abort();
	check_env(&env, &h);
	sg_envblock_init(&env, env_buf, sizeof env_buf);
	if (sg_http_head_parse(buf, h.consumed - 1, SG_HTTP_MAX_HEAD, &info, &env, &h, &status,
			       &err) != SG_HTTP_PARTIAL)
		abort();
	return 0;
}
