/* Opening an app's log file as the app's user (log_open.c). */
#ifndef SG_LOG_OPEN_H
#define SG_LOG_OPEN_H

#include <sys/types.h>

#include "error.h"

struct sg_log_target {
	uid_t uid;
	gid_t gid;
	const char *path; /* the administrator's path; "" = home's default */
	const char *home; /* the user's home (passwd), for the default */
	const char *file; /* the default's name: APP.log */
};

/* The file open for appending (created 0600), or -1 with err saying which
 * step failed and why ("open: Too many levels of symbolic links"). */
int sg_log_open_as(const struct sg_log_target *t, struct sg_error *err);

#endif
