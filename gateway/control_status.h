/* What `sandgate status` shows of one app: a plain copy taken from the
 * gateway's state (control_status.c), and its JSON and text forms
 * (control_format.c, pure). Whatever came from the scoreboard, which app
 * code can write, is copied with bounded lengths and escaped on output. */
#ifndef SG_CONTROL_STATUS_H
#define SG_CONTROL_STATUS_H

#include <stdbool.h>
#include <stdint.h>

#include "cellproto.h"
#include "config.h"
#include "json.h"

struct sg_gateway;
struct sg_app;

struct sg_status_worker {
	int slot;
	long pid;              /* inside the cell's pid namespace */
	const char *state;     /* "idle", "busy", "empty" (no worker now), "?" */
	char request[SG_SLOT_REQUEST_LEN]; /* busy only: "METHOD URI", NUL-terminated */
	uint64_t busy_ms;      /* busy only */
	uint64_t requests;     /* served by this worker process */
};

struct sg_status_app {
	char name[SG_NAME_MAX];
	const char *state;     /* starting ready draining stopped backoff failed */
	char user[SG_NAME_MAX];
	unsigned long uid;
	long zygote_pid;       /* 0: no cell */
	uint64_t up_ms;        /* age of that cell */
	int draining_cells;    /* older cells still finishing requests */
	uint64_t requests;     /* served by that cell since it started */
	unsigned long restarts;
	int failures;          /* consecutive failed starts */
	uint64_t retry_in_ms;  /* backoff: next start in; 0 = none pending */
	bool has_error;
	char last_error[256];
	uint64_t last_error_age_ms;
	long long memory;      /* bytes, -1 = n/a (no memory cgroup of its own) */
	int n_workers;
	struct sg_status_worker *workers; /* SG_MAX_WORKERS entries */
};

/* control_status.c: the app as it is now. workers must have room for
 * SG_MAX_WORKERS entries. mountinfo: /proc/self/mountinfo's text, or
 * NULL (then memory is n/a). */
void sg_status_snapshot(const struct sg_app *app, const char *mountinfo, uint64_t now_ms,
			struct sg_status_app *out, struct sg_status_worker *workers);

/* control_format.c */
void sg_status_json(struct sg_json *j, const struct sg_status_app *a);
/* The text form, appended to j's buffer (used as a plain text buffer). */
void sg_status_text(struct sg_json *j, const struct sg_status_app *a);
/* "12.3 MiB" etc., or "n/a" for a negative value. */
void sg_status_bytes(long long bytes, char *out, size_t size);

/* control_mem.c: bytes used by the cell of zygote pid (host pid) of app
 * name, from its own memory cgroup (v1 memory.usage_in_bytes, v2
 * memory.current); -1 when it has none or it cannot be read. */
long long sg_cell_memory(long pid, const char *name, const char *mountinfo);
/* Whether dir is a cell's cgroup of app name: ".../sandgate/NAME-DIGITS". */
bool sg_cgroup_dir_is_cell(const char *dir, const char *name);

#endif
