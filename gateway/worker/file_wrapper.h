/* wsgi.file_wrapper(filelike[, blksize]) (W12): an iterable over
 * filelike.read(blksize) whose close() closes the file. When an app returns
 * one, the response code may send the file with sendfile() instead. */
#ifndef SG_WORKER_FILE_WRAPPER_H
#define SG_WORKER_FILE_WRAPPER_H

#include "gateway/worker/py.h"

#include <stdbool.h>
#include <sys/types.h>

#include "gateway/error.h"

int sg_file_wrapper_setup(struct sg_error *err);

/* The type, to put in the environ. */
PyObject *sg_file_wrapper_type(void);

/* If obj is our wrapper around a regular file with a descriptor, gives the
 * descriptor, the current position and the bytes left from there, and
 * returns true. Otherwise false (clears any Python error on the way). */
bool sg_file_wrapper_regular(PyObject *obj, int *fd, off_t *offset, off_t *left);

#endif
