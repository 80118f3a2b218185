/* SCGI request head parser (protocols.md §1, rules S1-S5). Pure.
 *
 * Input: the bytes received so far. Output: whether the netstring is
 * complete, and if so where the header block and the body start. The
 * header block is validated in full (S2, S3) before it is accepted. */
#ifndef SG_SCGI_H
#define SG_SCGI_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"

#define SG_SCGI_DEFAULT_MAX_HEAD 65536
/* More variables than this in one request is refused: it bounds the
 * duplicate-name check (S2). nginx sends ~15 plus one per client header. */
#define SG_SCGI_MAX_VARS 1024

enum sg_scgi_status {
	SG_SCGI_OK = 0,      /* complete and valid */
	SG_SCGI_PARTIAL = 1, /* need more bytes */
	SG_SCGI_INVALID = -1 /* malformed: close the connection (S1) */
};

struct sg_scgi_head {
	const char *headers;     /* start of "NAME\0VALUE\0..." inside the input */
	size_t headers_len;
	size_t consumed;         /* bytes of input up to and including the ',' */
	uint64_t content_length; /* value of CONTENT_LENGTH (S2) */
};

/* max_head caps the netstring length before anything is buffered (S4). */
enum sg_scgi_status sg_scgi_parse(const char *buf, size_t len, size_t max_head,
				  struct sg_scgi_head *out, struct sg_error *err);

#endif
