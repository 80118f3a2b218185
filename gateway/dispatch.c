/* Routed requests: the gateway hands the client socket and the parsed head
 * to the cell over its dispatch socket (SCM_RIGHTS), where an idle worker
 * picks it up. The gateway keeps its own copy of the client socket until
 * the worker reports the request done, so that it can still answer 502 if
 * the worker dies first. The body and the response never pass through
 * here. */
#include "cell.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include "log.h"
#include "reply.h"

/* The worker is killed at the app's timeout (cell.c) and the zygote says
 * so; a request still held after this much more was lost on the way (say,
 * app code closed the worker's dispatch socket): let its socket go. */
#define PENDING_GRACE_MS 10000

static void pending_remove(struct sg_cell *c, int i)
{
	c->pending[i] = c->pending[--c->n_pending];
}

void sg_pending_finish(struct sg_cell *c, uint64_t id, int reply_status)
{
	for (int i = 0; i < c->n_pending; i++) {
		if (c->pending[i].id != id)
			continue;
		if (reply_status != 0)
			sg_reply_send(c->pending[i].fd, c->pending[i].proto, reply_status);
		close(c->pending[i].fd);
		pending_remove(c, i);
		return;
	}
}

/* The done notes still queued from a cell that has exited. Its pidfd and
 * its dispatch socket can be ready in the same batch, the pidfd first: a
 * request whose worker finished and exited just before the zygote (a
 * drain) is done, not to be answered 502 on top of its response. Bounded,
 * as app code may have filled the socket. */
static void take_done_notes(struct sg_cell *c)
{
	struct sg_done done;
	size_t n;
	for (int i = 0; i < 4 * c->cap_pending + 64 &&
	     (n = sg_watch_recv_msg(&c->gw->loop, &c->dispw, &done, sizeof done)) > 0; i++)
		if (n == sizeof done)
			sg_pending_finish(c, done.request_id, 0);
}

/* A dead cell: nothing it held was answered, unless the worker had begun
 * a response (the scoreboard says so), in which case it is cut short. */
void sg_pending_fail_all(struct sg_cell *c, int status)
{
	take_done_notes(c);
	for (int i = 0; i < c->n_pending; i++) {
		bool started = false;
		for (uint32_t s = 0; s < c->nslots; s++)
			if (atomic_load(&c->sb->slot[s].request_id) == c->pending[i].id)
				started = atomic_load(&c->sb->slot[s].response_started) != 0;
		if (!started)
			sg_reply_send(c->pending[i].fd, c->pending[i].proto, status);
		close(c->pending[i].fd);
	}
	c->n_pending = 0;
}

/* A cell still starting, with no worker forked yet: nobody can have taken
 * a request, so the gateway answers those past queue_timeout itself. Once
 * workers exist, they answer 503 to what they find past it (worker.c). The
 * shutdown makes a worker's late write to the socket fail. */
static bool starting_without_workers(const struct sg_cell *c)
{
	if (c->state != SG_CELL_STARTING)
		return false;
	for (uint32_t s = 0; s < c->nslots; s++)
		if (atomic_load(&c->sb->slot[s].pid) != 0)
			return false;
	return true;
}

static void expire_queued(struct sg_cell *c, uint64_t now)
{
	if (!starting_without_workers(c))
		return;
	for (int i = 0; i < c->n_pending;) {
		if (now < c->pending[i].queue_deadline_ms) {
			i++;
			continue;
		}
		sg_warn("app %s: 503 for a request: its cell did not start within queue_timeout "
			"(%d s)", c->app->conf.name, c->app->conf.queue_timeout);
		sg_reply_send(c->pending[i].fd, c->pending[i].proto, 503);
		shutdown(c->pending[i].fd, SHUT_RDWR);
		close(c->pending[i].fd);
		pending_remove(c, i);
	}
}

void sg_pending_expire(struct sg_cell *c, uint64_t now)
{
	expire_queued(c, now);
	for (int i = 0; i < c->n_pending;) {
		if (now < c->pending[i].deadline_ms) {
			i++;
			continue;
		}
		sg_warn("app %s: request %llu never reported done; closing its connection",
			c->app->conf.name, (unsigned long long)c->pending[i].id);
		close(c->pending[i].fd);
		pending_remove(c, i);
	}
}

void sg_dispatch_readable(struct sg_watch *w, uint32_t events)
{
	struct sg_cell *c = sg_container_of(w, struct sg_cell, dispw);
	struct sg_done done;
	size_t n;
	(void)events;
	/* Bounded per wakeup, so one cell cannot hold the loop. */
	for (int i = 0; i < 64 && (n = sg_watch_recv_msg(&c->gw->loop, w, &done, sizeof done)) > 0;
	     i++)
		if (n == sizeof done)
			sg_pending_finish(c, done.request_id, 0);
}

static int send_to_cell(struct sg_cell *c, int fd, const struct sg_dispatch *d, const char *env)
{
	struct iovec iov[2] = {
		{ .iov_base = (void *)d, .iov_len = sizeof *d },
		{ .iov_base = (void *)env, .iov_len = d->env_len },
	};
	union {
		struct cmsghdr align;
		char buf[CMSG_SPACE(sizeof(int))];
	} ctl;
	memset(&ctl, 0, sizeof ctl);
	struct msghdr msg = { .msg_iov = iov, .msg_iovlen = 2, .msg_control = ctl.buf,
			      .msg_controllen = sizeof ctl.buf };
	struct cmsghdr *cm = CMSG_FIRSTHDR(&msg);
	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cm), &fd, sizeof fd);
	ssize_t n;
	do
		n = sendmsg(c->dispw.fd, &msg, MSG_DONTWAIT | MSG_NOSIGNAL);
	while (n < 0 && errno == EINTR);
	return n < 0 ? -1 : 0;
}

void sg_dispatch(struct sg_app *app, int fd, enum sg_proto proto, const char *env,
		 size_t env_len)
{
	sg_app_demand(app, sg_now_ms()); /* an idle on-demand app: start its cell */
	struct sg_cell *c = app->cell;
	const char *why = NULL;
	if (c == NULL && sg_app_failed(app)) {
		sg_warn("app %s: 503 for a request: the app failed to start %d time%s in a row "
			"(last error: %s); it is retried only after a reload", app->conf.name,
			app->failures, app->failures == 1 ? "" : "s", app->start_error);
		sg_reply_send(fd, proto, 503);
		close(fd);
		return;
	}
	if (!sg_cell_accepting(c) || c->dispw.fd < 0)
		why = "no cell is serving it";
	else if (c->n_pending >= c->cap_pending)
		why = "its queue is full";
	else if (env_len > SG_DISPATCH_MAX - sizeof(struct sg_dispatch))
		why = "the request head is too large";
	if (why == NULL) {
		uint64_t now = sg_now_ms();
		struct sg_dispatch d = { .magic = SG_DISPATCH_MAGIC, .proto = (uint32_t)proto,
					 .request_id = ++app->gw->next_request_id,
					 .env_len = (uint32_t)env_len, .body_len = 0,
					 .queue_deadline_ms = now + (uint64_t)app->conf.queue_timeout * 1000 };
		if (send_to_cell(c, fd, &d, env) == 0) {
			uint64_t deadline = d.queue_deadline_ms + (uint64_t)app->conf.timeout * 1000 +
					    PENDING_GRACE_MS;
			c->pending[c->n_pending++] = (struct sg_pending){ d.request_id, fd, proto, deadline,
									  d.queue_deadline_ms };
			return;
		}
		why = errno == EAGAIN ? "its dispatch socket is full" : strerror(errno);
	}
	sg_warn("app %s: 503 for a request: %s", app->conf.name, why);
	sg_reply_send(fd, proto, 503);
	close(fd);
}
