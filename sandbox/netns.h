/* The cell's network and cgroup namespaces, and the ban on nested user
 * namespaces. Knows nothing of HTTP or Python. */
#ifndef SG_SANDBOX_NETNS_H
#define SG_SANDBOX_NETNS_H

#include "gateway/config.h"

/* The clone(2) flags the network mode needs (CLONE_NEWNET unless host). */
int sg_netns_clone_flags(enum sg_network network);

/* Cell side, after the cell has been put in its cgroup and before the
 * filesystem is built: a cgroup namespace rooted at the cell's cgroup,
 * lo up for "loopback", user.max_user_namespaces = 0 inside. NULL on
 * success, else the step that failed (errno set). */
const char *sg_netns_enter(enum sg_network network);

/* Its parts, also tried by sandbox/probe.c: lo up in the current network
 * namespace; user.max_user_namespaces = 0 in the current user namespace.
 * NULL on success, else the step that failed (errno set). */
const char *sg_netns_loopback_up(void);
const char *sg_netns_deny_nested_userns(void);

#endif
