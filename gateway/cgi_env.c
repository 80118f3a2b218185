/* A CGI script's environment (README "Replacing suEXEC"): what suEXEC
 * lets through (httpd support/suexec.c, safe_env_lst), the request's
 * headers as HTTP_*, TLS details as SSL_*; never HTTP_PROXY (httpoxy,
 * CVE-2016-5385: libraries take it for their proxy); the Authorization
 * header only when the admin says so (RFC 3875 4.1.18 leaves it out by
 * default). Pure. */
#include "cgi_env.h"

#include <string.h>

static const char *const safe[] = {
	"AUTH_TYPE", "CONTENT_LENGTH", "CONTENT_TYPE", "CONTEXT_DOCUMENT_ROOT",
	"CONTEXT_PREFIX", "DATE_GMT", "DATE_LOCAL", "DOCUMENT_ARGS", "DOCUMENT_NAME",
	"DOCUMENT_PATH_INFO", "DOCUMENT_ROOT", "DOCUMENT_URI", "GATEWAY_INTERFACE", "HTTPS",
	"LAST_MODIFIED", "PATH_INFO", "PATH_TRANSLATED", "QUERY_STRING",
	"QUERY_STRING_UNESCAPED", "REMOTE_ADDR", "REMOTE_HOST", "REMOTE_IDENT", "REMOTE_PORT",
	"REMOTE_USER", "REDIRECT_ERROR_NOTES", "REDIRECT_HANDLER", "REDIRECT_QUERY_STRING",
	"REDIRECT_REMOTE_USER", "REDIRECT_SCRIPT_FILENAME", "REDIRECT_STATUS", "REDIRECT_URL",
	"REQUEST_METHOD", "REQUEST_URI", "REQUEST_SCHEME", "SCRIPT_FILENAME", "SCRIPT_NAME",
	"SCRIPT_URI", "SCRIPT_URL", "SERVER_ADMIN", "SERVER_NAME", "SERVER_ADDR", "SERVER_PORT",
	"SERVER_PROTOCOL", "SERVER_SIGNATURE", "SERVER_SOFTWARE", "UNIQUE_ID", "USER_NAME", "TZ",
};

static bool is(const char *name, size_t len, const char *want)
{
	return strlen(want) == len && memcmp(name, want, len) == 0;
}

static bool has_prefix(const char *name, size_t len, const char *prefix)
{
	size_t n = strlen(prefix);
	return len > n && memcmp(name, prefix, n) == 0;
}

/* [A-Z0-9_] only: a header name a shell or a library could misread never
 * reaches the script. */
static bool plain(const char *name, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		char ch = name[i];
		if (!((ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') || ch == '_'))
			return false;
	}
	return true;
}

bool sg_cgi_env_allowed(const char *name, size_t len, bool pass_authorization)
{
	if (has_prefix(name, len, "HTTP_")) {
		if (is(name, len, "HTTP_PROXY"))
			return false;
		if (is(name, len, "HTTP_AUTHORIZATION"))
			return pass_authorization;
		return plain(name, len);
	}
	if (has_prefix(name, len, "SSL_"))
		return plain(name, len);
	for (size_t i = 0; i < sizeof safe / sizeof safe[0]; i++)
		if (is(name, len, safe[i]))
			return true;
	return false;
}

/* Set by the gateway, whatever the front end sent. */
static bool replaced(const char *name, size_t len, const struct sg_cgi_env_opts *o)
{
	return is(name, len, "PATH") || is(name, len, "GATEWAY_INTERFACE") ||
	       is(name, len, "SCRIPT_FILENAME") ||
	       (o->script_name != NULL && is(name, len, "SCRIPT_NAME")) ||
	       (o->path_info != NULL && is(name, len, "PATH_INFO")) ||
	       (o->drop_translated && is(name, len, "PATH_TRANSLATED"));
}

/* A name already in out: the first one wins (a front end's duplicate
 * must not shadow what the checks saw). */
static bool seen(const struct sg_envblock *out, const char *name, size_t len)
{
	const char *n, *v;
	size_t pos = 0, nl, vl;
	while (sg_envblock_next(out->buf, out->len, &pos, &n, &nl, &v, &vl))
		if (nl == len && memcmp(n, name, len) == 0)
			return true;
	return false;
}

static int set_ours(const struct sg_cgi_env_opts *o, struct sg_envblock *out,
		    struct sg_error *err)
{
	if (sg_envblock_adds(out, "GATEWAY_INTERFACE", "CGI/1.1", err) < 0 ||
	    sg_envblock_adds(out, "PATH", SG_CGI_PATH, err) < 0 ||
	    sg_envblock_adds(out, "SCRIPT_FILENAME", o->script, err) < 0)
		return -1;
	if (o->script_name != NULL && sg_envblock_adds(out, "SCRIPT_NAME", o->script_name, err) < 0)
		return -1;
	/* An empty PATH_INFO is as good as none (RFC 3875 4.1.5): left out. */
	if (o->path_info != NULL && o->path_info[0] != '\0' &&
	    sg_envblock_adds(out, "PATH_INFO", o->path_info, err) < 0)
		return -1;
	return 0;
}

int sg_cgi_env_build(const char *in, size_t in_len, const struct sg_cgi_env_opts *o,
		     struct sg_envblock *out, struct sg_error *err)
{
	const char *name, *value;
	size_t pos = 0, nl, vl, n = 0;
	if (set_ours(o, out, err) < 0)
		return -1;
	while (sg_envblock_next(in, in_len, &pos, &name, &nl, &value, &vl)) {
		/* Bounds seen()'s work: n * n name comparisons at most. */
		if (++n > SG_CGI_ENV_MAX_VARS)
			return sg_fail(err, "more than %d variables", SG_CGI_ENV_MAX_VARS);
		if (!sg_cgi_env_allowed(name, nl, o->pass_authorization) || replaced(name, nl, o))
			continue;
		if (is(name, nl, "CONTENT_LENGTH") && vl == 0)
			continue;
		if (seen(out, name, nl))
			continue;
		if (sg_envblock_add(out, name, nl, value, vl, err) < 0)
			return -1;
	}
	if (pos != in_len)
		return sg_fail(err, "the front end's variables are not a well-formed env block");
	return 0;
}
