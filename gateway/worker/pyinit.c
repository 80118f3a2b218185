#include "gateway/worker/py.h" /* before any system header */

#include "gateway/worker/pyinit.h"

#include <dirent.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "gateway/worker/file_wrapper.h"
#include "gateway/worker/log_stream.h"
#include "gateway/worker/wsgi_environ.h"
#include "gateway/worker/wsgi_input.h"
#include "gateway/worker/wsgi_response.h"
#include "gateway/worker/wsgi_run.h"

/* The file's directory is resolved, its name kept: "app.py" may be a
 * symlink to a file without ".py", and it is imported by that name. */
static int locate_file(const char *target, struct sg_app_location *loc, struct sg_error *err)
{
	const char *slash = strrchr(target, '/');
	const char *base = slash != NULL ? slash + 1 : target;
	char dir[PATH_MAX];
	if (slash == NULL)
		strcpy(dir, ".");
	else if (slash == target)
		strcpy(dir, "/");
	else
		snprintf(dir, sizeof dir, "%.*s", (int)(slash - target), target);
	if (realpath(dir, loc->dir) == NULL)
		return sg_fail_errno(err, "app file %s", target);
	int n = snprintf(loc->file, sizeof loc->file, "%s/%s", strcmp(loc->dir, "/") ? loc->dir : "",
			 base);
	if (n < 0 || (size_t)n >= sizeof loc->file)
		return sg_fail(err, "app file %s: path too long", target);
	struct stat st;
	if (stat(loc->file, &st) < 0)
		return sg_fail_errno(err, "app file %s", target);
	if (!S_ISREG(st.st_mode))
		return sg_fail(err, "app file %s is not a regular file", target);
	return 0;
}

static int locate_app(const struct sg_worker_args *args, const struct sg_app_spec *spec,
		      struct sg_app_location *loc, struct sg_error *err)
{
	if (args->chdir != NULL && chdir(args->chdir) < 0)
		return sg_fail_errno(err, "chdir to %s", args->chdir);
	loc->file[0] = '\0';
	if (!spec->is_path) {
		if (getcwd(loc->dir, sizeof loc->dir) == NULL)
			return sg_fail_errno(err, "getcwd");
		return 0;
	}
	if (locate_file(spec->target, loc, err) < 0)
		return -1;
	if (args->chdir == NULL && chdir(loc->dir) < 0)
		return sg_fail_errno(err, "chdir to %s", loc->dir);
	return 0;
}

static bool is_dir(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

/* venv/lib/python3.X/site-packages, this Python's version preferred. */
static int find_site_packages(const char *venv, char *out, size_t cap, struct sg_error *err)
{
	char lib[PATH_MAX];
	int n = snprintf(lib, sizeof lib, "%s/lib", venv);
	if (n < 0 || (size_t)n >= sizeof lib)
		return sg_fail(err, "--venv path is too long");
	n = snprintf(out, cap, "%s/python%d.%d/site-packages", lib, PY_MAJOR_VERSION,
		     PY_MINOR_VERSION);
	if (n > 0 && (size_t)n < cap && is_dir(out))
		return 0;
	DIR *d = opendir(lib);
	struct dirent *e;
	while (d != NULL && (e = readdir(d)) != NULL) {
		if (strncmp(e->d_name, "python3.", 8) != 0)
			continue;
		n = snprintf(out, cap, "%s/%s/site-packages", lib, e->d_name);
		if (n > 0 && (size_t)n < cap && is_dir(out)) {
			closedir(d);
			return 0;
		}
	}
	if (d != NULL)
		closedir(d);
	return sg_fail(err, "--venv %s has no lib/python3.*/site-packages", venv);
}

static int start_interpreter(const char *argv0, struct sg_error *err)
{
	/* UTF-8 mode: a cell's environment has no locale, and apps expect
	 * open() and the filesystem encoding to be UTF-8, not ASCII. */
	PyPreConfig pre;
	PyPreConfig_InitIsolatedConfig(&pre);
	pre.utf8_mode = 1;
	PyStatus st = Py_PreInitialize(&pre);
	if (PyStatus_Exception(st))
		return sg_fail(err, "Python pre-initialisation: %s", st.err_msg);

	PyConfig config;
	PyConfig_InitIsolatedConfig(&config);
	config.install_signal_handlers = 0; /* signals belong to the zygote and workers */
	config.write_bytecode = 0;          /* app directories are read-only in a cell */
	st = PyConfig_SetBytesString(&config, &config.program_name, argv0);
	if (!PyStatus_Exception(st))
		st = Py_InitializeFromConfig(&config);
	PyConfig_Clear(&config);
	if (PyStatus_Exception(st))
		return sg_fail(err, "Python initialisation: %s", st.err_msg ? st.err_msg : "failed");
	return 0;
}

/* Steals item. */
static int append_path(PyObject *list, PyObject *item)
{
	if (item == NULL)
		return -1;
	int r = PyList_Append(list, item);
	Py_DECREF(item);
	return r;
}

static int set_sys_path(const struct sg_worker_args *args, const char *app_dir,
			const char *site_packages)
{
	PyObject *old = PySys_GetObject("path"); /* borrowed */
	PyObject *path = PyList_New(0);
	if (path == NULL || old == NULL || !PyList_Check(old))
		goto fail;
	if (append_path(path, PyUnicode_DecodeFSDefault(app_dir)) < 0)
		goto fail;
	for (int i = 0; i < args->n_pythonpath; i++)
		if (append_path(path, PyUnicode_DecodeFSDefault(args->pythonpath[i])) < 0)
			goto fail;
	if (site_packages != NULL &&
	    append_path(path, PyUnicode_DecodeFSDefault(site_packages)) < 0)
		goto fail;
	for (Py_ssize_t i = 0; i < PyList_GET_SIZE(old); i++)
		if (PyList_Append(path, PyList_GET_ITEM(old, i)) < 0)
			goto fail;
	if (PySys_SetObject("path", path) < 0)
		goto fail;
	Py_DECREF(path);
	if (site_packages == NULL)
		return 0;
	/* Already on sys.path, so this only runs the venv's .pth files. */
	PyObject *site = PyImport_ImportModule("site");
	PyObject *r = site ? PyObject_CallMethod(site, "addsitedir", "s", site_packages) : NULL;
	Py_XDECREF(site);
	Py_XDECREF(r);
	return r != NULL ? 0 : -1;
fail:
	Py_XDECREF(path);
	return -1;
}

static int set_stdio(void)
{
	PyObject *out = sg_log_stream_new(1, "<stdout>");
	PyObject *err = sg_log_stream_new(2, "<stderr>");
	PyObject *io = PyImport_ImportModule("io");
	/* An empty text stream with a .buffer, like a real stdin at EOF. */
	PyObject *raw = io ? PyObject_CallMethod(io, "BytesIO", NULL) : NULL;
	PyObject *in = raw ? PyObject_CallMethod(io, "TextIOWrapper", "Os", raw, "utf-8") : NULL;
	Py_XDECREF(raw);
	int r = out && err && in && PySys_SetObject("stdout", out) == 0 &&
			PySys_SetObject("stderr", err) == 0 && PySys_SetObject("stdin", in) == 0
		? 0
		: -1;
	Py_XDECREF(out);
	Py_XDECREF(err);
	Py_XDECREF(io);
	Py_XDECREF(in);
	return r;
}

/* The C types and constants of the request path, made once before fork. */
static int ready_wsgi(const struct sg_worker_args *args, struct sg_error *err)
{
	if (sg_input_setup(err) < 0 || sg_start_response_setup(err) < 0 ||
	    sg_file_wrapper_setup(err) < 0 || sg_wsgi_run_setup(err) < 0)
		return -1;
	PyObject *errors = sg_log_stream_new(2, "<wsgi.errors>");
	if (errors == NULL)
		return sg_fail(err, "cannot make wsgi.errors");
	int r = sg_environ_setup(args->prefix, errors, sg_file_wrapper_type(), err);
	Py_DECREF(errors);
	return r;
}

int sg_python_init(const struct sg_worker_args *args, const struct sg_app_spec *spec,
		   const char *argv0, struct sg_app_location *loc, struct sg_error *err)
{
	char site_packages[PATH_MAX];
	if (locate_app(args, spec, loc, err) < 0)
		return -1;
	if (args->venv != NULL &&
	    find_site_packages(args->venv, site_packages, sizeof site_packages, err) < 0)
		return -1;
	if (start_interpreter(argv0, err) < 0)
		return -1;
	if (sg_log_stream_setup(args->name, err) < 0)
		return -1;
	if (set_stdio() < 0 ||
	    set_sys_path(args, loc->dir, args->venv != NULL ? site_packages : NULL) < 0) {
		PyErr_Print();
		return sg_fail(err, "cannot set up sys.path and sys.stdout/stderr");
	}
	return ready_wsgi(args, err);
}

/* Modules every CGI script's process would otherwise import again: the
 * runner's (cgi_child.c) and the standard library's most used by CGI
 * scripts, Mercurial's hgweb among them. Nothing of any user's. */
static const char *const cgi_preload[] = {
	"builtins", "io", "os", "sys", "traceback", "types", "urllib.parse", "html",
	"json", "email.parser", "http.cookies", "socket", "zlib", "tempfile", "hashlib",
	"base64", "datetime", "time",
};

int sg_python_init_cgi(const struct sg_worker_args *args, const char *argv0,
		       struct sg_error *err)
{
	if (args->chdir != NULL && chdir(args->chdir) < 0)
		return sg_fail_errno(err, "chdir to %s", args->chdir);
	if (start_interpreter(argv0, err) < 0 || sg_log_stream_setup(args->name, err) < 0)
		return -1;
	if (set_stdio() < 0) {
		PyErr_Print();
		return sg_fail(err, "cannot set up sys.stdout/stderr");
	}
	for (size_t i = 0; i < sizeof cgi_preload / sizeof cgi_preload[0]; i++) {
		PyObject *m = PyImport_ImportModule(cgi_preload[i]);
		if (m == NULL) {
			PyErr_Print();
			return sg_fail(err, "cannot import %s", cgi_preload[i]);
		}
		Py_DECREF(m);
	}
	return 0;
}

int sg_python_enable_faulthandler(struct sg_error *err)
{
	PyObject *fh = PyImport_ImportModule("faulthandler");
	PyObject *enable = fh ? PyObject_GetAttrString(fh, "enable") : NULL;
	PyObject *args = PyTuple_New(0);
	PyObject *kwargs = Py_BuildValue("{s:i,s:O}", "file", 2, "all_threads", Py_True);
	PyObject *r = enable && args && kwargs ? PyObject_Call(enable, args, kwargs) : NULL;
	Py_XDECREF(fh);
	Py_XDECREF(enable);
	Py_XDECREF(args);
	Py_XDECREF(kwargs);
	if (r == NULL) {
		PyErr_Print();
		return sg_fail(err, "cannot enable faulthandler");
	}
	Py_DECREF(r);
	return 0;
}

int sg_python_freeze(struct sg_error *err)
{
	PyObject *gc = PyImport_ImportModule("gc");
	PyObject *r1 = gc ? PyObject_CallMethod(gc, "collect", NULL) : NULL;
	PyObject *r2 = r1 ? PyObject_CallMethod(gc, "freeze", NULL) : NULL;
	Py_XDECREF(gc);
	Py_XDECREF(r1);
	Py_XDECREF(r2);
	if (r2 == NULL) {
		PyErr_Print();
		return sg_fail(err, "gc.freeze() failed");
	}
	return 0;
}
