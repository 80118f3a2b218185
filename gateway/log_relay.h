/* An app's cells write their log into a pipe that the gateway reads. With
 * a log file (log_open.c) the gateway appends the bytes to it as they
 * come, so that SIGUSR1 can swap the file under running cells (logrotate);
 * without one it copies them into its own log, one line at a time, each
 * marked with the app's name and escaped like any gateway message. So a
 * cell never holds the gateway's stderr, which may be an administrator's
 * terminal, nor a file descriptor of its own log. */
#ifndef SG_LOG_RELAY_H
#define SG_LOG_RELAY_H

#include <stddef.h>

#include "loop.h"

#define SG_RELAY_LINE_MAX 4096

struct sg_log_relay {
	struct sg_watch watch; /* read end; fd -1 when closed */
	struct sg_loop *loop;
	char name[64];
	int out_fd;            /* the log file, or -1: the gateway's log */
	size_t len;
	char line[SG_RELAY_LINE_MAX];
};

/* Opens the pipe; *write_fd is the end the app's cells get as fd 1 and 2. */
int sg_log_relay_open(struct sg_log_relay *r, struct sg_loop *l, const char *name, int *write_fd,
		      struct sg_error *err);

/* From now on into fd (the relay closes it), or the gateway's log (-1). */
void sg_log_relay_set_file(struct sg_log_relay *r, int fd);

/* Copies what is left, then closes the read end and the file. */
void sg_log_relay_close(struct sg_log_relay *r);

#endif
