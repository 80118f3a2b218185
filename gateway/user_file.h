/* Reading a hosted user's own file with that user's credentials
 * (user_file.c). */
#ifndef SG_USER_FILE_H
#define SG_USER_FILE_H

#include <sys/types.h>

#include "error.h"

#define SG_USER_FILE_MAX (1024 * 1024)
#define SG_USER_FILE_TIMEOUT_MS 2000

struct sg_user_id {
	const char *name;
	uid_t uid;
	gid_t gid;
	const char *home; /* from the passwd entry: the admin's word */
};

/* Reads HOME/rel as the user: 1 with *text (malloc'd, NUL-terminated),
 * 0 when there is no such file (the user has no apps), -1 with err when
 * the file is refused (a symbolic link on the way, not a regular file, not
 * the user's, writable by group or others, too big) or cannot be read. */
int sg_user_file_read(const struct sg_user_id *who, const char *rel, char **text,
		      struct sg_error *err);

#endif
