#include "gateway/worker/app_import.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "gateway/worker/wsgi_run.h"

/* "dir/blog.py" -> "blog": imported like gunicorn's "blog:app", with its
 * directory first on sys.path (pyinit did that). */
static PyObject *import_file(const struct sg_app_location *loc, struct sg_error *err)
{
	const char *base = strrchr(loc->file, '/') + 1;
	char stem[NAME_MAX + 1];
	snprintf(stem, sizeof stem, "%.*s", (int)(strlen(base) - 3), base);
	PyObject *module = PyImport_ImportModule(stem);
	if (module == NULL)
		return NULL;
	/* A stem that names a module imported earlier ("os.py") would
	 * silently give that module instead of the app. */
	PyObject *file = PyObject_GetAttrString(module, "__file__");
	const char *path = file != NULL && PyUnicode_Check(file) ? PyUnicode_AsUTF8(file) : NULL;
	char real[PATH_MAX], want[PATH_MAX];
	bool same = path != NULL && realpath(path, real) != NULL &&
		    realpath(loc->file, want) != NULL && strcmp(real, want) == 0;
	PyErr_Clear();
	Py_XDECREF(file);
	if (!same) {
		Py_DECREF(module);
		sg_fail(err, "importing \"%s\" gave another module than %s (a name clash: rename the "
			     "file)", stem, loc->file);
		return NULL;
	}
	return module;
}

/* "create.app" -> module.create.app */
static PyObject *get_dotted(PyObject *obj, const char *dotted)
{
	char name[256];
	snprintf(name, sizeof name, "%s", dotted);
	Py_INCREF(obj);
	for (char *part = strtok(name, "."); part != NULL && obj != NULL; part = strtok(NULL, ".")) {
		PyObject *next = PyObject_GetAttrString(obj, part);
		Py_DECREF(obj);
		obj = next;
	}
	return obj;
}

static PyObject *find_callable(PyObject *module, const char *wanted, struct sg_error *err)
{
	PyObject *app = NULL;
	if (wanted[0] != '\0') {
		app = get_dotted(module, wanted);
	} else if ((app = PyObject_GetAttrString(module, "application")) == NULL &&
		   PyErr_ExceptionMatches(PyExc_AttributeError)) {
		PyErr_Clear();
		app = PyObject_GetAttrString(module, "app");
		if (app == NULL && PyErr_ExceptionMatches(PyExc_AttributeError)) {
			PyErr_Clear();
			sg_fail(err, "the app module has neither 'application' nor 'app'");
			return NULL;
		}
	}
	if (app != NULL && !PyCallable_Check(app)) {
		sg_fail(err, "the app object '%s' is not callable", wanted[0] ? wanted : "application");
		Py_DECREF(app);
		return NULL;
	}
	return app;
}

PyObject *sg_app_import(const struct sg_app_spec *spec, const struct sg_app_location *loc,
			struct sg_error *err)
{
	snprintf(err->msg, sizeof err->msg, "importing the app raised an exception");
	PyObject *module = spec->is_path ? import_file(loc, err) : PyImport_ImportModule(spec->target);
	PyObject *app = module != NULL ? find_callable(module, spec->callable, err) : NULL;
	Py_XDECREF(module);
	if (app == NULL && PyErr_Occurred())
		sg_log_exception("cannot import the app:");
	return app;
}
