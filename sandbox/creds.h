/* A cell's credentials: the app's uid and gid, no supplementary groups,
 * every capability set empty (permitted, effective, inheritable, bounding,
 * ambient), securebits locked, no_new_privs. Runs in the cell's first
 * process, inside its new user namespace, before the worker is exec'd. */
#ifndef SG_SANDBOX_CREDS_H
#define SG_SANDBOX_CREDS_H

#include <stdbool.h>
#include <sys/types.h>

/* Returns NULL on success, or the name of the step that failed (errno is
 * set), for the caller to report. Supplementary groups are cleared
 * before, by sg_creds_clear_groups. */
const char *sg_creds_drop(uid_t uid, gid_t gid);

/* No supplementary groups: called before the cell resolves the app's
 * paths with the app's file ids, which must not carry the gateway's
 * groups along. as_root: the gateway runs as root, so setgroups is
 * allowed (in an unprivileged user namespace it is denied, and the groups
 * are the user's own already). NULL, or the step that failed. */
const char *sg_creds_clear_groups(bool as_root);

#endif
