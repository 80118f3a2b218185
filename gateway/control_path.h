/* Where the control socket is by default, for the gateway and for
 * `sandgate status` alike:
 *   root                /run/sandgate/control.sock
 *   anyone else         $XDG_RUNTIME_DIR/sandgate/control.sock when that is
 *                       set (absolute), else $HOME/.local/state/sandgate/
 *                       control.sock ($HOME, else the passwd entry's home) */
#ifndef SG_CONTROL_PATH_H
#define SG_CONTROL_PATH_H

#include <stddef.h>
#include <sys/types.h>

#include "error.h"

#define SG_CONTROL_SYSTEM_PATH "/run/sandgate/control.sock"

/* Pure: xdg and home may be NULL or "". */
int sg_control_path_for(uid_t uid, const char *xdg, const char *home, char *out, size_t size,
			struct sg_error *err);

/* For the calling process (geteuid, the environment, passwd). */
int sg_control_default_path(char *out, size_t size, struct sg_error *err);

#endif
