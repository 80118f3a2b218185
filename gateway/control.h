/* The control socket: `sandgate status`, `reload APP`, `stop APP`.
 *
 * A Unix stream socket (config key `control`, else SANDGATE_CONTROL, else
 * control_path.h's default), mode 0666 as root and 0600 otherwise: who may
 * see or control what is decided per connection from SO_PEERCRED, never
 * by the mode. Root sees and controls every app; any other uid only the
 * apps that run as that uid, and an app it does not own is answered
 * exactly like one that does not exist.
 *
 * One request line per connection (control_req.h), a deadline to send it,
 * at most MAX_CONNS connections at once; the answer (JSON, or text for
 * people) is written and the connection closed. */
#ifndef SG_CONTROL_H
#define SG_CONTROL_H

#include <stdint.h>

#include "gateway.h"

/* Opens the socket and watches it. A default path that cannot be used
 * (its directory cannot be made, another gateway answers there) is
 * logged and skipped; a configured one stops the start (-1, err). */
int sg_control_open(struct sg_gateway *gw, struct sg_error *err);
/* Closes connections past their deadline. */
void sg_control_tick(struct sg_gateway *gw, uint64_t now);
/* Stops listening; removes the socket's path if it is still ours. */
void sg_control_close(struct sg_gateway *gw);

/* control_cmd.c: the answer to one request line (without its "\n")
 * from a peer of that uid, into out (text or JSON, ending in "\n"). */
struct sg_json;
void sg_control_answer(struct sg_gateway *gw, uid_t uid, const char *line, size_t len,
		       struct sg_json *out);

#endif
