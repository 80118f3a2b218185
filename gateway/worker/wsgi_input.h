/* wsgi.input (W10): the request body, read from the client socket after
 * the bytes that came with the head, never past CONTENT_LENGTH (S5). */
#ifndef SG_WORKER_WSGI_INPUT_H
#define SG_WORKER_WSGI_INPUT_H

#include "gateway/worker/py.h"

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "gateway/error.h"

/* The body of the request in hand; owned by the worker, not by Python. */
struct sg_body {
	int fd;
	int timeout_ms;      /* per read() of the socket (S8) */
	bool send_continue;  /* HTTP "Expect: 100-continue", not answered yet */
	_Atomic uint32_t *response_started; /* no 100 Continue after the final head */
	uint64_t unread;     /* bytes of the body still in the socket */
	bool drained;        /* the last read was short: wait before the next */
	const char *buf;     /* bytes already received: buf[pos..end) */
	size_t pos, end;
	char *fill;          /* where later socket reads are buffered */
	size_t fill_cap;
};

int sg_input_setup(struct sg_error *err);

/* A wsgi.input object reading from body (a cached one when Python holds no
 * other reference to it). New reference, or NULL with a Python error. */
PyObject *sg_input_get(struct sg_body *body);

/* Cuts the object off from the finished request: reads return b''. */
void sg_input_detach(PyObject *input);

#endif
