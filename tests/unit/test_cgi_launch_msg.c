/* The launcher's message (cgi_launch_proto.h, gateway/cgi_launch_msg.c). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "gateway/cgi_launch_msg.h"
#include "gateway/cgi_launch_proto.h"
#include "unit.h"

static char msg[sizeof(struct sg_cgi_launch) + SG_CGI_ENV_MAX + 64];

/* A message with magic and env_len as given and env (n bytes) after it. */
static size_t make(uint32_t magic, uint32_t env_len, const char *env, size_t n)
{
	struct sg_cgi_launch h = { .magic = magic, .env_len = env_len };
	memcpy(msg, &h, sizeof h);
	memcpy(msg + sizeof h, env, n);
	return sizeof h + n;
}

static int parse(size_t len, const char **env, size_t *env_len, struct sg_error *err)
{
	return sg_cgi_launch_parse(msg, len, env, env_len, err);
}

#define GOOD "GATEWAY_INTERFACE\0CGI/1.1\0PATH_INFO\0/~a/x.py\0EMPTY\0\0"

static void test_good_message(void)
{
	const char *env = NULL;
	size_t env_len = 0;
	struct sg_error err;
	size_t n = make(SG_CGI_LAUNCH_MAGIC, sizeof GOOD - 1, GOOD, sizeof GOOD - 1);
	CHECK(parse(n, &env, &env_len, &err) == 0);
	CHECK(env == msg + sizeof(struct sg_cgi_launch));
	CHECK(env_len == sizeof GOOD - 1);
	/* an empty environment is well-formed (the gateway refuses it later) */
	n = make(SG_CGI_LAUNCH_MAGIC, 0, "", 0);
	CHECK(parse(n, &env, &env_len, &err) == 0 && env_len == 0);
}

static void test_wrong_magic(void)
{
	const char *env;
	size_t env_len;
	struct sg_error err;
	size_t n = make(SG_CGI_VERDICT_MAGIC, sizeof GOOD - 1, GOOD, sizeof GOOD - 1);
	CHECK(parse(n, &env, &env_len, &err) < 0);
	CHECK(strstr(err.msg, "magic") != NULL);
}

static void test_short_and_mismatched_lengths(void)
{
	const char *env;
	size_t env_len;
	struct sg_error err;
	make(SG_CGI_LAUNCH_MAGIC, 0, "", 0);
	CHECK(parse(0, &env, &env_len, &err) < 0);
	CHECK(parse(sizeof(struct sg_cgi_launch) - 1, &env, &env_len, &err) < 0);
	/* says more than it carries: a truncated env block */
	size_t n = make(SG_CGI_LAUNCH_MAGIC, sizeof GOOD + 9, GOOD, sizeof GOOD - 1);
	CHECK(parse(n, &env, &env_len, &err) < 0);
	CHECK(strstr(err.msg, "carries") != NULL);
	/* says less */
	n = make(SG_CGI_LAUNCH_MAGIC, 4, GOOD, sizeof GOOD - 1);
	CHECK(parse(n, &env, &env_len, &err) < 0);
	/* over the cap, whatever it carries */
	n = make(SG_CGI_LAUNCH_MAGIC, SG_CGI_ENV_MAX + 1, GOOD, sizeof GOOD - 1);
	CHECK(parse(n, &env, &env_len, &err) < 0);
	CHECK(strstr(err.msg, "over") != NULL);
}

static void test_bad_env_blocks(void)
{
	const char *env;
	size_t env_len;
	struct sg_error err;
	static const struct {
		const char *env;
		size_t len;
		const char *why;
	} bad[] = {
		{ "A\0x", 3, "NUL" },              /* value not terminated */
		{ "A", 1, "NUL" },                 /* name not terminated */
		{ "\0x\0", 3, "empty name" },
		{ "A=B\0x\0", 6, "'='" },
		{ "P\0a\0Q\0b\0P\0c\0", 12, "twice" },
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		size_t n = make(SG_CGI_LAUNCH_MAGIC, (uint32_t)bad[i].len, bad[i].env, bad[i].len);
		err.msg[0] = '\0';
		CHECK(parse(n, &env, &env_len, &err) < 0);
		CHECK(strstr(err.msg, bad[i].why) != NULL);
	}
}

static void test_pair_cap(void)
{
	const char *env;
	size_t env_len;
	struct sg_error err;
	static char block[SG_CGI_ENV_MAX];
	size_t len = 0;
	/* SG_CGI_ENV_PAIRS_MAX + 1 pairs "V<i>" = "" */
	for (int i = 0; i <= SG_CGI_ENV_PAIRS_MAX; i++) {
		len += (size_t)snprintf(block + len, sizeof block - len, "V%d", i) + 1;
		block[len++] = '\0';
	}
	size_t n = make(SG_CGI_LAUNCH_MAGIC, (uint32_t)len, block, len);
	CHECK(parse(n, &env, &env_len, &err) < 0);
	CHECK(strstr(err.msg, "more than") != NULL);
	/* one fewer is fine */
	size_t last = strlen("V512") + 2;
	n = make(SG_CGI_LAUNCH_MAGIC, (uint32_t)(len - last), block, len - last);
	CHECK(parse(n, &env, &env_len, &err) == 0);
}

int main(void)
{
	RUN(test_good_message);
	RUN(test_wrong_magic);
	RUN(test_short_and_mismatched_lengths);
	RUN(test_bad_env_blocks);
	RUN(test_pair_cap);
	UNIT_END();
}
