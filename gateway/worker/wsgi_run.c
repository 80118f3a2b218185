#include "gateway/worker/wsgi_run.h"

#include <errno.h>
#include <string.h>

#include "gateway/log.h"
#include "gateway/worker/file_wrapper.h"
#include "gateway/worker/log_stream.h"

static PyObject *close_name;

int sg_wsgi_run_setup(struct sg_error *err)
{
	close_name = PyUnicode_InternFromString("close");
	return close_name == NULL ? sg_fail(err, "cannot make the name 'close'") : 0;
}

/* PyErr_Print would exit the worker on SystemExit; this only reports. */
void sg_log_exception(const char *context)
{
	PyObject *type, *value, *tb;
	PyErr_Fetch(&type, &value, &tb);
	if (type == NULL)
		return;
	PyErr_NormalizeException(&type, &value, &tb);
	if (tb != NULL)
		PyException_SetTraceback(value, tb);
	PySys_WriteStderr("%.200s\n", context);
	PyErr_Display(type, value, tb);
	PyErr_Clear();
	Py_XDECREF(type);
	Py_XDECREF(value);
	Py_XDECREF(tb);
	sg_log_stream_flush_all();
}

/* W13: 500 if nothing has been sent, otherwise cut the response off. */
static void app_failed(struct sg_response *resp, const char *what)
{
	char context[160];
	snprintf(context, sizeof context, "error in the app while serving %s:", what);
	sg_log_exception(context);
	if (resp->ended)
		return; /* close() failed after a whole response: it stands */
	if (!resp->headers_sent && !resp->broken)
		sg_response_canned(resp, 500);
	else
		resp->broken = true;
}

static void client_gone(const char *what)
{
	sg_info("client went away during %s: %s", what, strerror(errno));
}

static int send_chunk(struct sg_response *resp, PyObject *chunk, bool single, const char *what)
{
	if (!PyBytes_Check(chunk)) {
		PyErr_Format(PyExc_TypeError, "the app must yield bytes, not %.100s",
			     Py_TYPE(chunk)->tp_name);
		return -1;
	}
	size_t len = (size_t)PyBytes_GET_SIZE(chunk);
	if (len == 0)
		return 0; /* W5: an empty chunk does not send the head */
	if (!resp->headers_set) {
		PyErr_SetString(PyExc_RuntimeError, "the app yielded data before start_response()");
		return -1;
	}
	/* W7: a result of len() 1 is the whole body, so its length is known. */
	if (single && !resp->headers_sent && !resp->write_used)
		resp->auto_length = (int64_t)len;
	if (sg_response_send(resp, PyBytes_AS_STRING(chunk), len) < 0)
		client_gone(what);
	return 0;
}

/* Returns 0, or -1 with the app's exception pending. *known_length says
 * whether len(result) was 0 or 1, so an empty body can carry Content-Length 0. */
static int send_iterable(struct sg_response *resp, PyObject *result, bool *known_length,
			 const char *what)
{
	Py_ssize_t n = -1;
	if (!resp->write_used && (n = PyObject_Size(result)) < 0)
		PyErr_Clear(); /* a generator: no len() */
	*known_length = n == 0 || n == 1;
	PyObject *it = PyObject_GetIter(result);
	if (it == NULL)
		return -1;
	int rc = 0;
	PyObject *chunk;
	/* W9: stop iterating once the app's Content-Length has gone out. */
	while (!resp->broken && !sg_response_complete(resp) && (chunk = PyIter_Next(it)) != NULL) {
		rc = send_chunk(resp, chunk, n == 1, what);
		Py_DECREF(chunk);
		if (rc < 0)
			break;
	}
	Py_DECREF(it);
	return rc == 0 && PyErr_Occurred() ? -1 : rc;
}

/* W12: our file wrapper around a regular file goes out with sendfile(). */
static bool send_file(struct sg_response *resp, PyObject *result, const char *what)
{
	int fd;
	off_t offset, left;
	if (!resp->headers_set || !sg_file_wrapper_regular(result, &fd, &offset, &left))
		return false;
	uint64_t count = (uint64_t)left;
	int64_t cl = resp->head.content_length;
	if (cl >= 0) {
		uint64_t room = (uint64_t)cl - resp->body_sent;
		count = count < room ? count : room;
	} else if (!resp->write_used && !resp->headers_sent) {
		resp->auto_length = (int64_t)left;
	}
	if (sg_response_sendfile(resp, fd, offset, count) < 0)
		client_gone(what);
	return true;
}

/* The end of the body: the head if it has not gone, and W9's checks. */
static void finish(struct sg_response *resp, bool known_length, const char *what)
{
	if (resp->broken)
		return;
	if (!resp->headers_set) {
		sg_warn("the app returned without calling start_response() for %s", what);
		sg_response_canned(resp, 500);
		return;
	}
	if (!resp->headers_sent) {
		if (known_length && !resp->write_used)
			resp->auto_length = 0;
		if (sg_response_send(resp, NULL, 0) < 0)
			client_gone(what);
	}
	int64_t cl = resp->head.content_length;
	if (resp->over_length)
		sg_warn("the app sent more than its Content-Length %lld for %s; cut off",
			(long long)cl, what);
	else if (cl >= 0 && !resp->is_head && resp->body_sent < (uint64_t)cl)
		sg_warn("the app sent %llu bytes of its Content-Length %lld for %s; closing",
			(unsigned long long)resp->body_sent, (long long)cl, what);
}

/* W7: close() is called whatever happened before. */
static void close_result(struct sg_response *resp, PyObject *result, const char *what)
{
	if (PyList_CheckExact(result) || PyTuple_CheckExact(result) || PyBytes_CheckExact(result))
		return;
	PyObject *close = PyObject_GetAttr(result, close_name);
	if (close == NULL) {
		if (PyErr_ExceptionMatches(PyExc_AttributeError))
			PyErr_Clear();
		else
			app_failed(resp, what);
		return;
	}
	PyObject *r = PyObject_CallNoArgs(close);
	Py_DECREF(close);
	if (r == NULL)
		app_failed(resp, what);
	Py_XDECREF(r);
}

void sg_wsgi_run(PyObject *app, PyObject *environ, PyObject *start_response,
		 struct sg_response *resp, const char *what)
{
	PyObject *args[2] = { environ, start_response };
	PyObject *result = PyObject_Vectorcall(app, args, 2, NULL); /* W1: positional */
	if (result == NULL) {
		app_failed(resp, what);
		return;
	}
	bool known_length = false;
	if (send_file(resp, result, what) || send_iterable(resp, result, &known_length, what) == 0) {
		finish(resp, known_length, what);
		/* Before close(), which for a framework means its teardown. */
		sg_response_end(resp);
	} else {
		app_failed(resp, what);
	}
	close_result(resp, result, what);
	Py_DECREF(result);
}
