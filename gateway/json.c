#include "json.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void sg_json_init(struct sg_json *j, size_t max)
{
	*j = (struct sg_json){ .max = max };
}

void sg_json_free(struct sg_json *j)
{
	free(j->buf);
	*j = (struct sg_json){ 0 };
}

static bool reserve(struct sg_json *j, size_t more)
{
	if (j->failed)
		return false;
	if (j->len + more + 1 <= j->cap)
		return true;
	size_t cap = j->cap ? j->cap : 1024;
	while (cap < j->len + more + 1)
		cap *= 2;
	if (j->max != 0 && cap > j->max) {
		cap = j->max;
		if (j->len + more + 1 > cap) {
			j->failed = true;
			return false;
		}
	}
	char *b = realloc(j->buf, cap);
	if (b == NULL) {
		j->failed = true;
		return false;
	}
	j->buf = b;
	j->cap = cap;
	return true;
}

void sg_json_raw(struct sg_json *j, const char *s, size_t n)
{
	if (!reserve(j, n))
		return;
	memcpy(j->buf + j->len, s, n);
	j->len += n;
	j->buf[j->len] = '\0';
}

const char *sg_json_finish(struct sg_json *j)
{
	if (j->failed)
		return NULL;
	if (j->buf == NULL)
		sg_json_raw(j, "", 0);
	return j->failed ? NULL : j->buf;
}

void sg_json_escaped(struct sg_json *j, const char *s, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	/* At most 6 bytes per input byte, plus the quotes. */
	if (n > (SIZE_MAX - 2) / 6 || !reserve(j, n * 6 + 2))
		return;
	char *o = j->buf + j->len;
	*o++ = '"';
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c == '"' || c == '\\') {
			*o++ = '\\';
			*o++ = (char)c;
		} else if (c == '\n') {
			*o++ = '\\';
			*o++ = 'n';
		} else if (c == '\t') {
			*o++ = '\\';
			*o++ = 't';
		} else if (c < 0x20 || c >= 0x7f) {
			memcpy(o, "\\u00", 4);
			o[4] = hex[c >> 4];
			o[5] = hex[c & 15];
			o += 6;
		} else {
			*o++ = (char)c;
		}
	}
	*o++ = '"';
	j->len = (size_t)(o - j->buf);
	j->buf[j->len] = '\0';
}

static void separate(struct sg_json *j)
{
	if (j->need_comma)
		sg_json_raw(j, ",", 1);
	j->need_comma = true;
}

void sg_json_open(struct sg_json *j, char bracket)
{
	separate(j);
	sg_json_raw(j, &bracket, 1);
	j->need_comma = false;
}

void sg_json_close(struct sg_json *j, char bracket)
{
	sg_json_raw(j, &bracket, 1);
	j->need_comma = true;
}

void sg_json_key(struct sg_json *j, const char *key)
{
	separate(j);
	sg_json_escaped(j, key, strlen(key));
	sg_json_raw(j, ":", 1);
	j->need_comma = false;
}

void sg_json_strn(struct sg_json *j, const char *s, size_t n)
{
	separate(j);
	sg_json_escaped(j, s, n);
}

void sg_json_str(struct sg_json *j, const char *s)
{
	sg_json_strn(j, s, strlen(s));
}

void sg_json_int(struct sg_json *j, long long v)
{
	char num[24];
	int n = snprintf(num, sizeof num, "%lld", v);
	separate(j);
	sg_json_raw(j, num, (size_t)n);
}

void sg_json_uint(struct sg_json *j, unsigned long long v)
{
	char num[24];
	int n = snprintf(num, sizeof num, "%llu", v);
	separate(j);
	sg_json_raw(j, num, (size_t)n);
}

void sg_json_bool(struct sg_json *j, bool v)
{
	separate(j);
	sg_json_raw(j, v ? "true" : "false", v ? 4 : 5);
}

void sg_json_null(struct sg_json *j)
{
	separate(j);
	sg_json_raw(j, "null", 4);
}
