#include "gateway/worker/pool.h"

#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "gateway/log.h"
#include "gateway/worker/cgi_serve.h"
#include "gateway/worker/ctl.h"
#include "gateway/worker/io.h"
#include "gateway/worker/scoreboard.h"
#include "gateway/worker/worker.h"

#define KILL_DELAY_MS 2000
#define QUICK_DEATH_MS 1000
#define BACKOFF_FIRST_MS 100
#define BACKOFF_MAX_MS 10000

static int spawn(struct sg_pool *pool, int i)
{
	struct sg_pool_slot *s = &pool->slot[i];
	s->respawn = false;
	PyOS_BeforeFork();
	pid_t pid = fork();
	if (pid == 0) {
		PyOS_AfterFork_Child();
		/* A worker runs requests, not the cell: the control socket and the
		 * scoreboard's descriptor (its mapping stays) are the zygote's. */
		close(pool->close_in_child);
		close(SG_FD_CTL);
		close(SG_FD_SCOREBOARD);
		sg_worker_run(pool->args, &pool->board->slot[i], i, pool->app);
	}
	PyOS_AfterFork_Parent();
	if (pid < 0) {
		sg_error("fork for slot %d: %s", i, strerror(errno));
		s->respawn = true;
		s->respawn_at_ms = sg_now_ms() + BACKOFF_MAX_MS;
		return -1;
	}
	s->pid = pid;
	s->born_ms = s->busy_ms = sg_now_ms();
	s->retiring = false;
	atomic_store(&pool->board->slot[i].pid, pid);
	sg_debug("worker %d started in slot %d", (int)pid, i);
	return 0;
}

int sg_pool_start(struct sg_pool *pool)
{
	int started = 0;
	for (int i = 0; i < pool->n; i++) {
		sg_slot_clear(&pool->board->slot[i]);
		if (i < pool->min && spawn(pool, i) == 0)
			started++;
	}
	return started > 0 ? 0 : -1;
}

/* Workers that die right after birth are respawned later and later. */
static void schedule_respawn(struct sg_pool_slot *s, uint64_t now)
{
	if (now - s->born_ms < QUICK_DEATH_MS)
		s->quick_deaths++;
	else
		s->quick_deaths = 0;
	uint64_t delay = 0;
	if (s->quick_deaths > 0) {
		unsigned shift = s->quick_deaths - 1 < 10 ? s->quick_deaths - 1 : 10;
		delay = (uint64_t)BACKOFF_FIRST_MS << shift;
		delay = delay < BACKOFF_MAX_MS ? delay : BACKOFF_MAX_MS;
		sg_warn("workers keep dying at once; next one in %llu ms",
			(unsigned long long)delay);
	}
	s->respawn = true;
	s->respawn_at_ms = now + delay;
}

static void worker_exited(struct sg_pool *pool, int i, int status)
{
	struct sg_pool_slot *s = &pool->slot[i];
	struct sg_slot *board = &pool->board->slot[i];
	if (WIFSIGNALED(status))
		sg_info("worker %d (slot %d) killed by signal %d", (int)s->pid, i, WTERMSIG(status));
	else if (WEXITSTATUS(status) != 0)
		sg_info("worker %d (slot %d) exited with %d", (int)s->pid, i, WEXITSTATUS(status));
	sg_ctl_send(SG_CTL_WORKER_EXIT, i, s->pid, status, atomic_load(&board->request_id),
		    atomic_load(&board->response_started));
	sg_slot_clear(board);
	s->pid = 0;
	s->kill_pid = 0;
	if (!pool->draining && !s->retiring)
		schedule_respawn(s, sg_now_ms());
	s->retiring = false;
}

static void kill_cgi_strays(const struct sg_pool *pool)
{
	pid_t workers[SG_MAX_WORKERS];
	for (int i = 0; i < pool->n; i++)
		workers[i] = pool->slot[i].pid;
	sg_cgi_kill_strays(workers, pool->n);
}

void sg_pool_reap(struct sg_pool *pool)
{
	bool reaped = false;
	for (;;) {
		int status;
		pid_t pid = waitpid(-1, &status, WNOHANG);
		if (pid < 0 && errno == EINTR)
			continue;
		if (pid <= 0)
			break;
		reaped = true;
		for (int i = 0; i < pool->n; i++) {
			if (pool->slot[i].pid == pid) {
				worker_exited(pool, i, status);
				break;
			}
		}
	}
	if (reaped && pool->args->cgi)
		kill_cgi_strays(pool);
}

void sg_pool_timeout(struct sg_pool *pool, int slot, pid_t pid)
{
	if (slot < 0 || slot >= pool->n || pid <= 0 || pool->slot[slot].pid != pid ||
	    atomic_load(&pool->board->slot[slot].state) != SG_SLOT_BUSY) {
		sg_debug("timeout for slot %d pid %d: no such busy worker", slot, (int)pid);
		return;
	}
	sg_info("request in worker %d (slot %d) timed out", (int)pid, slot);
	kill(pid, SIGUSR1);
	pool->slot[slot].kill_pid = pid;
	pool->slot[slot].kill_at_ms = sg_now_ms() + KILL_DELAY_MS;
}

void sg_pool_drain(struct sg_pool *pool)
{
	if (!pool->draining)
		sg_info("draining: workers finish their requests, then exit");
	pool->draining = true;
	for (int i = 0; i < pool->n; i++) {
		pool->slot[i].respawn = false;
		if (pool->slot[i].pid > 0)
			kill(pool->slot[i].pid, SIGTERM);
	}
}

void sg_pool_kill_all(struct sg_pool *pool)
{
	for (int i = 0; i < pool->n; i++)
		if (pool->slot[i].pid > 0)
			kill(pool->slot[i].pid, SIGKILL);
}

int sg_pool_live(const struct sg_pool *pool)
{
	int live = 0;
	for (int i = 0; i < pool->n; i++)
		live += pool->slot[i].pid > 0;
	return live;
}

int sg_pool_next_timeout(const struct sg_pool *pool)
{
	uint64_t now = sg_now_ms(), next = UINT64_MAX;
	for (int i = 0; i < pool->n; i++) {
		const struct sg_pool_slot *s = &pool->slot[i];
		if (s->respawn && s->respawn_at_ms < next)
			next = s->respawn_at_ms;
		if (s->kill_pid > 0 && s->kill_at_ms < next)
			next = s->kill_at_ms;
	}
	if (next == UINT64_MAX)
		return -1;
	return next <= now ? 0 : (int)(next - now);
}

void sg_pool_tick(struct sg_pool *pool)
{
	uint64_t now = sg_now_ms();
	for (int i = 0; i < pool->n; i++) {
		struct sg_pool_slot *s = &pool->slot[i];
		if (s->kill_pid > 0 && now >= s->kill_at_ms) {
			if (s->pid == s->kill_pid) {
				sg_warn("worker %d still alive after its timeout; SIGKILL", (int)s->pid);
				kill(s->pid, SIGKILL);
			}
			s->kill_pid = 0;
		}
		if (s->respawn && now >= s->respawn_at_ms && !pool->draining)
			spawn(pool, i);
	}
}

/* Dynamic workers. "Busy" comes from the scoreboard, which workers (app
 * code) write: a lying app can only make its own cell fork up to n or
 * retire down to min. */
static bool scale_up(struct sg_pool *pool, bool work_waiting)
{
	int live = 0, busy = 0, free_slot = -1;
	for (int i = 0; i < pool->n; i++) {
		struct sg_pool_slot *s = &pool->slot[i];
		if (s->pid > 0 && !s->retiring) {
			live++;
			busy += atomic_load(&pool->board->slot[i].state) == SG_SLOT_BUSY;
		} else if (s->pid == 0 && !s->respawn && free_slot < 0) {
			free_slot = i;
		}
	}
	if (!work_waiting || busy < live || free_slot < 0)
		return false;
	sg_info("all %d workers busy and work waiting: one more (at most %d)", live, pool->n);
	return spawn(pool, free_slot) == 0;
}

static bool retire_one(struct sg_pool *pool, uint64_t now)
{
	int planned = 0, idle = -1;
	for (int i = 0; i < pool->n; i++) {
		struct sg_pool_slot *s = &pool->slot[i];
		planned += (s->pid > 0 && !s->retiring) || s->respawn;
		if (s->pid > 0 && !s->retiring && now - s->busy_ms >= SG_POOL_RETIRE_MS)
			idle = i;
	}
	if (planned <= pool->min || idle < 0)
		return false;
	struct sg_pool_slot *s = &pool->slot[idle];
	sg_info("worker %d (slot %d) idle for %d s: retiring it (%d kept at least)", (int)s->pid,
		idle, SG_POOL_RETIRE_MS / 1000, pool->min);
	s->retiring = true;
	kill(s->pid, SIGTERM);
	return true;
}

void sg_pool_scale(struct sg_pool *pool, bool work_waiting)
{
	uint64_t now = sg_now_ms();
	if (pool->min >= pool->n || pool->draining)
		return;
	for (int i = 0; i < pool->n; i++)
		if (pool->slot[i].pid > 0 &&
		    atomic_load(&pool->board->slot[i].state) == SG_SLOT_BUSY)
			pool->slot[i].busy_ms = now;
	if (now - pool->scaled_ms < SG_POOL_SCALE_MS)
		return;
	if (scale_up(pool, work_waiting) || retire_one(pool, now))
		pool->scaled_ms = now;
}
