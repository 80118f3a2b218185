/* The one message sandgate-cgi sends (cgi_launch_proto.h): a struct
 * sg_cgi_launch and the web server's CGI environment as an env block.
 * Pure: the descriptors riding along are cgi_conn.c's business. */
#ifndef SG_CGI_LAUNCH_MSG_H
#define SG_CGI_LAUNCH_MSG_H

#include <stddef.h>

#include "error.h"

/* Pairs an env block from the launcher may hold. Apache passes some 40
 * variables and at most 100 request headers by default. */
#define SG_CGI_ENV_PAIRS_MAX 512

/* Checks buf[0..len) and points *env at its env block: the magic, env_len
 * equal to what follows the header (and at most SG_CGI_ENV_MAX), every
 * pair terminated, names non-empty, without '=', and not repeated (a
 * second PATH_INFO must not mean one thing to one reader and another to
 * the next). Returns 0, or -1 with err naming the fault. */
int sg_cgi_launch_parse(const char *buf, size_t len, const char **env, size_t *env_len,
			struct sg_error *err);

#endif
