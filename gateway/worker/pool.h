/* The zygote's workers: one per scoreboard slot, forked from the warm
 * interpreter, respawned with a backoff when they die, killed on timeout,
 * stopped on drain. The zygote trusts its own table, not the scoreboard,
 * which the app's code could write to. */
#ifndef SG_WORKER_POOL_H
#define SG_WORKER_POOL_H

#include "gateway/worker/py.h"

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "gateway/cellproto.h"
#include "gateway/worker/args.h"

struct sg_pool_slot {
	pid_t pid;             /* 0 = no worker */
	uint64_t born_ms;
	bool respawn;          /* waiting for respawn_at_ms */
	uint64_t respawn_at_ms;
	unsigned quick_deaths; /* in a row, each within a second of its birth */
	pid_t kill_pid;        /* timed out: SIGKILL at kill_at_ms if still there */
	uint64_t kill_at_ms;
	uint64_t busy_ms;      /* when it was last seen busy (or born) */
	bool retiring;         /* told to go (idle, above min): not respawned */
};

struct sg_pool {
	const struct sg_worker_args *args;
	struct sg_scoreboard *board;
	PyObject *app;
	int close_in_child;    /* the zygote's signalfd */
	bool draining;
	int n;                 /* slots: workers at most */
	int min;               /* workers kept when idle; n = a fixed count */
	uint64_t scaled_ms;    /* the last fork or retirement by sg_pool_scale */
	struct sg_pool_slot slot[SG_MAX_WORKERS];
};

/* Forks every worker. Returns 0, or -1 if not even one could be forked. */
int sg_pool_start(struct sg_pool *pool);

/* Reaps every exited child (workers and reparented orphans); reports and
 * respawns workers. */
void sg_pool_reap(struct sg_pool *pool);

/* SG_CTL_TIMEOUT: SIGUSR1 now, SIGKILL 2 s later if it is still there. */
void sg_pool_timeout(struct sg_pool *pool, int slot, pid_t pid);

/* Stops respawning and sends SIGTERM to every worker. */
void sg_pool_drain(struct sg_pool *pool);

void sg_pool_kill_all(struct sg_pool *pool);

int sg_pool_live(const struct sg_pool *pool);

/* Milliseconds until the next respawn or kill is due, -1 if none. */
int sg_pool_next_timeout(const struct sg_pool *pool);

/* Runs the respawns and kills that are due. */
void sg_pool_tick(struct sg_pool *pool);

/* min < n: between min and n workers. work_waiting: a connection or a
 * routed request is queued. Forks one more when every worker is busy and
 * work waits, or retires one idle for a while above min; at most one
 * change per SG_POOL_SCALE_MS. */
#define SG_POOL_SCALE_MS 200
#define SG_POOL_RETIRE_MS 5000
void sg_pool_scale(struct sg_pool *pool, bool work_waiting);

#endif
