/* Short error responses the gateway answers itself (400, 403, 404, 411,
 * 413, 431, 502, 503, 504, 505), in the client's protocol: an HTTP status
 * line for the HTTP listener, a CGI "Status:" head for SCGI (S6), and for
 * sandgate-cgi a FAILED verdict carrying the status, which the launcher
 * answers (cgi_launch_proto.h). */
#ifndef SG_REPLY_H
#define SG_REPLY_H

#include <stddef.h>

#include "cellproto.h"
#include "cgi_launch_proto.h"

/* Formats the response into buf; returns its length (0 if buf is small). */
size_t sg_reply_format(enum sg_proto proto, int status, char *buf, size_t cap);

/* Best effort, non-blocking: a client that cannot take a few hundred bytes
 * right now does not get them. SG_PROTO_CGI_LAUNCH: fd is the launcher's
 * connection; a FAILED verdict, exit status 69 for 503, else 70. */
void sg_reply_send(int fd, enum sg_proto proto, int status);

/* One struct sg_cgi_verdict to a launcher, non-blocking (its socket holds
 * nothing else). A final verdict also shuts down the gateway's writing
 * side; SG_CGI_ACCEPTED does not. */
void sg_reply_verdict(int fd, enum sg_cgi_outcome outcome, int http_status, int wait_status,
		      int exit_code, const char *reason);

const char *sg_reply_reason(int status);

#endif
