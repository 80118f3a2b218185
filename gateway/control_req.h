/* The control socket's request line (gateway/control.c), parsed. Pure.
 *
 *   request = [format SP] command
 *   format  = "json" | "text"            (default json)
 *   command = "status" [SP app] | "reload" SP app | "stop" SP app
 *   app     = 1*63( ALPHA / DIGIT / "_" / "." / "-" )   (as app names)
 *
 * Words are separated by spaces; the line ends with "\n" (a "\r" before
 * it is allowed) and is at most SG_CONTROL_LINE_MAX bytes with it. */
#ifndef SG_CONTROL_REQ_H
#define SG_CONTROL_REQ_H

#include <stdbool.h>
#include <stddef.h>

#include "config.h"
#include "error.h"

#define SG_CONTROL_LINE_MAX 512

enum sg_control_cmd { SG_CONTROL_STATUS, SG_CONTROL_RELOAD, SG_CONTROL_STOP };

struct sg_control_req {
	bool text; /* answer in text for people, not JSON */
	enum sg_control_cmd cmd;
	char app[SG_NAME_MAX]; /* "" = every app (status only) */
};

/* line: the request without its "\n" (len bytes, may hold anything).
 * -1 with err when it is not a request; err then quotes nothing of it
 * but the command word, and that only when it is a plain word. */
int sg_control_parse(const char *line, size_t len, struct sg_control_req *req,
		     struct sg_error *err);

/* Whether name could be an app's name. */
bool sg_control_name_ok(const char *name, size_t len);

#endif
