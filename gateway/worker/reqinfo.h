/* What the worker itself needs to know about a request, read from its env
 * block before any Python runs: the method and URI for the scoreboard, the
 * body length, the protocol details, and the access log fields. Pure. */
#ifndef SG_WORKER_REQINFO_H
#define SG_WORKER_REQINFO_H

#include <stdbool.h>
#include <stddef.h> /* offsetof */
#include <stdint.h>

#include "gateway/error.h"

struct sg_text {
	const char *s; /* into the env block; NULL when absent */
	size_t len;
};

struct sg_reqinfo {
	struct sg_text method, uri, protocol, query, server_name, server_port;
	struct sg_text remote_addr, remote_user, referer, user_agent;
	struct sg_text content_length; /* as given */
	struct sg_text script_name, path_info; /* from the front end, when it sends them */
	uint64_t body_len;             /* CONTENT_LENGTH, 0 when absent or empty */
	bool https;                    /* HTTPS is "on" or "1" */
	enum { SG_SCHEME_NONE, SG_SCHEME_HTTP, SG_SCHEME_HTTPS } request_scheme;
	bool expect_continue;          /* HTTP_EXPECT: 100-continue */
	bool is_head;
	size_t nvars;
};

/* Scans the env block. Returns 0, or -1 (a 400) when the block is malformed,
 * REQUEST_METHOD or REQUEST_URI is missing, or CONTENT_LENGTH is not a
 * number. */
int sg_reqinfo_scan(const char *env, size_t env_len, struct sg_reqinfo *info,
		    struct sg_error *err);

#endif
