/* start_response(status, headers, exc_info=None) and write(data). */
#include "gateway/worker/wsgi_response.h"

typedef struct {
	PyObject_HEAD
	struct sg_response *resp; /* NULL once the request is over */
} StartResponse;

static PyObject *cached;

/* The text of a str that must be latin-1 (W4, W5), or NULL with a
 * Python error naming what. */
static const char *latin1(PyObject *s, const char *what, Py_ssize_t *len)
{
	if (!PyUnicode_Check(s)) {
		PyErr_Format(PyExc_TypeError, "%s must be str, not %.100s", what, Py_TYPE(s)->tp_name);
		return NULL;
	}
	if (PyUnicode_READY(s) < 0)
		return NULL;
	if (PyUnicode_KIND(s) != PyUnicode_1BYTE_KIND) {
		PyErr_Format(PyExc_ValueError, "%s has characters outside latin-1: %R", what, s);
		return NULL;
	}
	*len = PyUnicode_GET_LENGTH(s);
	return (const char *)PyUnicode_1BYTE_DATA(s);
}

static int set_status(struct sg_head *head, int proto, PyObject *status)
{
	Py_ssize_t len;
	const char *s = latin1(status, "status", &len);
	if (s == NULL)
		return -1;
	int code = 0;
	const char *why = sg_head_check_status(s, (size_t)len, &code);
	if (why == NULL && sg_head_start(head, proto, s, (size_t)len, code) < 0)
		why = "status is too long";
	if (why != NULL) {
		PyErr_Format(PyExc_ValueError, "%s: %R", why, status);
		return -1;
	}
	return 0;
}

static int add_header(struct sg_head *head, PyObject *item)
{
	if (!PyTuple_Check(item) || PyTuple_GET_SIZE(item) != 2) {
		PyErr_Format(PyExc_TypeError, "each header must be a (name, value) tuple, not %R",
			     item);
		return -1;
	}
	Py_ssize_t name_len, value_len;
	const char *name = latin1(PyTuple_GET_ITEM(item, 0), "header name", &name_len);
	if (name == NULL)
		return -1;
	const char *value = latin1(PyTuple_GET_ITEM(item, 1), "header value", &value_len);
	if (value == NULL)
		return -1;
	const char *why = sg_head_check_header(name, (size_t)name_len, value, (size_t)value_len);
	if (why == NULL)
		why = sg_head_add(head, name, (size_t)name_len, value, (size_t)value_len);
	if (why != NULL) {
		PyErr_Format(PyExc_ValueError, "%s: %R", why, item);
		return -1;
	}
	return 0;
}

static int set_headers(struct sg_head *head, PyObject *headers)
{
	if (!PyList_Check(headers)) {
		PyErr_Format(PyExc_TypeError, "headers must be a list, not %.100s",
			     Py_TYPE(headers)->tp_name);
		return -1;
	}
	for (Py_ssize_t i = 0; i < PyList_GET_SIZE(headers); i++)
		if (add_header(head, PyList_GET_ITEM(headers, i)) < 0)
			return -1;
	return 0;
}

/* W5: once the head is out, exc_info is raised again in the app. */
static PyObject *reraise(PyObject *exc_info)
{
	if (!PyTuple_Check(exc_info) || PyTuple_GET_SIZE(exc_info) != 3 ||
	    !PyExceptionInstance_Check(PyTuple_GET_ITEM(exc_info, 1))) {
		PyErr_SetString(PyExc_TypeError, "exc_info must be a (type, value, traceback) tuple");
		return NULL;
	}
	PyObject *value = PyTuple_GET_ITEM(exc_info, 1);
	PyObject *tb = PyTuple_GET_ITEM(exc_info, 2);
	PyErr_Restore(Py_NewRef((PyObject *)Py_TYPE(value)), Py_NewRef(value),
		      tb == Py_None ? NULL : Py_NewRef(tb));
	return NULL;
}

static PyObject *write_fn(PyObject *self, PyObject *data);

static PyMethodDef write_def = { "write", write_fn, METH_O, "write(data): send bytes now (W8)." };

static PyObject *start_response_call(PyObject *self, PyObject *args, PyObject *kwargs)
{
	static char *kwlist[] = { "status", "headers", "exc_info", NULL };
	PyObject *status, *headers, *exc_info = Py_None;
	if (!PyArg_ParseTupleAndKeywords(args, kwargs, "OO|O:start_response", kwlist, &status,
					 &headers, &exc_info))
		return NULL;
	struct sg_response *resp = ((StartResponse *)self)->resp;
	if (resp == NULL) {
		PyErr_SetString(PyExc_RuntimeError, "start_response() after the request ended");
		return NULL;
	}
	if (exc_info != Py_None) {
		if (resp->headers_sent)
			return reraise(exc_info);
	} else if (resp->headers_set) {
		PyErr_SetString(PyExc_RuntimeError,
				"start_response() called a second time without exc_info");
		return NULL;
	}
	resp->headers_set = false;
	if (set_status(&resp->head, resp->head.proto, status) < 0 ||
	    set_headers(&resp->head, headers) < 0)
		return NULL;
	resp->headers_set = true;
	return PyCFunction_New(&write_def, self);
}

static PyObject *write_fn(PyObject *self, PyObject *data)
{
	struct sg_response *resp = ((StartResponse *)self)->resp;
	if (resp == NULL) {
		PyErr_SetString(PyExc_RuntimeError, "write() after the request ended");
		return NULL;
	}
	/* From close(), say: the peer has had its EOF (wsgi_run.c). */
	if (resp->ended) {
		PyErr_SetString(PyExc_RuntimeError, "write() after the response ended");
		return NULL;
	}
	if (!PyBytes_Check(data))
		return PyErr_Format(PyExc_TypeError, "write() argument must be bytes, not %.100s",
				    Py_TYPE(data)->tp_name);
	if (!resp->headers_set) {
		PyErr_SetString(PyExc_RuntimeError, "write() before start_response()");
		return NULL;
	}
	resp->write_used = true;
	if (sg_response_send(resp, PyBytes_AS_STRING(data), (size_t)PyBytes_GET_SIZE(data)) < 0)
		return PyErr_SetFromErrno(PyExc_OSError);
	Py_RETURN_NONE;
}

static PyTypeObject start_response_type = {
	PyVarObject_HEAD_INIT(NULL, 0)
	.tp_name = "sandgate.StartResponse",
	.tp_basicsize = sizeof(StartResponse),
	.tp_flags = Py_TPFLAGS_DEFAULT,
	.tp_doc = "start_response(status, headers, exc_info=None) -> write",
	.tp_call = start_response_call,
};

int sg_start_response_setup(struct sg_error *err)
{
	if (PyType_Ready(&start_response_type) < 0)
		return sg_fail(err, "cannot ready the start_response type");
	return 0;
}

PyObject *sg_start_response_get(struct sg_response *resp)
{
	if (cached == NULL || Py_REFCNT(cached) > 1) {
		Py_XDECREF(cached); /* the app kept the old one: it stays detached */
		cached = (PyObject *)PyObject_New(StartResponse, &start_response_type);
		if (cached == NULL)
			return NULL;
	}
	((StartResponse *)cached)->resp = resp;
	return Py_NewRef(cached);
}

void sg_start_response_detach(PyObject *start_response)
{
	((StartResponse *)start_response)->resp = NULL;
}
