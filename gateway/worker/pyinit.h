/* Starting the embedded interpreter, isolated: no PYTHON* environment, no
 * user site, no signal handlers; sys.path = the app's directory, each
 * --pythonpath, the venv's site-packages, then the stdlib; stdout and
 * stderr to the app log, line-prefixed; stdin empty. */
#ifndef SG_WORKER_PYINIT_H
#define SG_WORKER_PYINIT_H

#include <limits.h>

#include "gateway/error.h"
#include "gateway/worker/app_spec.h"
#include "gateway/worker/args.h"

struct sg_app_location {
	char dir[PATH_MAX];  /* first on sys.path */
	char file[PATH_MAX]; /* the resolved file of a path SPEC, else "" */
};

/* chdir()s (to --chdir, else to the app file's directory), starts Python
 * and readies the worker's Python types. */
int sg_python_init(const struct sg_worker_args *args, const struct sg_app_spec *spec,
		   const char *argv0, struct sg_app_location *loc, struct sg_error *err);

/* --cgi: starts Python the same way, without an app: sys.path is the
 * standard library's, and the modules CGI scripts commonly use are
 * imported once here so that each script's process starts warm. */
int sg_python_init_cgi(const struct sg_worker_args *args, const char *argv0,
		       struct sg_error *err);

/* Enables faulthandler on fd 2 for every thread, so a timed-out worker's
 * abort() dumps the Python stacks to the app log. */
int sg_python_enable_faulthandler(struct sg_error *err);

/* gc.collect(); gc.freeze(): the zygote's objects stay out of later
 * collections, so forked workers do not dirty those pages. */
int sg_python_freeze(struct sg_error *err);

#endif
