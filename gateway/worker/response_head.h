/* The head of an app's response: checking what start_response got (W5,
 * W6) and writing it out for the protocol (S6, F2, P3). Pure. */
#ifndef SG_WORKER_RESPONSE_HEAD_H
#define SG_WORKER_RESPONSE_HEAD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

/* Status line and headers from the app; more is refused. */
#define SG_HEAD_MAX 65536
/* Room for what the worker adds: Date, Connection, Server, Content-Length. */
#define SG_HEAD_EXTRA 256

struct sg_head {
	int proto;              /* enum sg_proto */
	int status;             /* 100..999 */
	int64_t content_length; /* from the app, -1 if it set none */
	bool has_date, has_server;
	size_t len;
	char buf[SG_HEAD_MAX + SG_HEAD_EXTRA];
};

/* Each returns NULL when the text is acceptable, else why it is not. */
const char *sg_head_check_status(const char *status, size_t len, int *code);
const char *sg_head_check_header(const char *name, size_t name_len, const char *value,
				 size_t value_len);

/* Starts a head with the status line. Returns -1 if it does not fit. */
int sg_head_start(struct sg_head *h, int proto, const char *status, size_t len, int code);

/* Adds a checked header. Returns NULL, or why it cannot be added (too big,
 * a second or malformed Content-Length). */
const char *sg_head_add(struct sg_head *h, const char *name, size_t name_len, const char *value,
			size_t value_len);

/* Adds the worker's headers and the blank line. content_length >= 0 adds a
 * Content-Length the app did not set (and makes it h->content_length); now
 * is the time for Date. */
void sg_head_finish(struct sg_head *h, int64_t content_length, time_t now);

#endif
