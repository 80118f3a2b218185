/* Short error responses the gateway answers itself (400, 403, 404, 411,
 * 413, 431, 502, 503, 504, 505), in the client's protocol: an HTTP status
 * line for the HTTP listener, a CGI "Status:" head for SCGI (S6). */
#ifndef SG_REPLY_H
#define SG_REPLY_H

#include <stddef.h>

#include "cellproto.h"

/* Formats the response into buf; returns its length (0 if buf is small). */
size_t sg_reply_format(enum sg_proto proto, int status, char *buf, size_t cap);

/* Best effort, non-blocking: a client that cannot take a few hundred bytes
 * right now does not get them. */
void sg_reply_send(int fd, enum sg_proto proto, int status);

const char *sg_reply_reason(int status);

#endif
