/* Routed requests: the gateway hands the client socket and the parsed head
 * to the cell over its dispatch socket (SCM_RIGHTS), where an idle worker
 * picks it up. The gateway keeps its own copy of the client socket until
 * the worker reports the request done, so that it can still answer 502 if
 * the worker dies first. The body and the response never pass through
 * here.
 *
 * CGI jobs (cgi.h) go the same way with the script's environment and a
 * struct sg_cgi_script; from the launcher socket, the descriptors are the
 * web server's stdin, stdout and stderr, and what the gateway keeps is the
 * launcher's connection, which gets verdicts instead of bytes (reply.c). */
#include "cell.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include "cgi.h"
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

static int pending_find(const struct sg_cell *c, uint64_t id)
{
	for (int i = 0; i < c->n_pending; i++)
		if (c->pending[i].id == id)
			return i;
	return -1;
}

/* A launcher is told how its script ended even when the worker died
 * without a done note: it waits for a final verdict. */
void sg_pending_finish(struct sg_cell *c, uint64_t id, int reply_status)
{
	int i = pending_find(c, id);
	if (i < 0)
		return;
	if (c->pending[i].proto == SG_PROTO_CGI_LAUNCH)
		sg_reply_verdict(c->pending[i].fd, SG_CGI_FAILED, reply_status, 0,
				 SG_CGI_EXIT_SOFTWARE, "the worker running the script died "
						       "(the CGI app's log says more)");
	else if (reply_status != 0)
		sg_reply_send(c->pending[i].fd, c->pending[i].proto, reply_status);
	close(c->pending[i].fd);
	pending_remove(c, i);
}

/* The worker's done note: for a launcher, the final verdict (RAN with the
 * script's wait status, or FAILED when no script ran). */
static void pending_done(struct sg_cell *c, const struct sg_done *done)
{
	int i = pending_find(c, done->request_id);
	if (i < 0)
		return;
	if (c->pending[i].proto == SG_PROTO_CGI_LAUNCH) {
		int http = done->status <= 599 ? (int)done->status : 500;
		if (done->exit_status >= 0)
			sg_reply_verdict(c->pending[i].fd, SG_CGI_RAN, http, done->exit_status, 0,
					 "");
		else
			sg_reply_verdict(c->pending[i].fd, SG_CGI_FAILED, http, 0,
					 http == 503 ? SG_CGI_EXIT_UNAVAILABLE : SG_CGI_EXIT_SOFTWARE,
					 "the script did not run (the CGI app's log says why)");
	}
	close(c->pending[i].fd);
	pending_remove(c, i);
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
			pending_done(c, &done);
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
		if (c->pending[i].proto == SG_PROTO_CGI_LAUNCH)
			sg_reply_verdict(c->pending[i].fd, SG_CGI_FAILED, started ? 0 : status, 0,
					 SG_CGI_EXIT_SOFTWARE, "the CGI app's cell died (its log "
							       "says more)");
		else if (!started)
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
		if (c->pending[i].proto == SG_PROTO_CGI_LAUNCH)
			sg_reply_verdict(c->pending[i].fd, SG_CGI_FAILED, 0, 0, SG_CGI_EXIT_SOFTWARE,
					 "the worker never reported the script done");
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
			pending_done(c, &done);
}

/* One message: iov[0..niov) with fds[0..nfds) as SCM_RIGHTS (at most 3). */
static int send_to_cell(struct sg_cell *c, struct iovec *iov, int niov, const int *fds, int nfds)
{
	union {
		struct cmsghdr align;
		char buf[CMSG_SPACE(3 * sizeof(int))];
	} ctl;
	memset(&ctl, 0, sizeof ctl);
	struct msghdr msg = { .msg_iov = iov, .msg_iovlen = (size_t)niov, .msg_control = ctl.buf,
			      .msg_controllen = CMSG_SPACE((size_t)nfds * sizeof(int)) };
	struct cmsghdr *cm = CMSG_FIRSTHDR(&msg);
	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN((size_t)nfds * sizeof(int));
	memcpy(CMSG_DATA(cm), fds, (size_t)nfds * sizeof(int));
	ssize_t n;
	do
		n = sendmsg(c->dispw.fd, &msg, MSG_DONTWAIT | MSG_NOSIGNAL);
	while (n < 0 && errno == EINTR);
	return n < 0 ? -1 : 0;
}

/* Sends iov[1..niov) behind a struct sg_dispatch (iov[0], filled here;
 * iov[1] is the env block) with fds, and keeps keep_fd as the request's
 * pending entry. On failure keep_fd is answered 503 and closed. Either way
 * the caller still owns fds (for a routed request keep_fd is fds[0]). */
static bool dispatch_msg(struct sg_app *app, enum sg_proto proto, struct iovec *iov, int niov,
			 const int *fds, int nfds, int keep_fd)
{
	sg_app_demand(app, sg_now_ms()); /* an idle on-demand app: start its cell */
	struct sg_cell *c = app->cell;
	const char *why = NULL;
	if (c == NULL && sg_app_failed(app)) {
		sg_warn("app %s: 503 for a request: the app failed to start %d time%s in a row "
			"(last error: %s); it is retried only after a reload", app->conf.name,
			app->failures, app->failures == 1 ? "" : "s", app->start_error);
		sg_reply_send(keep_fd, proto, 503);
		close(keep_fd);
		return false;
	}
	size_t len = sizeof(struct sg_dispatch);
	for (int i = 1; i < niov; i++)
		len += iov[i].iov_len;
	if (!sg_cell_accepting(c) || c->dispw.fd < 0)
		why = "no cell is serving it";
	else if (c->n_pending >= c->cap_pending)
		why = "its queue is full";
	else if (len > SG_DISPATCH_MAX)
		why = "the request head is too large";
	if (why == NULL) {
		uint64_t now = sg_now_ms();
		struct sg_dispatch d = { .magic = SG_DISPATCH_MAGIC, .proto = (uint32_t)proto,
					 .request_id = ++app->gw->next_request_id,
					 .env_len = (uint32_t)iov[1].iov_len, .body_len = 0,
					 .queue_deadline_ms = now + (uint64_t)app->conf.queue_timeout * 1000 };
		iov[0] = (struct iovec){ .iov_base = &d, .iov_len = sizeof d };
		if (send_to_cell(c, iov, niov, fds, nfds) == 0) {
			uint64_t deadline = d.queue_deadline_ms + (uint64_t)app->conf.timeout * 1000 +
					    PENDING_GRACE_MS;
			c->pending[c->n_pending++] = (struct sg_pending){ d.request_id, keep_fd, proto,
									  deadline,
									  d.queue_deadline_ms };
			return true;
		}
		why = errno == EAGAIN ? "its dispatch socket is full" : strerror(errno);
	}
	sg_warn("app %s: 503 for a request: %s", app->conf.name, why);
	sg_reply_send(keep_fd, proto, 503);
	close(keep_fd);
	return false;
}

void sg_dispatch(struct sg_app *app, int fd, enum sg_proto proto, const char *env,
		 size_t env_len)
{
	struct iovec iov[2] = { { 0 }, { .iov_base = (void *)env, .iov_len = env_len } };
	dispatch_msg(app, proto, iov, 2, &fd, 1, fd);
}

void sg_dispatch_cgi(struct sg_app *app, enum sg_proto proto, const int *fds, int nfds,
		     int keep_fd, const struct sg_cgi_job *job)
{
	size_t path_len = strnlen(job->script, sizeof job->script);
	struct sg_cgi_script script = { .magic = SG_CGI_SCRIPT_MAGIC, .flags = job->flags,
					.dev = job->dev, .ino = job->ino,
					.path_len = (uint32_t)path_len };
	struct iovec iov[4] = {
		{ 0 },
		{ .iov_base = job->env, .iov_len = job->env_len },
		{ .iov_base = &script, .iov_len = sizeof script },
		{ .iov_base = (void *)job->script, .iov_len = path_len },
	};
	bool sent = false;
	if (nfds < 1 || nfds > 3 || path_len == 0 || path_len >= sizeof job->script ||
	    job->env_len > SG_CGI_ENV_MAX) {
		sg_warn("app %s: 500 for a CGI job the gateway built wrong", app->conf.name);
		sg_reply_send(keep_fd, proto, 500);
		close(keep_fd);
	} else {
		sent = dispatch_msg(app, proto, iov, 4, fds, nfds, keep_fd);
	}
	for (int i = 0; i < nfds; i++)
		close(fds[i]);
	/* Queued: the launcher lets go of its stdout (cgi_launch_proto.h). */
	if (sent && proto == SG_PROTO_CGI_LAUNCH)
		sg_reply_verdict(keep_fd, SG_CGI_ACCEPTED, 0, 0, 0, "");
}
