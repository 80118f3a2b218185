#include "gateway/worker/reqinfo.h"

#include <string.h>
#include <strings.h>

#include "gateway/envblock.h"

/* want is a string literal: its length is known at compile time. */
#define IS(name, len, want) ((len) == sizeof(want) - 1 && memcmp((name), (want), (len)) == 0)

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
			return sg_fail(err, "CONTENT_LENGTH is not a length");
		n = n * 10 + d;
	}
	*out = n;
	return 0;
}

/* The variables the worker looks at; the rest only go into environ. */
static void take(struct sg_reqinfo *info, const char *name, size_t len, struct sg_text v)
{
#define FIELD(name, member) { name, sizeof(name) - 1, offsetof(struct sg_reqinfo, member) }
	static const struct {
		const char *name;
		size_t len;
		size_t offset;
	} fields[] = {
		FIELD("REQUEST_METHOD", method),
		FIELD("REQUEST_URI", uri),
		FIELD("SERVER_PROTOCOL", protocol),
		FIELD("QUERY_STRING", query),
		FIELD("SERVER_NAME", server_name),
		FIELD("SERVER_PORT", server_port),
		FIELD("REMOTE_ADDR", remote_addr),
		FIELD("REMOTE_USER", remote_user),
		FIELD("HTTP_REFERER", referer),
		FIELD("HTTP_USER_AGENT", user_agent),
		FIELD("CONTENT_LENGTH", content_length),
		FIELD("SCRIPT_NAME", script_name),
		FIELD("PATH_INFO", path_info),
	};
#undef FIELD
	for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++) {
		if (len == fields[i].len && memcmp(name, fields[i].name, len) == 0) {
			*(struct sg_text *)((char *)info + fields[i].offset) = v;
			return;
		}
	}
	if (IS(name, len, "HTTPS"))
		info->https = value_is(v, "on") || value_is(v, "1");
	else if (IS(name, len, "REQUEST_SCHEME"))
		info->request_scheme = value_is(v, "https") ? SG_SCHEME_HTTPS
				       : value_is(v, "http") ? SG_SCHEME_HTTP
							      : SG_SCHEME_NONE;
	else if (IS(name, len, "HTTP_EXPECT"))
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
	info->is_head = IS(info->method.s, info->method.len, "HEAD");
	if (info->content_length.s != NULL && info->content_length.len == 0)
		info->content_length.s = NULL; /* empty is the same as absent */
	if (info->content_length.s != NULL)
		return parse_length(info->content_length, &info->body_len, err);
	return 0;
}
