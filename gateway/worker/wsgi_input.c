#include "gateway/worker/wsgi_input.h"

#include <errno.h>
#include <string.h>

#include "gateway/worker/io.h"

typedef struct {
	PyObject_HEAD
	struct sg_body *body; /* NULL once the request is over */
} Input;

static PyObject *cached_input;

static const char continue_100[] = "HTTP/1.1 100 Continue\r\n\r\n";

static size_t buffered(const struct sg_body *b)
{
	return b->end - b->pos;
}

static uint64_t available(const struct sg_body *b)
{
	return b == NULL ? 0 : buffered(b) + b->unread;
}

/* Reads up to len (<= unread) body bytes from the socket into dst.
 * Returns the count (> 0), or -1 with a Python error set. */
static ssize_t read_socket(struct sg_body *b, char *dst, size_t len)
{
	if (b->send_continue) {
		b->send_continue = false;
		if (atomic_load(b->response_started) == 0 &&
		    sg_write_all(b->fd, continue_100, sizeof continue_100 - 1) < 0) {
			PyErr_SetFromErrno(PyExc_OSError);
			return -1;
		}
	}
	/* A front end may send a large body in pieces (nginx: 16 KiB at a
	 * time from its temp file), and the worker then drains each before the
	 * next arrives: after a short read, trying at once would only fail
	 * with EAGAIN. */
	ssize_t n;
	Py_BEGIN_ALLOW_THREADS
	n = b->drained ? sg_read_wait(b->fd, dst, len, b->timeout_ms)
		       : sg_read_timeout(b->fd, dst, len, b->timeout_ms);
	Py_END_ALLOW_THREADS
	if (n == 0) {
		PyErr_SetString(PyExc_OSError,
				"client closed the connection before sending the whole body");
		return -1;
	}
	if (n < 0) {
		if (errno == ETIMEDOUT)
			PyErr_SetString(PyExc_TimeoutError, "timed out reading the request body");
		else
			PyErr_SetFromErrno(PyExc_OSError);
		return -1;
	}
	b->unread -= (uint64_t)n;
	b->drained = (size_t)n < len;
	return n;
}

/* Makes sure some bytes are buffered (available(b) > 0 on entry). */
static int refill(struct sg_body *b)
{
	if (buffered(b) > 0)
		return 0;
	size_t want = b->unread < b->fill_cap ? (size_t)b->unread : b->fill_cap;
	ssize_t n = read_socket(b, b->fill, want);
	if (n < 0)
		return -1;
	b->buf = b->fill;
	b->pos = 0;
	b->end = (size_t)n;
	return 0;
}

/* size argument: absent, None or negative mean "no limit". */
static int size_arg(PyObject *const *args, Py_ssize_t nargs, const char *fn, Py_ssize_t *size)
{
	*size = -1;
	if (nargs > 1) {
		PyErr_Format(PyExc_TypeError, "%s() takes at most 1 argument (%zd given)", fn, nargs);
		return -1;
	}
	if (nargs == 0 || args[0] == Py_None)
		return 0;
	*size = PyNumber_AsSsize_t(args[0], PyExc_OverflowError);
	return *size == -1 && PyErr_Occurred() ? -1 : 0;
}

static size_t clamp(Py_ssize_t size, uint64_t avail)
{
	if (size < 0 || (uint64_t)size > avail)
		return avail > PY_SSIZE_T_MAX ? PY_SSIZE_T_MAX : (size_t)avail;
	return (size_t)size;
}

/* read(size=-1): exactly min(size, remaining) bytes, b'' at the end. */
static PyObject *input_read(PyObject *self, PyObject *const *args, Py_ssize_t nargs)
{
	struct sg_body *b = ((Input *)self)->body;
	Py_ssize_t size;
	if (size_arg(args, nargs, "read", &size) < 0)
		return NULL;
	size_t want = clamp(size, available(b));
	PyObject *out = PyBytes_FromStringAndSize(NULL, (Py_ssize_t)want);
	if (out == NULL || want == 0)
		return out;
	char *dst = PyBytes_AS_STRING(out);
	size_t have = buffered(b) < want ? buffered(b) : want;
	memcpy(dst, b->buf + b->pos, have);
	b->pos += have;
	/* Large reads go straight from the socket into the result. */
	while (have < want) {
		ssize_t n = read_socket(b, dst + have, want - have);
		if (n < 0) {
			Py_DECREF(out);
			return NULL;
		}
		have += (size_t)n;
	}
	return out;
}

/* Appends len bytes to *acc (a bytes object or NULL). */
static int append(PyObject **acc, const char *data, size_t len)
{
	if (*acc == NULL) {
		*acc = PyBytes_FromStringAndSize(data, (Py_ssize_t)len);
		return *acc == NULL ? -1 : 0;
	}
	Py_ssize_t old = PyBytes_GET_SIZE(*acc);
	if (_PyBytes_Resize(acc, old + (Py_ssize_t)len) < 0)
		return -1;
	memcpy(PyBytes_AS_STRING(*acc) + old, data, len);
	return 0;
}

/* readline(size=-1): up to and including b'\n', at most size bytes. The
 * line is collected from the bounded fill buffer one piece at a time. */
static PyObject *read_line(struct sg_body *b, Py_ssize_t size)
{
	size_t limit = clamp(size, available(b));
	PyObject *acc = NULL;
	while (limit > 0) {
		if (refill(b) < 0)
			goto fail;
		size_t n = buffered(b) < limit ? buffered(b) : limit;
		const char *start = b->buf + b->pos;
		const char *nl = memchr(start, '\n', n);
		if (nl != NULL)
			n = (size_t)(nl - start) + 1;
		if (append(&acc, start, n) < 0)
			goto fail;
		b->pos += n;
		limit -= n;
		if (nl != NULL)
			break;
	}
	return acc != NULL ? acc : PyBytes_FromStringAndSize(NULL, 0);
fail:
	Py_XDECREF(acc);
	return NULL;
}

static PyObject *input_readline(PyObject *self, PyObject *const *args, Py_ssize_t nargs)
{
	Py_ssize_t size;
	if (size_arg(args, nargs, "readline", &size) < 0)
		return NULL;
	return read_line(((Input *)self)->body, size);
}

/* readlines(hint=-1): lines until the end, or until hint bytes are read. */
static PyObject *input_readlines(PyObject *self, PyObject *const *args, Py_ssize_t nargs)
{
	Py_ssize_t hint;
	if (size_arg(args, nargs, "readlines", &hint) < 0)
		return NULL;
	PyObject *lines = PyList_New(0);
	if (lines == NULL)
		return NULL;
	Py_ssize_t total = 0;
	for (;;) {
		PyObject *line = read_line(((Input *)self)->body, -1);
		if (line == NULL)
			goto fail;
		Py_ssize_t len = PyBytes_GET_SIZE(line);
		if (len == 0) {
			Py_DECREF(line);
			break;
		}
		int r = PyList_Append(lines, line);
		Py_DECREF(line);
		if (r < 0)
			goto fail;
		total += len;
		if (hint > 0 && total >= hint)
			break;
	}
	return lines;
fail:
	Py_DECREF(lines);
	return NULL;
}

static PyObject *input_next(PyObject *self)
{
	PyObject *line = read_line(((Input *)self)->body, -1);
	if (line != NULL && PyBytes_GET_SIZE(line) == 0) {
		Py_DECREF(line);
		return NULL; /* StopIteration */
	}
	return line;
}

static PyMethodDef input_methods[] = {
	{ "read", SG_PYFN(input_read), METH_FASTCALL, "read(size=-1) -> bytes" },
	{ "readline", SG_PYFN(input_readline), METH_FASTCALL, "readline(size=-1) -> bytes" },
	{ "readlines", SG_PYFN(input_readlines), METH_FASTCALL, "readlines(hint=-1) -> list" },
	{ NULL, NULL, 0, NULL },
};

static PyTypeObject input_type = {
	PyVarObject_HEAD_INIT(NULL, 0)
	.tp_name = "sandgate.Input",
	.tp_basicsize = sizeof(Input),
	.tp_flags = Py_TPFLAGS_DEFAULT,
	.tp_doc = "wsgi.input: the request body, ending at CONTENT_LENGTH.",
	.tp_methods = input_methods,
	.tp_iter = PyObject_SelfIter,
	.tp_iternext = input_next,
};

int sg_input_setup(struct sg_error *err)
{
	if (PyType_Ready(&input_type) < 0)
		return sg_fail(err, "cannot ready the wsgi.input type");
	return 0;
}

PyObject *sg_input_get(struct sg_body *body)
{
	if (cached_input == NULL || Py_REFCNT(cached_input) > 1) {
		/* The app kept the last one: leave it to the app, detached. */
		Py_XDECREF(cached_input);
		cached_input = (PyObject *)PyObject_New(Input, &input_type);
		if (cached_input == NULL)
			return NULL;
	}
	((Input *)cached_input)->body = body;
	return Py_NewRef(cached_input);
}

void sg_input_detach(PyObject *input)
{
	((Input *)input)->body = NULL;
}
