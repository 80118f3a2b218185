/* Env blocks: "NAME\0VALUE\0" pairs in a caller-owned, fixed-size buffer. */
#include "envblock.h"

#include <string.h>

void sg_envblock_init(struct sg_envblock *eb, char *buf, size_t cap)
{
	eb->buf = buf;
	eb->len = 0;
	eb->cap = cap;
}

int sg_envblock_add(struct sg_envblock *eb, const char *name, size_t name_len,
		    const char *value, size_t value_len, struct sg_error *err)
{
	if (name_len == 0)
		return sg_fail(err, "env block: empty variable name");

	/* Written so that no sum can wrap around: cap >= len always holds. */
	size_t room = eb->cap - eb->len;
	if (name_len >= room || value_len >= room - name_len || room - name_len - value_len < 2)
		return sg_fail(err, "env block full (%zu bytes) adding %.*s", eb->cap,
			       (int)(name_len < 64 ? name_len : 64), name);
	if (memchr(name, '\0', name_len) != NULL ||
	    (value_len > 0 && memchr(value, '\0', value_len) != NULL))
		return sg_fail(err, "env block: NUL inside a name or value");

	char *p = eb->buf + eb->len;
	memcpy(p, name, name_len);
	p[name_len] = '\0';
	if (value_len > 0) /* value may be NULL when empty */
		memcpy(p + name_len + 1, value, value_len);
	p[name_len + 1 + value_len] = '\0';
	eb->len += name_len + value_len + 2;
	return 0;
}

int sg_envblock_adds(struct sg_envblock *eb, const char *name, const char *value,
		     struct sg_error *err)
{
	return sg_envblock_add(eb, name, strlen(name), value, strlen(value), err);
}

int sg_envblock_extend(struct sg_envblock *eb, const char *more, size_t more_len,
		       struct sg_error *err)
{
	if (eb->len == 0)
		return sg_fail(err, "env block: nothing to extend");
	if (more_len == 0)
		return 0;
	if (memchr(more, '\0', more_len) != NULL)
		return sg_fail(err, "env block: NUL inside a value");
	if (more_len > eb->cap - eb->len)
		return sg_fail(err, "env block full (%zu bytes) extending a value", eb->cap);

	/* The block ends with the last value's NUL: write over it, then end
	 * the value again. */
	memcpy(eb->buf + eb->len - 1, more, more_len);
	eb->len += more_len;
	eb->buf[eb->len - 1] = '\0';
	return 0;
}

bool sg_envblock_next(const char *buf, size_t len, size_t *pos, const char **name,
		      size_t *name_len, const char **value, size_t *value_len)
{
	if (*pos >= len)
		return false;

	const char *n = buf + *pos;
	const char *n_end = memchr(n, '\0', len - *pos);
	if (n_end == NULL || n_end == n) /* unterminated or empty name */
		return false;

	const char *v = n_end + 1;
	size_t v_room = len - (size_t)(v - buf);
	const char *v_end = v_room ? memchr(v, '\0', v_room) : NULL;
	if (v_end == NULL)
		return false;

	*name = n;
	*name_len = (size_t)(n_end - n);
	*value = v;
	*value_len = (size_t)(v_end - v);
	*pos = (size_t)(v_end - buf) + 1;
	return true;
}

const char *sg_envblock_get(const char *buf, size_t len, const char *name, size_t *value_len)
{
	size_t want = strlen(name);
	size_t pos = 0;
	const char *n, *v;
	size_t nl, vl;

	while (sg_envblock_next(buf, len, &pos, &n, &nl, &v, &vl)) {
		if (nl == want && memcmp(n, name, want) == 0) {
			if (value_len != NULL)
				*value_len = vl;
			return v;
		}
	}
	return NULL;
}
