/* Landlock: filesystem rules matching the cell's mount view, TCP port
 * rules, and scoping of abstract Unix sockets and signals, where the
 * kernel supports them. Knows nothing of HTTP or Python. */
#ifndef SG_SANDBOX_LANDLOCK_H
#define SG_SANDBOX_LANDLOCK_H

#include <stdint.h>

#include "sandbox/fs_view.h"

struct sg_landlock {
	const struct sg_fs_view *fs; /* the view the rules follow */
	int exe_fd;                  /* the program about to be exec'd */
	int n_bind_ports;            /* -1: no TCP bind rule; else only these */
	const uint16_t *bind_ports;
	int n_connect_ports;         /* -1: no TCP connect rule; else only these */
	const uint16_t *connect_ports;
};

/* The Landlock ABI version the kernel offers, 0 when it has none, -1 with
 * errno when the kernel could not be asked. */
int sg_landlock_abi(void);

/* Cell side, after no_new_privs and before the exec. NULL on success
 * (also when the kernel has no Landlock and no port rule needs it), else
 * the step that failed (errno set). */
const char *sg_landlock_apply(const struct sg_landlock *ll);

#endif
