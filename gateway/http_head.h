/* HTTP/1.x request head -> CGI variables, for the HTTP listener
 * (protocols.md P2, P3, C1-C4, W3). Pure: bytes in, env block out.
 *
 * Strict: refuses bare CR or LF, obs-fold, whitespace before ':', both
 * Content-Length and Transfer-Encoding, several or unequal Content-Lengths,
 * any Transfer-Encoding (411: bodies must have a length), more than
 * max_headers header fields, or a head over max_head bytes. Uses Debian's
 * libhttp-parser for the grammar. */
#ifndef SG_HTTP_HEAD_H
#define SG_HTTP_HEAD_H

#include <stddef.h>
#include <stdint.h>

#include "envblock.h"
#include "error.h"

#define SG_HTTP_MAX_HEAD 16384
#define SG_HTTP_MAX_HEADERS 100

enum sg_http_status {
	SG_HTTP_OK = 0,
	SG_HTTP_PARTIAL = 1,
	SG_HTTP_INVALID = -1, /* *http_status says which error to answer */
};

struct sg_http_conn_info {
	const char *remote_addr; /* "127.0.0.1", "" for a Unix socket peer */
	const char *remote_port;
	const char *server_name; /* used when the request has no Host */
	const char *server_port;
	const char *url_scheme;  /* "http" */
};

struct sg_http_head {
	size_t consumed;         /* bytes of the head including the blank line */
	uint64_t content_length; /* 0 when absent */
	int has_body;            /* Content-Length present */
	const char *host;        /* into the env block: HTTP_HOST value or NULL */
	size_t host_len;
	int expect_continue;     /* Expect: 100-continue */
};

/* Parses buf[0..len). On SG_HTTP_OK, env holds REQUEST_METHOD, REQUEST_URI,
 * QUERY_STRING, SERVER_PROTOCOL, SERVER_NAME, SERVER_PORT, REMOTE_ADDR,
 * REMOTE_PORT, CONTENT_LENGTH/CONTENT_TYPE when present, HTTPS=off... and
 * the HTTP_* headers (C3: names outside [A-Za-z0-9-] dropped, Proxy dropped,
 * Content-Type/Content-Length not duplicated as HTTP_*, repeats merged
 * with ", " or "; " for Cookie). SCRIPT_NAME/PATH_INFO are left to the
 * worker (path_split). On SG_HTTP_INVALID, *http_status is 400, 411, 413,
 * 431, 501 or 505 and err says why. */
enum sg_http_status sg_http_head_parse(const char *buf, size_t len, size_t max_head,
				       const struct sg_http_conn_info *info,
				       struct sg_envblock *env, struct sg_http_head *out,
				       int *http_status, struct sg_error *err);

#endif
