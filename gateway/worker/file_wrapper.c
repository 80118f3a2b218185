#include "gateway/worker/file_wrapper.h"

#include <sys/stat.h>
#include <unistd.h>

#define DEFAULT_BLKSIZE 8192

typedef struct {
	PyObject_HEAD
	PyObject *filelike;
	Py_ssize_t blksize;
} FileWrapper;

static PyObject *wrapper_new(PyTypeObject *type, PyObject *args, PyObject *kwds)
{
	static char *kwlist[] = { "filelike", "blksize", NULL };
	PyObject *filelike;
	Py_ssize_t blksize = DEFAULT_BLKSIZE;
	if (!PyArg_ParseTupleAndKeywords(args, kwds, "O|n:file_wrapper", kwlist, &filelike,
					 &blksize))
		return NULL;
	if (blksize <= 0) {
		PyErr_SetString(PyExc_ValueError, "blksize must be positive");
		return NULL;
	}
	FileWrapper *self = (FileWrapper *)type->tp_alloc(type, 0);
	if (self == NULL)
		return NULL;
	self->filelike = Py_NewRef(filelike);
	self->blksize = blksize;
	return (PyObject *)self;
}

static int wrapper_traverse(PyObject *self, visitproc visit, void *arg)
{
	Py_VISIT(((FileWrapper *)self)->filelike);
	return 0;
}

static int wrapper_clear(PyObject *self)
{
	Py_CLEAR(((FileWrapper *)self)->filelike);
	return 0;
}

static void wrapper_dealloc(PyObject *self)
{
	PyObject_GC_UnTrack(self);
	wrapper_clear(self);
	Py_TYPE(self)->tp_free(self);
}

/* The fallback for any file-like object: filelike.read(blksize). */
static PyObject *wrapper_next(PyObject *self)
{
	FileWrapper *w = (FileWrapper *)self;
	if (w->filelike == NULL)
		return NULL;
	PyObject *size = PyLong_FromSsize_t(w->blksize);
	if (size == NULL)
		return NULL;
	PyObject *data = PyObject_CallMethod(w->filelike, "read", "O", size);
	Py_DECREF(size);
	if (data == NULL)
		return NULL;
	if (PyObject_Length(data) == 0) {
		Py_DECREF(data);
		return NULL; /* the end (StopIteration), or len() failed */
	}
	return data;
}

static PyObject *wrapper_close(PyObject *self, PyObject *unused)
{
	(void)unused;
	FileWrapper *w = (FileWrapper *)self;
	if (w->filelike == NULL)
		Py_RETURN_NONE;
	PyObject *close = PyObject_GetAttrString(w->filelike, "close");
	if (close == NULL) {
		if (!PyErr_ExceptionMatches(PyExc_AttributeError))
			return NULL;
		PyErr_Clear();
		Py_RETURN_NONE;
	}
	PyObject *r = PyObject_CallNoArgs(close);
	Py_DECREF(close);
	return r;
}

static PyMethodDef wrapper_methods[] = {
	{ "close", wrapper_close, METH_NOARGS, "Close the wrapped file." },
	{ NULL, NULL, 0, NULL },
};

static PyTypeObject file_wrapper_type = {
	PyVarObject_HEAD_INIT(NULL, 0)
	.tp_name = "sandgate.FileWrapper",
	.tp_basicsize = sizeof(FileWrapper),
	.tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_GC,
	.tp_doc = "wsgi.file_wrapper(filelike, blksize=8192)",
	.tp_new = wrapper_new,
	.tp_dealloc = wrapper_dealloc,
	.tp_traverse = wrapper_traverse,
	.tp_clear = wrapper_clear,
	.tp_iter = PyObject_SelfIter,
	.tp_iternext = wrapper_next,
	.tp_methods = wrapper_methods,
};

int sg_file_wrapper_setup(struct sg_error *err)
{
	if (PyType_Ready(&file_wrapper_type) < 0)
		return sg_fail(err, "cannot ready the file wrapper type");
	return 0;
}

PyObject *sg_file_wrapper_type(void)
{
	return (PyObject *)&file_wrapper_type;
}

/* filelike.method() as a C long; -1 when missing or failing. */
static long call_long(PyObject *filelike, const char *method)
{
	PyObject *r = PyObject_CallMethod(filelike, method, NULL);
	if (r == NULL)
		return -1;
	long v = PyLong_Check(r) ? PyLong_AsLong(r) : -1;
	Py_DECREF(r);
	return v;
}

bool sg_file_wrapper_regular(PyObject *obj, int *fd, off_t *offset, off_t *left)
{
	if (!Py_IS_TYPE(obj, &file_wrapper_type) || ((FileWrapper *)obj)->filelike == NULL)
		return false;
	PyObject *filelike = ((FileWrapper *)obj)->filelike;
	long f = call_long(filelike, "fileno");
	struct stat st;
	if (f < 0 || f > INT32_MAX || fstat((int)f, &st) < 0 || !S_ISREG(st.st_mode)) {
		PyErr_Clear();
		return false;
	}
	/* tell() knows about bytes a buffered reader has already read ahead. */
	long pos = call_long(filelike, "tell");
	if (pos < 0) {
		PyErr_Clear();
		pos = (long)lseek((int)f, 0, SEEK_CUR);
	}
	if (pos < 0 || pos > st.st_size)
		return false;
	*fd = (int)f;
	*offset = (off_t)pos;
	*left = st.st_size - (off_t)pos;
	return true;
}
