/* The list of problems found in a configuration, each "FILE:LINE: message"
 * (or "FILE: message" when there is no line). It keeps at most
 * SG_DIAGS_MAX; the last slot says that more were dropped. */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

void sg_diags_add(struct sg_diags *d, const char *file, int line, const char *fmt, ...)
{
	if (d->n >= SG_DIAGS_MAX)
		return;
	if (d->n == d->cap) {
		int cap = d->cap > 0 ? d->cap * 2 : 8;
		if (cap > SG_DIAGS_MAX)
			cap = SG_DIAGS_MAX;
		void *grown = reallocarray(d->msg, (size_t)cap, sizeof *d->msg);
		if (grown == NULL)
			return; /* callers count problems themselves; see struct parse_ctx */
		d->msg = grown;
		d->cap = cap;
	}
	char body[sizeof d->msg[0]];
	if (d->n == SG_DIAGS_MAX - 1) {
		snprintf(body, sizeof body, "too many problems; the rest are not listed");
	} else {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(body, sizeof body, fmt, ap);
		va_end(ap);
	}
	int n;
	if (line > 0)
		n = snprintf(d->msg[d->n], sizeof d->msg[0], "%s:%d: %s", file, line, body);
	else
		n = snprintf(d->msg[d->n], sizeof d->msg[0], "%s: %s", file, body);
	if (n < 0)
		return;
	d->n++;
}

void sg_diags_free(struct sg_diags *d)
{
	free(d->msg);
	d->msg = NULL;
	d->n = 0;
	d->cap = 0;
}
