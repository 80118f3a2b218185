#include "gateway/worker/log_stream.h"

#include <stdio.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>

#include "gateway/worker/io.h"

/* A partial line waits here for its newline; longer lines are split. */
#define PENDING_MAX 4096
#define MAX_STREAMS 8

typedef struct {
	PyObject_HEAD
	int fd;
	size_t pending_len;
	char pending[PENDING_MAX];
	char name[16];
} LogStream;

static char app_name[64];
static char prefix[96];
static size_t prefix_len;
static LogStream *streams[MAX_STREAMS];
static int n_streams;

void sg_log_stream_set_pid(long pid)
{
	int n = snprintf(prefix, sizeof prefix, "[%s %ld] ", app_name, pid);
	prefix_len = n > 0 && (size_t)n < sizeof prefix ? (size_t)n : strlen(prefix);
}

const char *sg_log_stream_prefix(void)
{
	return prefix;
}

/* One writev per line, so lines from different workers do not mix. */
static void emit(LogStream *s, const char *data, size_t len)
{
	struct iovec iov[4];
	int n = 0;
	iov[n++] = (struct iovec){ prefix, prefix_len };
	if (s->pending_len > 0)
		iov[n++] = (struct iovec){ s->pending, s->pending_len };
	if (len > 0)
		iov[n++] = (struct iovec){ (void *)data, len };
	if (len == 0 || data[len - 1] != '\n')
		iov[n++] = (struct iovec){ "\n", 1 };
	sg_writev_all(s->fd, iov, n); /* a log that cannot be written is not an app error */
	s->pending_len = 0;
}

static void feed(LogStream *s, const char *data, size_t len)
{
	while (len > 0) {
		const char *nl = memchr(data, '\n', len);
		size_t line = nl != NULL ? (size_t)(nl - data) + 1 : len;
		if (s->pending_len + line > PENDING_MAX) {
			size_t room = PENDING_MAX - s->pending_len;
			emit(s, data, room);
			data += room;
			len -= room;
			continue;
		}
		if (nl != NULL) {
			emit(s, data, line);
		} else {
			memcpy(s->pending + s->pending_len, data, line);
			s->pending_len += line;
		}
		data += line;
		len -= line;
	}
}

static void flush_pending(LogStream *s)
{
	if (s->pending_len > 0)
		emit(s, NULL, 0);
}

void sg_log_stream_flush_all(void)
{
	for (int i = 0; i < n_streams; i++)
		flush_pending(streams[i]);
}

static PyObject *stream_write(PyObject *self, PyObject *text)
{
	/* Bytes arrive through .buffer, which is the stream itself. */
	if (PyBytes_Check(text)) {
		feed((LogStream *)self, PyBytes_AS_STRING(text), (size_t)PyBytes_GET_SIZE(text));
		return PyLong_FromSsize_t(PyBytes_GET_SIZE(text));
	}
	if (!PyUnicode_Check(text))
		return PyErr_Format(PyExc_TypeError, "write() argument must be str, not %.100s",
				    Py_TYPE(text)->tp_name);
	Py_ssize_t len;
	const char *utf8 = PyUnicode_AsUTF8AndSize(text, &len);
	if (utf8 != NULL) {
		feed((LogStream *)self, utf8, (size_t)len);
	} else {
		/* Lone surrogates: no UTF-8 form, so escape them. */
		PyErr_Clear();
		PyObject *bytes = PyUnicode_AsEncodedString(text, "utf-8", "backslashreplace");
		if (bytes == NULL)
			return NULL;
		feed((LogStream *)self, PyBytes_AS_STRING(bytes), (size_t)PyBytes_GET_SIZE(bytes));
		Py_DECREF(bytes);
	}
	return PyLong_FromSsize_t(PyUnicode_GET_LENGTH(text));
}

static PyObject *stream_writelines(PyObject *self, PyObject *lines)
{
	PyObject *it = PyObject_GetIter(lines);
	if (it == NULL)
		return NULL;
	PyObject *line;
	while ((line = PyIter_Next(it)) != NULL) {
		PyObject *r = stream_write(self, line);
		Py_DECREF(line);
		if (r == NULL) {
			Py_DECREF(it);
			return NULL;
		}
		Py_DECREF(r);
	}
	Py_DECREF(it);
	if (PyErr_Occurred())
		return NULL;
	Py_RETURN_NONE;
}

static PyObject *stream_flush(PyObject *self, PyObject *unused)
{
	(void)unused;
	flush_pending((LogStream *)self);
	Py_RETURN_NONE;
}

static PyObject *stream_fileno(PyObject *self, PyObject *unused)
{
	(void)unused;
	return PyLong_FromLong(((LogStream *)self)->fd);
}

static PyObject *stream_true(PyObject *self, PyObject *unused)
{
	(void)self, (void)unused;
	Py_RETURN_TRUE;
}

static PyObject *stream_false(PyObject *self, PyObject *unused)
{
	(void)self, (void)unused;
	Py_RETURN_FALSE;
}

static PyObject *stream_close(PyObject *self, PyObject *unused)
{
	(void)unused;
	flush_pending((LogStream *)self); /* the log outlives the app's wish to close it */
	Py_RETURN_NONE;
}

static PyMethodDef stream_methods[] = {
	{ "write", stream_write, METH_O, "Write str to the app log, line by line." },
	{ "writelines", stream_writelines, METH_O, "Write each str of an iterable." },
	{ "flush", stream_flush, METH_NOARGS, "Write out a partial line." },
	{ "close", stream_close, METH_NOARGS, "Flush; the log itself stays open." },
	{ "fileno", stream_fileno, METH_NOARGS, "The log's descriptor." },
	{ "isatty", stream_false, METH_NOARGS, NULL },
	{ "readable", stream_false, METH_NOARGS, NULL },
	{ "seekable", stream_false, METH_NOARGS, NULL },
	{ "writable", stream_true, METH_NOARGS, NULL },
	{ NULL, NULL, 0, NULL },
};

static PyObject *get_encoding(PyObject *self, void *closure)
{
	(void)self, (void)closure;
	return PyUnicode_FromString("utf-8");
}

static PyObject *get_errors(PyObject *self, void *closure)
{
	(void)self, (void)closure;
	return PyUnicode_FromString("backslashreplace");
}

static PyObject *get_closed(PyObject *self, void *closure)
{
	(void)self, (void)closure;
	Py_RETURN_FALSE;
}

static PyObject *get_name(PyObject *self, void *closure)
{
	(void)closure;
	return PyUnicode_FromString(((LogStream *)self)->name);
}

static PyObject *get_mode(PyObject *self, void *closure)
{
	(void)self, (void)closure;
	return PyUnicode_FromString("w");
}

/* Programs that write bytes to sys.stdout.buffer (Mercurial does) get the
 * same prefixed stream. */
static PyObject *get_buffer(PyObject *self, void *closure)
{
	(void)closure;
	Py_INCREF(self);
	return self;
}

static PyGetSetDef stream_getset[] = {
	{ "buffer", get_buffer, NULL, NULL, NULL },
	{ "encoding", get_encoding, NULL, NULL, NULL },
	{ "errors", get_errors, NULL, NULL, NULL },
	{ "closed", get_closed, NULL, NULL, NULL },
	{ "name", get_name, NULL, NULL, NULL },
	{ "mode", get_mode, NULL, NULL, NULL },
	{ NULL, NULL, NULL, NULL, NULL },
};

static PyTypeObject log_stream_type = {
	PyVarObject_HEAD_INIT(NULL, 0)
	.tp_name = "sandgate.LogStream",
	.tp_basicsize = sizeof(LogStream),
	.tp_flags = Py_TPFLAGS_DEFAULT,
	.tp_doc = "A text stream to the app log; each line is prefixed with [NAME PID].",
	.tp_methods = stream_methods,
	.tp_getset = stream_getset,
};

int sg_log_stream_setup(const char *name, struct sg_error *err)
{
	snprintf(app_name, sizeof app_name, "%s", name);
	sg_log_stream_set_pid((long)getpid());
	if (PyType_Ready(&log_stream_type) < 0)
		return sg_fail(err, "cannot ready the log stream type");
	return 0;
}

PyObject *sg_log_stream_new(int fd, const char *stream_name)
{
	if (n_streams == MAX_STREAMS) {
		PyErr_SetString(PyExc_RuntimeError, "too many log streams");
		return NULL;
	}
	LogStream *s = PyObject_New(LogStream, &log_stream_type);
	if (s == NULL)
		return NULL;
	s->fd = fd;
	s->pending_len = 0;
	snprintf(s->name, sizeof s->name, "%s", stream_name);
	Py_INCREF(s); /* kept for sg_log_stream_flush_all; never freed */
	streams[n_streams++] = s;
	return (PyObject *)s;
}
