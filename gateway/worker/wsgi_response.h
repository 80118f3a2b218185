/* start_response and write() (W5, W6, W8), and sending the response: the
 * head goes out with the first non-empty chunk in one writev, never more
 * than the app's Content-Length (W9), no body for HEAD (C9). */
#ifndef SG_WORKER_WSGI_RESPONSE_H
#define SG_WORKER_WSGI_RESPONSE_H

#include "gateway/worker/py.h"

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "gateway/error.h"
#include "gateway/worker/response_head.h"

/* The response of the request in hand; owned by the worker. */
struct sg_response {
	int fd;
	bool is_head;
	_Atomic uint32_t *started; /* the slot's response_started */
	bool headers_set;          /* start_response succeeded */
	bool headers_sent;
	bool write_used;
	bool broken;               /* client gone or response cut off: send no more */
	bool over_length;          /* the app offered more than its Content-Length */
	bool ended;                /* shut down for writing: the peer has its EOF */
	int64_t auto_length;       /* Content-Length the worker adds, -1 for none */
	uint64_t body_sent;
	int status_sent;           /* 0 until a head went out */
	struct sg_head head;
};

/* Resets resp for a new request on fd. */
void sg_response_init(struct sg_response *resp, int fd, int proto, bool is_head,
		      _Atomic uint32_t *started);

/* Sends len bytes of body, the head first if it has not gone yet; stops at
 * the app's Content-Length. Returns 0, or -1 when the client is gone
 * (resp->broken set, errno kept). */
int sg_response_send(struct sg_response *resp, const char *data, size_t len);

/* Sends count bytes of file fd from offset after the head. Same result. */
int sg_response_sendfile(struct sg_response *resp, int fd, off_t offset, uint64_t count);

/* True once the app's Content-Length has been sent in full. */
bool sg_response_complete(const struct sg_response *resp);

/* The peer gets its EOF now (shutdown SHUT_WR), once: when the body is
 * out, before the app's close() (wsgi_run.c), or, at the latest, when the
 * request ends, whatever was sent (request.c). write() fails from then on.
 * A response cut off (resp->broken) gets no EOF: on TCP the close() that
 * follows sends a reset instead (W13: abort the connection). */
void sg_response_end(struct sg_response *resp);

/* Sends a canned error instead of the app's response (nothing sent yet). */
void sg_response_canned(struct sg_response *resp, int status);

int sg_start_response_setup(struct sg_error *err);

/* The start_response callable for resp (cached when Python holds no other
 * reference). New reference, or NULL with a Python error. */
PyObject *sg_start_response_get(struct sg_response *resp);

/* After the request: calls reach no response any more. */
void sg_start_response_detach(PyObject *start_response);

#endif
