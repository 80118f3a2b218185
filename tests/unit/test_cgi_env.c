/* The script's environment (gateway/cgi_env.c). */
#include <stdlib.h>

#include "gateway/cgi_env.h"
#include "unit.h"

static char in[8192], outbuf[8192];
static size_t in_len;
static struct sg_envblock out;

static void put(const char *name, const char *value)
{
	size_t n = strlen(name) + 1, v = strlen(value) + 1;
	memcpy(in + in_len, name, n);
	memcpy(in + in_len + n, value, v);
	in_len += n + v;
}

static const char *get(const char *name)
{
	static char value[1024];
	size_t len;
	const char *v = sg_envblock_get(out.buf, out.len, name, &len);
	if (v == NULL)
		return NULL;
	memcpy(value, v, len);
	value[len] = '\0';
	return value;
}

static int build(const struct sg_cgi_env_opts *o)
{
	struct sg_error err;
	sg_envblock_init(&out, outbuf, sizeof outbuf);
	int rc = sg_cgi_env_build(in, in_len, o, &out, &err);
	if (rc < 0)
		printf("    err: %s\n", err.msg);
	return rc;
}

/* What Apache gives the launcher (mod_actions, "virtual"). */
static void launcher_env(void)
{
	in_len = 0;
	put("PATH", "/usr/local/sbin:/usr/sbin");
	put("LD_PRELOAD", "/tmp/evil.so");
	put("SANDGATE_CGI_SOCKET", "/run/sandgate/cgi.sock");
	put("SERVER_SOFTWARE", "Apache/2.4");
	put("GATEWAY_INTERFACE", "CGI/1.0");
	put("SCRIPT_NAME", "/sandgate-cgi");
	put("SCRIPT_FILENAME", "/usr/lib/sandgate/sandgate-cgi");
	put("PATH_INFO", "/~alice/cgi-bin/env.py/x/y");
	put("PATH_TRANSLATED", "/home/alice/public_html/cgi-bin/env.py/x/y");
	put("REQUEST_URI", "/~alice/cgi-bin/env.py/x/y?q");
	put("QUERY_STRING", "q");
	put("HTTP_HOST", "example.com");
	put("HTTP_PROXY", "http://evil:3128");
	put("HTTP_AUTHORIZATION", "Basic eDp5");
	put("HTTP_X_ODD-NAME", "1");
	put("HTTP_HOST", "second.example.com");
	put("SSL_CIPHER", "TLS_AES");
	put("CONTENT_LENGTH", "");
	put("SCGI", "1");
	put("BASH_FUNC_x%%", "() { :; }");
}

static void test_launcher(void)
{
	launcher_env();
	struct sg_cgi_env_opts o = { .script = "/home/alice/public_html/cgi-bin/env.py",
				     .script_name = "/~alice/cgi-bin/env.py", .path_info = "/x/y",
				     .drop_translated = true };
	CHECK(build(&o) == 0);
	CHECK_STR(get("PATH"), SG_CGI_PATH);
	CHECK_STR(get("GATEWAY_INTERFACE"), "CGI/1.1");
	CHECK_STR(get("SCRIPT_FILENAME"), "/home/alice/public_html/cgi-bin/env.py");
	CHECK_STR(get("SCRIPT_NAME"), "/~alice/cgi-bin/env.py");
	CHECK_STR(get("PATH_INFO"), "/x/y");
	CHECK(get("PATH_TRANSLATED") == NULL);
	CHECK_STR(get("REQUEST_URI"), "/~alice/cgi-bin/env.py/x/y?q");
	CHECK_STR(get("SERVER_SOFTWARE"), "Apache/2.4");
	CHECK_STR(get("HTTP_HOST"), "example.com"); /* the first one */
	CHECK_STR(get("SSL_CIPHER"), "TLS_AES");
	CHECK(get("HTTP_PROXY") == NULL);
	CHECK(get("HTTP_AUTHORIZATION") == NULL);
	CHECK(get("HTTP_X_ODD-NAME") == NULL);
	CHECK(get("LD_PRELOAD") == NULL && get("SANDGATE_CGI_SOCKET") == NULL);
	CHECK(get("CONTENT_LENGTH") == NULL && get("SCGI") == NULL);
	CHECK(get("BASH_FUNC_x%%") == NULL);
	/* Each name once. */
	size_t pos = 0, nl, vl, n = 0;
	const char *name, *value;
	while (sg_envblock_next(out.buf, out.len, &pos, &name, &nl, &value, &vl))
		n += nl == 9 && memcmp(name, "HTTP_HOST", 9) == 0;
	CHECK(n == 1);
}

static void test_authorization_and_empty_path_info(void)
{
	launcher_env();
	struct sg_cgi_env_opts o = { .script = "/s", .script_name = "/~a/s", .path_info = "",
				     .drop_translated = true, .pass_authorization = true };
	CHECK(build(&o) == 0);
	CHECK_STR(get("HTTP_AUTHORIZATION"), "Basic eDp5");
	CHECK(get("PATH_INFO") == NULL);
	CHECK(get("HTTP_PROXY") == NULL);
}

static void test_scgi(void)
{
	in_len = 0;
	put("CONTENT_LENGTH", "12");
	put("SCGI", "1");
	put("SCRIPT_FILENAME", "/home/a/public_html/cgi-bin/s.py");
	put("SCRIPT_NAME", "/~a/cgi-bin/s.py");
	put("PATH_INFO", "/more");
	put("PATH_TRANSLATED", "/home/a/public_html/more");
	put("HTTP_PROXY", "");
	struct sg_cgi_env_opts o = { .script = "/home/a/public_html/cgi-bin/s.py" };
	CHECK(build(&o) == 0);
	CHECK_STR(get("CONTENT_LENGTH"), "12");
	CHECK_STR(get("SCRIPT_NAME"), "/~a/cgi-bin/s.py");
	CHECK_STR(get("PATH_INFO"), "/more");
	CHECK_STR(get("PATH_TRANSLATED"), "/home/a/public_html/more");
	CHECK(get("SCGI") == NULL && get("HTTP_PROXY") == NULL);
}

static void test_limits(void)
{
	struct sg_cgi_env_opts o = { .script = "/s" };
	struct sg_error err;
	/* Out of room. */
	in_len = 0;
	put("QUERY_STRING", "0123456789");
	sg_envblock_init(&out, outbuf, 60);
	CHECK(sg_cgi_env_build(in, in_len, &o, &out, &err) == -1);
	/* Malformed: a name without its value. */
	in_len = 0;
	memcpy(in, "QUERY_STRING\0x", 14);
	in_len = 14;
	CHECK(build(&o) == -1);
	/* Too many variables. */
	in_len = 0;
	for (int i = 0; i <= SG_CGI_ENV_MAX_VARS; i++)
		put("A", "");
	CHECK(build(&o) == -1);
	CHECK(sg_cgi_env_allowed("HTTP_X_Y", 8, false));
	CHECK(!sg_cgi_env_allowed("HTTP_", 5, false));
	CHECK(!sg_cgi_env_allowed("HTTP_x", 6, false));
	CHECK(!sg_cgi_env_allowed("TZX", 3, false));
}

int main(void)
{
	RUN(test_launcher);
	RUN(test_authorization_and_empty_path_info);
	RUN(test_scgi);
	RUN(test_limits);
	UNIT_END();
}
