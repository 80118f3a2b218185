/* The root gateway's capabilities after startup (privs.c). */
#ifndef SG_PRIVS_H
#define SG_PRIVS_H

#include "error.h"

/* As root: keep uid 0 and only the capabilities privs.c lists (permitted,
 * effective and bounding), with the securebits locked. As another user:
 * nothing. */
int sg_privs_drop(struct sg_error *err);

#endif
