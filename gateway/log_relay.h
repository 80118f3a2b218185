/* An app without a log file writes into a pipe that the gateway reads and
 * copies into its own log, one line at a time, each marked with the app's
 * name and escaped like any gateway message. So a cell never holds the
 * gateway's stderr, which may be an administrator's terminal. */
#ifndef SG_LOG_RELAY_H
#define SG_LOG_RELAY_H

#include <stddef.h>

#include "loop.h"

#define SG_RELAY_LINE_MAX 4096

struct sg_log_relay {
	struct sg_watch watch; /* read end; fd -1 when closed */
	struct sg_loop *loop;
	char name[64];
	size_t len;
	char line[SG_RELAY_LINE_MAX];
};

/* Opens the pipe; *write_fd is the end the app's cells get as fd 1 and 2. */
int sg_log_relay_open(struct sg_log_relay *r, struct sg_loop *l, const char *name, int *write_fd,
		      struct sg_error *err);

/* Copies what is left, then closes the read end. */
void sg_log_relay_close(struct sg_log_relay *r);

#endif
