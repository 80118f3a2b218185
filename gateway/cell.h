/* A cell as the gateway sees it: the zygote's pid and pidfd, the control
 * and dispatch sockets, the shared scoreboard, and the routed requests
 * handed to it and not yet finished (the gateway keeps a copy of each
 * client socket so it can answer 502 if the worker dies before replying). */
#ifndef SG_CELL_H
#define SG_CELL_H

#include "gateway.h"

struct sg_cgroup;

enum sg_cell_state {
	SG_CELL_STARTING, /* zygote importing the app */
	SG_CELL_READY,    /* serving */
	SG_CELL_DRAINING, /* replaced or stopping: finishing in-flight requests */
};

struct sg_pending {
	uint64_t id;
	int fd;
	enum sg_proto proto;
	uint64_t deadline_ms; /* past the app's timeout and the kill that follows it */
	uint64_t queue_deadline_ms; /* queue_timeout: waited too long for the cell */
};

struct sg_cell {
	struct sg_app *app;
	struct sg_gateway *gw;
	struct sg_cell *next_live; /* gw->cells list */
	enum sg_cell_state state;
	pid_t pid;
	struct sg_watch pidw;  /* pidfd: readable when the zygote exits */
	struct sg_watch ctlw;  /* gateway end of SG_FD_CTL */
	struct sg_watch dispw; /* gateway end of SG_FD_DISPATCH */
	/* Shared with the cell, so writable by app code: read it for what the
	 * workers report, never for sizes (nslots is the gateway's own). */
	struct sg_scoreboard *sb;
	size_t sb_size;
	uint32_t nslots;
	int32_t *timeout_sent; /* per slot: pid already told to time out */
	int n_pending;
	int cap_pending;       /* processes + queue */
	struct sg_pending *pending;
	uint64_t started_ms;
	uint64_t drain_deadline_ms;
	struct sg_cgroup *cgroup; /* the cell's limits (sandbox/cgroup.h), or NULL */
	bool import_failed;       /* the zygote said SG_CTL_IMPORT_FAILED */
	/* A CGI app's roots as bound at the start (0 when absent), so that a
	 * root replaced or created since is noticed (cgi_route.c). */
	uint64_t root_dev[SG_MAX_CGI_ROOTS], root_ino[SG_MAX_CGI_ROOTS];
	uint64_t seen_served;     /* idle_timeout: the scoreboard's served total last tick */
};

/* dispatch.c */
void sg_pending_finish(struct sg_cell *c, uint64_t id, int reply_status);
void sg_pending_fail_all(struct sg_cell *c, int status);
void sg_dispatch_readable(struct sg_watch *w, uint32_t events);
void sg_pending_expire(struct sg_cell *c, uint64_t now);

/* on_demand.c: idle_timeout's activity check, once per tick. */
void sg_app_idle_tick(struct sg_app *app, uint64_t now);

#endif
