/* The worker's own error responses (400, 403, 404, 413, 500, 502, 503, 504) for both
 * protocols: short text/plain bodies with Content-Length. The strings are
 * static, so the 504 can be written from a signal handler. */
#ifndef SG_WORKER_CANNED_H
#define SG_WORKER_CANNED_H

#include <stdbool.h>
#include <stddef.h>

struct sg_canned {
	const char *head; /* status line and headers, each ending in CRLF */
	size_t head_len;
	const char *body; /* "\r\n" (end of head) and the body */
	size_t body_len;
};

/* NULL for a status without a canned response. proto: enum sg_proto. */
const struct sg_canned *sg_canned_get(int proto, int status);

/* Writes the response to fd (without the body after "\r\n" when head_only,
 * for HEAD, C9). Returns 0 or -1 with errno. Async-signal-safe. */
int sg_canned_write(int fd, const struct sg_canned *c, bool head_only);

#endif
