#include "gateway/worker/reqinfo.h"

#include <string.h>
#include <strings.h>

#include "gateway/envblock.h"

static bool is(const char *name, size_t len, const char *want)
{
	return len == strlen(want) && memcmp(name, want, len) == 0;
}

static bool value_is(struct sg_text v, const char *want)
{
	return v.len == strlen(want) && strncasecmp(v.s, want, v.len) == 0;
}

/* Digits only, no overflow; "" counts as absent. */
static int parse_length(struct sg_text v, uint64_t *out, struct sg_error *err)
{
	uint64_t n = 0;
	for (size_t i = 0; i < v.len; i++) {
		unsigned d = (unsigned char)v.s[i] - '0';
		if (d > 9 || n > (UINT64_MAX - d) / 10)
			return sg_fail(err, "CONTENT_LENGTH \"%.*s\" is not a length",
				       (int)(v.len > 40 ? 40 : v.len), v.s);
		n = n * 10 + d;
	}
	*out = n;
	return 0;
}

/* The variables the worker looks at; the rest only go into environ. */
static void take(struct sg_reqinfo *info, const char *name, size_t len, struct sg_text v)
{
	static const struct {
		const char *name;
		size_t offset;
	} fields[] = {
		{ "REQUEST_METHOD", offsetof(struct sg_reqinfo, method) },
		{ "REQUEST_URI", offsetof(struct sg_reqinfo, uri) },
		{ "SERVER_PROTOCOL", offsetof(struct sg_reqinfo, protocol) },
		{ "QUERY_STRING", offsetof(struct sg_reqinfo, query) },
		{ "SERVER_NAME", offsetof(struct sg_reqinfo, server_name) },
		{ "SERVER_PORT", offsetof(struct sg_reqinfo, server_port) },
		{ "REMOTE_ADDR", offsetof(struct sg_reqinfo, remote_addr) },
		{ "REMOTE_USER", offsetof(struct sg_reqinfo, remote_user) },
		{ "HTTP_REFERER", offsetof(struct sg_reqinfo, referer) },
		{ "HTTP_USER_AGENT", offsetof(struct sg_reqinfo, user_agent) },
		{ "CONTENT_LENGTH", offsetof(struct sg_reqinfo, content_length) },
	};
	for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++) {
		if (is(name, len, fields[i].name)) {
			*(struct sg_text *)((char *)info + fields[i].offset) = v;
			return;
		}
	}
	if (is(name, len, "HTTPS"))
		info->https = value_is(v, "on") || value_is(v, "1");
	else if (is(name, len, "REQUEST_SCHEME"))
		info->request_scheme = value_is(v, "https") ? SG_SCHEME_HTTPS
				       : value_is(v, "http") ? SG_SCHEME_HTTP
							      : SG_SCHEME_NONE;
	else if (is(name, len, "HTTP_EXPECT"))
		info->expect_continue = value_is(v, "100-continue");
}

int sg_reqinfo_scan(const char *env, size_t env_len, struct sg_reqinfo *info,
		    struct sg_error *err)
{
	memset(info, 0, sizeof *info);
	size_t pos = 0;
	const char *name, *value;
	size_t name_len, value_len;
	while (sg_envblock_next(env, env_len, &pos, &name, &name_len, &value, &value_len)) {
		take(info, name, name_len, (struct sg_text){ value, value_len });
		info->nvars++;
	}
	if (pos != env_len)
		return sg_fail(err, "malformed env block at byte %zu", pos);
	if (info->method.s == NULL || info->method.len == 0)
		return sg_fail(err, "no REQUEST_METHOD");
	if (info->uri.s == NULL)
		return sg_fail(err, "no REQUEST_URI");
	info->is_head = is(info->method.s, info->method.len, "HEAD");
	if (info->content_length.s != NULL && info->content_length.len == 0)
		info->content_length.s = NULL; /* empty is the same as absent */
	if (info->content_length.s != NULL)
		return parse_length(info->content_length, &info->body_len, err);
	return 0;
}
