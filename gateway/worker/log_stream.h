/* A text stream that writes whole lines to a descriptor, each prefixed with
 * "[NAME PID] " (W11). Used for wsgi.errors, sys.stdout and sys.stderr;
 * accepts any str (UTF-8 with backslashreplace). */
#ifndef SG_WORKER_LOG_STREAM_H
#define SG_WORKER_LOG_STREAM_H

#include "gateway/worker/py.h"

#include "gateway/error.h"

/* Readies the type; name is the app's name for the prefix. */
int sg_log_stream_setup(const char *name, struct sg_error *err);

/* Rebuilds the prefix with this pid (after fork). */
void sg_log_stream_set_pid(long pid);

/* The current "[NAME PID] " prefix. */
const char *sg_log_stream_prefix(void);

/* A new stream writing to fd; NULL with a Python error set. */
PyObject *sg_log_stream_new(int fd, const char *stream_name);

/* Writes out partial lines of every stream made by sg_log_stream_new. */
void sg_log_stream_flush_all(void);

#endif
