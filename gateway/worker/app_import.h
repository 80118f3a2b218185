/* Importing the app once, in the zygote, and finding its callable. */
#ifndef SG_WORKER_APP_IMPORT_H
#define SG_WORKER_APP_IMPORT_H

#include "gateway/worker/py.h"

#include "gateway/error.h"
#include "gateway/worker/app_spec.h"
#include "gateway/worker/pyinit.h"

/* The app's callable (new reference), or NULL: the traceback, if any, has
 * gone to the app log and err says what failed. */
PyObject *sg_app_import(const struct sg_app_spec *spec, const struct sg_app_location *loc,
			struct sg_error *err);

#endif
