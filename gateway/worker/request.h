/* One request, from a parsed head to a closed connection: checks (F1, B5),
 * environ, the app, the end of the connection, the access log. */
#ifndef SG_WORKER_REQUEST_H
#define SG_WORKER_REQUEST_H

#include "gateway/worker/py.h"

#include <stddef.h>
#include <stdint.h>

#include "gateway/cellproto.h"
#include "gateway/error.h"
#include "gateway/worker/args.h"

struct sg_request {
	int fd;                 /* the client socket, blocking */
	int proto;              /* enum sg_proto */
	uint64_t request_id;    /* routed; 0 on the direct path */
	uint64_t queue_deadline_ms; /* routed: not served from then on (503) */
	const char *env;        /* the env block */
	size_t env_len;
	const char *body;       /* body bytes that came with the head */
	size_t body_len;
	/* CGI (SG_PROTO_CGI_*): the script named by the message, and on the
	 * launcher path the web server's stdout and stderr (fd is its stdin). */
	struct sg_cgi_script script;
	const char *script_path; /* script.path_len bytes, no NUL */
	int out_fd, err_fd;      /* -1 unless SG_PROTO_CGI_LAUNCH */
};

struct sg_server {
	const struct sg_worker_args *args;
	struct sg_slot *slot;
	PyObject *app;          /* --cgi: the Python script runner (cgi_child.c) */
	int read_timeout_ms;    /* min(--timeout, 60) s per read (S8) */
	int access_log_fd;      /* -1 without --access-log */
};

/* Allocates the buffers a request needs, once per worker. */
int sg_request_setup(struct sg_error *err);

/* Serves req and closes req->fd. Returns the HTTP status sent, 0 if none. */
int sg_request_serve(const struct sg_server *srv, struct sg_request *req);
/* Past its queue_timeout (a routed request that waited for the cell or a
 * worker): logged here; the caller answers 503. */
bool sg_request_too_late(const struct sg_request *req);

#endif
