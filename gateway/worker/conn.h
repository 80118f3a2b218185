/* Getting a request into a worker: accepting and reading an SCGI head on
 * the app's own socket (direct path), or receiving a dispatch message with
 * the client socket (routed path). */
#ifndef SG_WORKER_CONN_H
#define SG_WORKER_CONN_H

#include <stdbool.h>
#include <stddef.h>

#include "gateway/cellproto.h"
#include "gateway/error.h"
#include "gateway/scgi.h"
#include "gateway/worker/request.h"

/* Buffer sizes: the largest SCGI head plus some body, the largest dispatch
 * message plus one byte to notice a longer one. */
#define SG_DIRECT_BUF (SG_SCGI_DEFAULT_MAX_HEAD + 16 + 16384)
#define SG_ROUTED_BUF (SG_DISPATCH_MAX + 1)

/* Reads an SCGI head (S1-S4) from req->fd into buf within timeout_ms in
 * total (S8), and points req at its env block and the body bytes after it.
 * Returns 0, or -1 (malformed, slow, closed) with err saying why. */
int sg_direct_read_head(struct sg_request *req, char *buf, size_t cap, int timeout_ms,
			struct sg_error *err);

enum sg_recv_result {
	SG_RECV_OK,      /* req is filled in */
	SG_RECV_NONE,    /* another worker took it, or a bad message was dropped */
	SG_RECV_CLOSED,  /* the gateway closed the dispatch socket */
};

/* Receives one dispatch message from sock (non-blocking) into buf. A bad
 * message is logged and its descriptors closed. cgi: a --cgi worker takes
 * SG_PROTO_CGI_* messages only, any other worker none of them. */
enum sg_recv_result sg_routed_recv(int sock, char *buf, size_t cap, bool cgi,
				   struct sg_request *req);

#endif
