/* The --app SPEC: "path/file.py[:callable]" or "pkg.module[:callable]".
 * Pure. */
#ifndef SG_WORKER_APP_SPEC_H
#define SG_WORKER_APP_SPEC_H

#include <limits.h>
#include <stdbool.h>

#include "gateway/error.h"

struct sg_app_spec {
	bool is_path;          /* a file, not a module name */
	char target[PATH_MAX]; /* the file or the module */
	char callable[256];    /* "" = try "application", then "app" */
};

int sg_app_spec_parse(const char *text, struct sg_app_spec *spec, struct sg_error *err);

#endif
