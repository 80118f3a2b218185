/* libFuzzer harness for a CGI script's environment (gateway/cgi_env.c).
 *
 * The first byte picks the options (launcher or SCGI, pass_authorization),
 * the rest is the front end's env block. Besides "no crash", it checks
 * what the builder promises: the output is a well-formed block, holds
 * each name once, PATH, GATEWAY_INTERFACE and SCRIPT_FILENAME are ours,
 * every other name is allowed (never HTTP_PROXY, HTTP_AUTHORIZATION only
 * when passed), and no CONTENT_LENGTH is empty. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "gateway/cgi_env.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char out_buf[65536];

static int ours(const char *name, size_t len)
{
	static const char *const set[] = { "PATH", "GATEWAY_INTERFACE", "SCRIPT_FILENAME",
					   "SCRIPT_NAME", "PATH_INFO" };
	for (size_t i = 0; i < sizeof set / sizeof set[0]; i++)
		if (strlen(set[i]) == len && memcmp(set[i], name, len) == 0)
			return 1;
	return 0;
}

static void check(const struct sg_envblock *out, const struct sg_cgi_env_opts *o)
{
	const char *name, *value, *n2, *v2;
	size_t pos = 0, nl, vl, p2, nl2, vl2;
	while (sg_envblock_next(out->buf, out->len, &pos, &name, &nl, &value, &vl)) {
		if (!ours(name, nl) && !sg_cgi_env_allowed(name, nl, o->pass_authorization))
			abort();
		if (nl == 10 && memcmp(name, "HTTP_PROXY", 10) == 0)
			abort();
		if (nl == 14 && memcmp(name, "CONTENT_LENGTH", 14) == 0 && vl == 0)
			abort();
		if (o->drop_translated && nl == 15 && memcmp(name, "PATH_TRANSLATED", 15) == 0)
			abort();
		/* Each name once. */
		p2 = pos;
		while (sg_envblock_next(out->buf, out->len, &p2, &n2, &nl2, &v2, &vl2))
			if (nl2 == nl && memcmp(n2, name, nl) == 0)
				abort();
	}
	if (pos != out->len)
		abort();
	size_t len;
	const char *path = sg_envblock_get(out->buf, out->len, "PATH", &len);
	if (path == NULL || len != strlen(SG_CGI_PATH) || memcmp(path, SG_CGI_PATH, len) != 0)
		abort();
	const char *sf = sg_envblock_get(out->buf, out->len, "SCRIPT_FILENAME", &len);
	if (sf == NULL || len != strlen(o->script) || memcmp(sf, o->script, len) != 0)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sg_envblock out;
	struct sg_error err;
	if (size < 1)
		return 0;
	struct sg_cgi_env_opts o = { .script = "/home/a/public_html/cgi-bin/s.py",
				     .pass_authorization = data[0] & 1 };
	if (data[0] & 2) {
		o.script_name = "/~a/cgi-bin/s.py";
		o.path_info = data[0] & 4 ? "/x" : "";
		o.drop_translated = true;
	}
	sg_envblock_init(&out, out_buf, (data[0] & 8) ? 512 : sizeof out_buf);
	if (sg_cgi_env_build((const char *)data + 1, size - 1, &o, &out, &err) == 0)
		check(&out, &o);
	return 0;
}
