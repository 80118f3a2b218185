/* Strict pre-scan of a raw HTTP/1.x request head (protocols.md P2). Pure.
 *
 * Runs before libhttp-parser so that what that parser tolerates never
 * reaches it: bare CR or LF, obs-fold, whitespace before ':', control
 * characters in values, a request line with extra spaces, framing by
 * anything but one Content-Length. It also finds where the head ends and
 * enforces the size and count caps while the head is still arriving. */
#ifndef SG_HTTP_STRICT_H
#define SG_HTTP_STRICT_H

#include <stddef.h>

#include "error.h"
#include "http_head.h"

struct sg_http_scan {
	size_t head_len; /* bytes up to and including the blank line */
	size_t fields;   /* header field lines */
};

/* SG_HTTP_PARTIAL while the head is incomplete and could still be valid;
 * SG_HTTP_INVALID with *http_status 400, 411, 431 or 505 otherwise. */
enum sg_http_status sg_http_strict_scan(const char *buf, size_t len, size_t max_head,
					size_t max_fields, struct sg_http_scan *out,
					int *http_status, struct sg_error *err);

/* RFC 9110 tchar: the characters of a method or a field name. */
int sg_http_is_tchar(unsigned char c);

#endif
