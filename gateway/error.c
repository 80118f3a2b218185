#include "error.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

int sg_failv(struct sg_error *err, const char *fmt, va_list ap)
{
	if (err != NULL)
		vsnprintf(err->msg, sizeof err->msg, fmt, ap);
	return -1;
}

int sg_fail(struct sg_error *err, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	sg_failv(err, fmt, ap);
	va_end(ap);
	return -1;
}

int sg_fail_errno(struct sg_error *err, const char *fmt, ...)
{
	int saved = errno;
	if (err != NULL) {
		va_list ap;
		va_start(ap, fmt);
		int n = vsnprintf(err->msg, sizeof err->msg, fmt, ap);
		va_end(ap);
		if (n >= 0 && (size_t)n < sizeof err->msg)
			snprintf(err->msg + n, sizeof err->msg - (size_t)n, ": %s", strerror(saved));
	}
	errno = saved;
	return -1;
}

void sg_error_prefix(struct sg_error *err, const char *fmt, ...)
{
	if (err == NULL)
		return;
	char head[256];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(head, sizeof head - 2, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	size_t hlen = strlen(head);
	memcpy(head + hlen, ": ", 3);
	hlen += 2;
	size_t old = strnlen(err->msg, sizeof err->msg - 1);
	if (hlen + old > sizeof err->msg - 1)
		old = sizeof err->msg - 1 - hlen;
	memmove(err->msg + hlen, err->msg, old);
	memcpy(err->msg, head, hlen);
	err->msg[hlen + old] = '\0';
}
