/* Listening sockets: TCP (v4/v6) or Unix, non-blocking, close-on-exec.
 * A Unix socket is created with the requested mode from the start (umask
 * around bind), so it is never briefly more open than asked. */
#ifndef SG_LISTENER_H
#define SG_LISTENER_H

#include <stdbool.h>
#include <sys/types.h>

#include "addr.h"
#include "error.h"

/* group: -1 to keep the gateway's group. Returns the descriptor or -1. */
int sg_listen_open(const struct sg_addr *a, int mode, gid_t group, struct sg_error *err);
/* The same with a socket type: SOCK_SEQPACKET for the launcher socket
 * (Unix only), SOCK_STREAM otherwise. */
int sg_listen_open_type(const struct sg_addr *a, int type, int mode, gid_t group,
			struct sg_error *err);

/* Removes a Unix socket's path when the gateway stops serving it. */
void sg_listen_unlink(const struct sg_addr *a);

/* SO_PEERCRED uid of a connected Unix socket peer, or -1. */
int sg_peer_uid(int fd, uid_t *uid);

#endif
