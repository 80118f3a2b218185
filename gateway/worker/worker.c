#include "gateway/worker/worker.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "gateway/log.h"
#include "gateway/worker/canned.h"
#include "gateway/worker/cgi_serve.h"
#include "gateway/worker/conn.h"
#include "gateway/worker/io.h"
#include "gateway/worker/log_stream.h"
#include "gateway/worker/request.h"
#include "gateway/worker/scoreboard.h"
#include "gateway/worker/signals.h"

#define MAX_READ_TIMEOUT_S 60

static char *conn_buf; /* the head (direct) or the dispatch message (routed) */
static int wait_fd = -1; /* this worker's epoll set: dispatch and listening socket */

_Noreturn static void leave(int code)
{
	sg_log_stream_flush_all();
	_exit(code);
}

static void send_done(uint64_t request_id, int status, int exit_status)
{
	struct sg_done done = { .request_id = request_id, .status = (uint32_t)status,
				.exit_status = exit_status };
	ssize_t n;
	do
		n = send(SG_FD_DISPATCH, &done, sizeof done, MSG_NOSIGNAL);
	while (n < 0 && errno == EINTR);
	if (n != (ssize_t)sizeof done)
		sg_error("cannot report request %llu done: %s", (unsigned long long)request_id,
			 n < 0 ? strerror(errno) : "short send");
}

/* Returns true when a request was served. */
static bool serve_direct(const struct sg_server *srv)
{
	int fd = accept4(SG_FD_LISTEN, NULL, NULL, SOCK_CLOEXEC);
	if (fd < 0) {
		if (errno == EAGAIN || errno == EINTR || errno == ECONNABORTED)
			return false; /* another worker won it */
		if (errno == EBADF || errno == ENOTSOCK || errno == EINVAL) {
			/* The app closed or replaced fd 6: epoll would go on
			 * reporting the socket it still watches. */
			sg_error("descriptor %d is not the listening socket: %s", SG_FD_LISTEN,
				 strerror(errno));
			leave(3);
		}
		sg_warn("accept: %s", strerror(errno));
		if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM)
			usleep(100 * 1000); /* do not spin while the condition lasts */
		return false;
	}
	/* Busy from the first byte, so a slow sender meets the gateway's timeout. */
	sg_slot_busy(srv->slot, 0);
	sg_signals_request(fd, SG_PROTO_SCGI);
	struct sg_request req = { .fd = fd };
	struct sg_error err;
	if (sg_direct_read_head(&req, conn_buf, SG_DIRECT_BUF, srv->read_timeout_ms, &err) < 0) {
		sg_signals_request(-1, 0);
		sg_info("closed an SCGI connection without a response: %s", err.msg); /* S1 */
		close(fd);
		sg_slot_idle(srv->slot);
		return true;
	}
	sg_request_serve(srv, &req);
	sg_slot_idle(srv->slot);
	return true;
}

/* A routed request that waited past the app's queue_timeout (for the cell
 * to start, or for a free worker) gets 503 rather than a late answer. */
static bool too_late(const struct sg_request *req)
{
	if (!sg_request_too_late(req))
		return false;
	sg_canned_write(req->fd, sg_canned_get(req->proto, 503), false);
	close(req->fd);
	return true;
}

/* The stack below the caller's frame still holds what a request's calls
 * left there (formatted log lines, parsed headers). */
__attribute__((noinline)) static void scrub_stack(void)
{
	char area[64 * 1024];
	explicit_bzero(area, sizeof area);
}

/* The next script's Python process is a fork of this worker: nothing of
 * this request may be left in its memory - the dispatch message, the
 * pump's buffers, the stack. Nor in the worker's own, which the zygote
 * makes non-dumpable so that no script can read it through /proc. */
static void forget_cgi_request(void)
{
	explicit_bzero(conn_buf, SG_ROUTED_BUF);
	sg_cgi_pump_forget();
	scrub_stack();
}

static bool serve_routed(const struct sg_server *srv)
{
	struct sg_request req = { .fd = -1 };
	switch (sg_routed_recv(SG_FD_DISPATCH, conn_buf, SG_ROUTED_BUF, srv->args->cgi, &req)) {
	case SG_RECV_NONE: /* nothing, or a message dropped */
		if (srv->args->cgi)
			explicit_bzero(conn_buf, SG_ROUTED_BUF);
		return false;
	case SG_RECV_CLOSED:
		sg_info("the gateway closed the dispatch socket");
		leave(0);
	case SG_RECV_OK:
		break;
	}
	sg_slot_busy(srv->slot, req.request_id);
	int status, exit_status = 0;
	if (srv->args->cgi) {
		status = sg_cgi_serve(srv, &req, &exit_status);
		forget_cgi_request();
	} else
		status = too_late(&req) ? 503 : sg_request_serve(srv, &req);
	send_done(req.request_id, status, exit_status); /* before IDLE: the gateway counts on it */
	sg_slot_idle(srv->slot);
	/* After a timeout the zygote kills a worker that is still there 2 s
	 * later (pool.c): a CGI worker has killed the script already, and
	 * leaves rather than race that. */
	if (srv->args->cgi && sg_signals_timed_out()) {
		sg_info("leaving after a timed-out script; the zygote forks a new worker");
		leave(0);
	}
	return true;
}

/* SIGTERM (the cell drains or stops): the gateway sends this cell nothing
 * new, but the routed requests it queued before are served, so none of
 * them becomes a 502. The queue only shrinks now: empty means done. New
 * direct-path connections are left in the socket's backlog, which the
 * replacing cell's workers share. */
_Noreturn static void finish_and_leave(const struct sg_server *srv)
{
	sg_signals_idle(false);
	while (serve_routed(srv))
		;
	leave(0);
}

/* All the workers of a cell wait on the same dispatch and listening
 * sockets, each through an epoll set of its own, made after the fork.
 * With poll() every event woke every idle worker, and all but one then
 * found nothing (accept4: EAGAIN). With EPOLLEXCLUSIVE in every set an
 * event wakes one idle worker, always the first that registered, on the
 * CPU it last ran on; on a VM that vCPU has usually halted meanwhile, and
 * waiting for it to wake cost 12 % of hello's throughput at 1 connection.
 * So the worker of slot 0 registers without EPOLLEXCLUSIVE: an event wakes
 * it and one other idle worker, never more, and whichever runs first takes
 * the request. The one woken in vain costs about 4 % at 32 connections
 * (docs/performance.md, "One worker races the others"). */
static int wait_setup(const struct sg_worker_args *args, bool races, struct sg_error *err)
{
	wait_fd = epoll_create1(EPOLL_CLOEXEC);
	if (wait_fd < 0)
		return sg_fail_errno(err, "epoll_create1");
	int fds[2] = { SG_FD_DISPATCH, SG_FD_LISTEN };
	for (int i = 0; i < (args->listen_fd ? 2 : 1); i++) {
		struct epoll_event ev = { .events = EPOLLIN | (races ? 0 : EPOLLEXCLUSIVE),
					  .data.fd = fds[i] };
		if (epoll_ctl(wait_fd, EPOLL_CTL_ADD, fds[i], &ev) < 0)
			return sg_fail_errno(err, "descriptor %d", fds[i]);
	}
	return 0;
}

/* Waits for a connection or a dispatch message; SIGTERM here exits at once
 * when nothing is queued (signals.c), else ends the wait.
 * Alternates which source goes first so neither starves the other. */
static bool wait_and_serve(const struct sg_server *srv, bool *direct_first)
{
	struct epoll_event ev[2];
	sg_signals_idle(true);
	if (sg_signals_stop_requested())
		finish_and_leave(srv);
	int r;
	Py_BEGIN_ALLOW_THREADS
	r = epoll_wait(wait_fd, ev, 2, -1);
	Py_END_ALLOW_THREADS
	sg_signals_idle(false);
	if (r < 0)
		return false;
	bool routed = false, direct = false;
	for (int i = 0; i < r; i++) {
		if (ev[i].data.fd == SG_FD_LISTEN)
			direct = true;
		else
			routed = true;
	}
	*direct_first = !*direct_first;
	if (direct && (*direct_first || !routed))
		return serve_direct(srv);
	return routed && serve_routed(srv);
}

_Noreturn void sg_worker_run(const struct sg_worker_args *args, struct sg_slot *slot,
			     int slot_index, PyObject *app)
{
	pid_t pid = getpid();
	char tag[SG_WORKER_NAME_MAX + 16];
	snprintf(tag, sizeof tag, "%s %d", args->name, (int)pid);
	sg_log_init(tag, args->log_level);
	sg_log_stream_set_pid(pid);

	struct sg_error err;
	conn_buf = malloc(SG_DIRECT_BUF > SG_ROUTED_BUF ? SG_DIRECT_BUF : SG_ROUTED_BUF);
	bool races = slot_index == 0; /* see wait_setup() */
	if (conn_buf == NULL || wait_setup(args, races, &err) < 0 || sg_request_setup(&err) < 0 ||
	    sg_signals_init(sg_log_stream_prefix(), args->timeout, slot, &err) < 0 ||
	    (args->cgi && (sg_cgi_pump_setup(&err) < 0 || sg_cgi_reap_setup(&err) < 0))) {
		sg_error("worker setup: %s", conn_buf == NULL ? "out of memory" : err.msg);
		leave(3);
	}
	sg_signals_cgi(args->cgi);
	atomic_store(&slot->pid, pid);
	atomic_store(&slot->state, SG_SLOT_IDLE);

	int read_timeout = args->timeout < MAX_READ_TIMEOUT_S ? args->timeout : MAX_READ_TIMEOUT_S;
	struct sg_server srv = {
		.args = args,
		.slot = slot,
		.app = app,
		.read_timeout_ms = read_timeout * 1000,
		.access_log_fd = args->access_log ? SG_FD_ACCESS : -1,
	};
	uint64_t served = 0;
	bool direct_first = false;
	for (;;) {
		if (!wait_and_serve(&srv, &direct_first))
			continue;
		served++;
		if (args->max_requests > 0 && served >= args->max_requests) {
			sg_info("served %llu requests; recycling", (unsigned long long)served);
			leave(0);
		}
		if (sg_signals_stop_requested())
			finish_and_leave(&srv);
	}
}
