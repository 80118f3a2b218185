/* What the files of the cgroup layer share; not for use outside them.
 *
 *   cgroup.c        the cells' directories: made, filled, attached, removed
 *   cgroup_where.c  the gateway's own cgroup per controller, found once
 *   cgroup_v2.c     v2 parents: the gateway in a leaf, controllers enabled
 *   cgroup_parse.c  the pure part: parsing /proc, the values to write */
#ifndef SG_SANDBOX_CGROUP_INTERNAL_H
#define SG_SANDBOX_CGROUP_INTERNAL_H

#include <stdbool.h>

#include "gateway/error.h"
#include "sandbox/cgroup_parse.h"

/* The directory the cells go in, in the gateway's cgroup. */
#define SG_CGROUP_PARENT "sandgate"

/* ---- cgroup.c; -1 with errno set ---- */

/* Writes text to dirfd/file (no symlink followed). */
int sg_cgroup_write_at(int dirfd, const char *file, const char *text);
/* Opens dirfd/path as a directory (no symlink followed). */
int sg_cgroup_open_dir(int dirfd, const char *path);

/* ---- cgroup_where.c ---- */

/* Finds, once, where each controller's limits go; then, once, lets
 * cgroup_v2.c move the gateway into its leaf. Called before every cell
 * (limited or not) is cloned; a failed read is tried again next time. */
void sg_cgroup_prepare(void);
/* Where ctrl's limits go (after sg_cgroup_prepare); NULL with err
 * ("cgroup: ...") when no hierarchy offers ctrl. */
const struct sg_cgroup_where *sg_cgroup_where(enum sg_cgroup_ctrl ctrl, struct sg_error *err);

/* ---- cgroup_v2.c ---- */

/* Best effort: moves the gateway into base/gateway. */
void sg_cgroup_v2_leaf(const char *base);
/* Opens base/sandgate (made if missing) as a directory; in v2 with ctrls
 * (bits 1 << enum sg_cgroup_ctrl) enabled in base and base/sandgate.
 * -1 with err. */
int sg_cgroup_open_parent(const char *base, bool v2, unsigned ctrls, struct sg_error *err);

#endif
