/* The WSGI environ of a request (W1-W4, F1, C4), built in C on the hot
 * path: one dict, values decoded as latin-1, constant keys made once. */
#ifndef SG_WORKER_WSGI_ENVIRON_H
#define SG_WORKER_WSGI_ENVIRON_H

#include "gateway/worker/py.h"

#include "gateway/error.h"
#include "gateway/worker/reqinfo.h"

/* Makes the constant keys and values. prefix is the mount prefix, which
 * becomes SCRIPT_NAME; errors is the wsgi.errors stream, file_wrapper the
 * wsgi.file_wrapper callable. */
int sg_environ_setup(const char *prefix, PyObject *errors, PyObject *file_wrapper,
		     struct sg_error *err);

/* A new environ dict, or NULL with a Python error set. path_info is the
 * decoded PATH_INFO from sg_path_split. */
PyObject *sg_environ_build(const char *env, size_t env_len, const struct sg_reqinfo *info,
			   const char *path_info, size_t path_info_len, PyObject *input);

#endif
