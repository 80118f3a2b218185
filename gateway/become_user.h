/* A forked child of the root gateway becomes a hosted user before it
 * opens anything of theirs (their apps file, their log files). */
#ifndef SG_BECOME_USER_H
#define SG_BECOME_USER_H

#include <stdbool.h>
#include <sys/types.h>

/* The user's uid and gid, no supplementary group but the gid, and no
 * capability left in any set even if the gateway had kept some across a
 * uid change (SECBIT_KEEP_CAPS, ambient capabilities); no_new_privs.
 * 0, or -1 with errno. Only for a child that exits soon after. */
int sg_become_user(uid_t uid, gid_t gid);

/* A descriptor on a filesystem served by a user space process (FUSE): a
 * hosted user may mount one where their files are, and then stall every
 * read or write the gateway makes there. */
bool sg_fd_on_fuse(int fd);

#endif
