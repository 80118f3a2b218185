/* Running the app for one request: call it, send what it returns, close
 * it (W7, W9, W12, W13). */
#ifndef SG_WORKER_WSGI_RUN_H
#define SG_WORKER_WSGI_RUN_H

#include "gateway/worker/py.h"

#include "gateway/error.h"
#include "gateway/worker/wsgi_response.h"

int sg_wsgi_run_setup(struct sg_error *err);

/* app(environ, start_response), then the response on resp. Errors are
 * logged (traceback to the app log) and answered with 500 when nothing was
 * sent yet; otherwise resp->broken tells the caller to just close. what
 * ("GET /x") names the request in log lines. */
void sg_wsgi_run(PyObject *app, PyObject *environ, PyObject *start_response,
		 struct sg_response *resp, const char *what);

/* Prints the pending Python exception and its traceback to the app log. */
void sg_log_exception(const char *context);

#endif
