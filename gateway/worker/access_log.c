#include "gateway/worker/access_log.h"

#include <stdio.h>
#include <time.h>

#include "gateway/worker/io.h"

#define FIELD_MAX 2048 /* longer client text is cut */

struct line {
	char buf[6 * FIELD_MAX + 256];
	size_t len;
};

static void put_char(struct line *l, char c)
{
	if (l->len < sizeof l->buf - 1)
		l->buf[l->len++] = c;
}

static void put_str(struct line *l, const char *s)
{
	while (*s != '\0')
		put_char(l, *s++);
}

/* Client text: quotes, backslashes and non-printable bytes as \xHH, so a
 * request cannot forge log lines. "-" when absent. */
static void put_field(struct line *l, struct sg_text t)
{
	static const char hex[] = "0123456789abcdef";
	if (t.s == NULL || t.len == 0) {
		put_char(l, '-');
		return;
	}
	size_t n = t.len < FIELD_MAX ? t.len : FIELD_MAX;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)t.s[i];
		if (c < 0x20 || c >= 0x7f || c == '"' || c == '\\') {
			put_str(l, "\\x");
			put_char(l, hex[c >> 4]);
			put_char(l, hex[c & 15]);
		} else {
			put_char(l, (char)c);
		}
	}
}

static void put_date(struct line *l)
{
	static char text[40];
	static time_t made = -1;
	time_t now = time(NULL);
	if (now != made) {
		struct tm tm;
		gmtime_r(&now, &tm);
		strftime(text, sizeof text, "[%d/%b/%Y:%H:%M:%S +0000]", &tm);
		made = now;
	}
	put_str(l, text);
}

void sg_access_log(int fd, const struct sg_reqinfo *info, int status, uint64_t bytes)
{
	struct line l = { .len = 0 };
	put_field(&l, info->remote_addr);
	put_str(&l, " - ");
	put_field(&l, info->remote_user);
	put_char(&l, ' ');
	put_date(&l);
	put_str(&l, " \"");
	put_field(&l, info->method);
	put_char(&l, ' ');
	put_field(&l, info->uri);
	put_char(&l, ' ');
	put_field(&l, info->protocol);
	char nums[48];
	if (bytes > 0)
		snprintf(nums, sizeof nums, "\" %d %llu \"", status, (unsigned long long)bytes);
	else
		snprintf(nums, sizeof nums, "\" %d - \"", status);
	put_str(&l, nums);
	put_field(&l, info->referer);
	put_str(&l, "\" \"");
	put_field(&l, info->user_agent);
	put_char(&l, '"');
	l.buf[l.len++] = '\n'; /* put_char keeps one byte free for this */
	sg_write_all(fd, l.buf, l.len);
}
