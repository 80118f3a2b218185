#include "cgi_launch_msg.h"

#include <stdint.h>
#include <string.h>

#include "cgi_launch_proto.h"
#include "envblock.h"

struct pair {
	const char *name;
	size_t len;
};

static bool repeated(const struct pair *seen, int n, const char *name, size_t len)
{
	for (int i = 0; i < n; i++)
		if (seen[i].len == len && memcmp(seen[i].name, name, len) == 0)
			return true;
	return false;
}

static int check_env(const char *env, size_t len, struct sg_error *err)
{
	_Static_assert(SG_CGI_ENV_PAIRS_MAX <= 4096, "the names' table is on the stack");
	struct pair seen[SG_CGI_ENV_PAIRS_MAX];
	int n = 0;
	size_t pos = 0;
	const char *name, *value;
	size_t name_len, value_len;
	while (pos < len) {
		if (!sg_envblock_next(env, len, &pos, &name, &name_len, &value, &value_len))
			return sg_fail(err, "env block: an empty name, or a name or value "
					    "without its NUL");
		if (memchr(name, '=', name_len) != NULL)
			return sg_fail(err, "env block: a name with '=' in it");
		if (n == SG_CGI_ENV_PAIRS_MAX)
			return sg_fail(err, "env block: more than %d variables",
				       SG_CGI_ENV_PAIRS_MAX);
		if (repeated(seen, n, name, name_len))
			return sg_fail(err, "env block: %.*s given twice",
				       name_len > 64 ? 64 : (int)name_len, name);
		seen[n++] = (struct pair){ name, name_len };
	}
	return 0;
}

int sg_cgi_launch_parse(const char *buf, size_t len, const char **env, size_t *env_len,
			struct sg_error *err)
{
	struct sg_cgi_launch h;
	if (len < sizeof h)
		return sg_fail(err, "launcher message of %zu bytes: shorter than its header", len);
	memcpy(&h, buf, sizeof h);
	if (h.magic != SG_CGI_LAUNCH_MAGIC)
		return sg_fail(err, "launcher message with a wrong magic (%#x)", (unsigned)h.magic);
	if (h.env_len > SG_CGI_ENV_MAX)
		return sg_fail(err, "launcher env block of %u bytes: over %d", (unsigned)h.env_len,
			       SG_CGI_ENV_MAX);
	if (h.env_len != len - sizeof h)
		return sg_fail(err, "launcher message says %u bytes of env block, carries %zu",
			       (unsigned)h.env_len, len - sizeof h);
	if (check_env(buf + sizeof h, h.env_len, err) < 0)
		return -1;
	*env = buf + sizeof h;
	*env_len = h.env_len;
	return 0;
}
