/* Every worker file that touches Python includes this first: Python.h must
 * come before any system header, and PY_SSIZE_T_CLEAN before Python.h. */
#ifndef SG_WORKER_PY_H
#define SG_WORKER_PY_H

#define PY_SSIZE_T_CLEAN
#include <Python.h>

/* A METH_FASTCALL function as a PyCFunction, without -Wcast-function-type. */
#define SG_PYFN(fn) ((PyCFunction)(void (*)(void))(fn))

#endif
