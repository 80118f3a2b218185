/* The launcher socket (SG_LISTEN_CGI): sandgate-cgi connects, sends one
 * message (cgi_launch_proto.h) with the web server's stdin, stdout and
 * stderr, and waits for verdicts. Here: the peer check (frontends,
 * allow_uids), a cap on connections still reading, the message taken
 * within a deadline and a size bound, exactly three descriptors of kinds a
 * web server hands a CGI program; then cgi_route.c decides and dispatch.c
 * hands the job to the owner's cell, which keeps the connection for the
 * final verdict.
 *
 * A launcher sends its message right after connecting, so a connection
 * that has not sent it within LAUNCH_DEADLINE_MS gets a FAILED verdict and
 * is dropped. */
#include "gateway.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "cgi.h"
#include "cgi_launch_msg.h"
#include "listener.h"
#include "log.h"
#include "peer_check.h"
#include "reply.h"

#define LAUNCH_DEADLINE_MS 2000
/* Launchers still sending their message. Once dispatched, a connection
 * counts in its app's queue (processes + queue) instead. */
#define MAX_CGI_CONNS 256
/* Descriptors received at most: three, and room to see that there were
 * more (they are closed). */
#define MAX_FDS 8

#define NOT_PERMITTED "this uid may not use the launcher socket (frontends, allow_uids)"

struct sg_cgi_conn {
	struct sg_watch watch;
	struct sg_gateway *gw;
	struct sg_listener *l;
	struct sg_cgi_conn *prev, *next;
	uint64_t deadline_ms;
	uid_t uid;
	bool not_permitted; /* the peer check failed: refused once its message is in */
};

static void cgi_conn_unlink(struct sg_cgi_conn *c)
{
	sg_loop_del(&c->gw->loop, &c->watch);
	if (c->prev)
		c->prev->next = c->next;
	else
		c->gw->cgi_conns = c->next;
	if (c->next)
		c->next->prev = c->prev;
	c->gw->n_cgi_conns--;
	c->watch.fd = -1;
	sg_loop_defer_free(&c->gw->loop, c);
}

/* What a web server gives a CGI program: pipes, sockets, /dev/null or a
 * file. Never a directory or an O_PATH descriptor (the script would reach
 * the host's tree past its cell's view), nor another device (a terminal
 * takes TIOCSTI). */
static const char *fd_unfit(int fd)
{
	struct stat st;
	int fl = fcntl(fd, F_GETFL);
	if (fl < 0 || fstat(fd, &st) < 0)
		return "a descriptor that cannot be examined";
	if (fl & O_PATH)
		return "an O_PATH descriptor";
	if (S_ISFIFO(st.st_mode) || S_ISSOCK(st.st_mode) || S_ISREG(st.st_mode))
		return NULL;
	if (S_ISCHR(st.st_mode) && st.st_rdev == makedev(1, 3))
		return NULL; /* /dev/null */
	return S_ISDIR(st.st_mode) ? "a directory" : "a device other than /dev/null";
}

/* The descriptors of every SCM_RIGHTS message in msg, up to MAX_FDS. */
static int take_fds(struct msghdr *msg, int *fds)
{
	int n = 0;
	for (struct cmsghdr *cm = CMSG_FIRSTHDR(msg); cm != NULL; cm = CMSG_NXTHDR(msg, cm)) {
		if (cm->cmsg_level != SOL_SOCKET || cm->cmsg_type != SCM_RIGHTS)
			continue;
		size_t k = (cm->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		for (size_t i = 0; i < k && n < MAX_FDS; i++)
			memcpy(&fds[n++], CMSG_DATA(cm) + i * sizeof(int), sizeof(int));
	}
	return n;
}

static void close_fds(const int *fds, int n)
{
	for (int i = 0; i < n; i++)
		close(fds[i]);
}

/* Unix sockets: closing one with unread data in it resets the peer, and
 * the peer then loses what was queued for it, the verdict too. So what
 * the launcher sent is read (and its descriptors closed) first. A message
 * of 0 bytes may carry descriptors too: only 0 bytes without them is the
 * end. */
static void drain(int fd)
{
	char buf[64];
	union {
		struct cmsghdr align;
		char buf[CMSG_SPACE(MAX_FDS * sizeof(int))];
	} ctl;
	for (int i = 0; i < 4; i++) {
		struct iovec iov = { .iov_base = buf, .iov_len = sizeof buf };
		struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl.buf,
				      .msg_controllen = sizeof ctl.buf };
		int fds[MAX_FDS];
		ssize_t n = recvmsg(fd, &msg, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
		if (n < 0)
			return;
		close_fds(fds, take_fds(&msg, fds));
		if (n == 0 && msg.msg_controllen == 0)
			return;
	}
}

static void refuse(int fd, enum sg_cgi_outcome outcome, int http, int exit_code,
		   const char *reason)
{
	sg_reply_verdict(fd, outcome, http, 0, exit_code, reason);
	drain(fd);
	close(fd);
}

/* Refuses a malformed message: logged with the peer's uid, and the
 * launcher gets a FAILED verdict (500, exit 70). */
static void bad_message(const struct sg_listener *l, uid_t uid, int fd, const char *why)
{
	sg_warn("launcher on %s: refused a message from uid %ld: %s", l->conf.addr.text,
		(long)(int)uid, why);
	char reason[200];
	snprintf(reason, sizeof reason, "the gateway refused the launcher's message: %.150s",
		 why);
	refuse(fd, SG_CGI_FAILED, 500, SG_CGI_EXIT_SOFTWARE, reason);
}

/* The message is well-formed: decide, and run or refuse. Owns fd and fds. */
static void cgi_conn_launch(struct sg_gateway *gw, int fd, const int *fds, const char *env,
			    size_t env_len)
{
	struct sg_cgi_job job;
	if (sg_cgi_prepare(gw, SG_CGI_FROM_LAUNCHER, env, env_len, &job) < 0) {
		/* The checks' codes are suEXEC's (>= 100); the rest are failures. */
		refuse(fd, job.exit_code >= 100 ? SG_CGI_REFUSED : SG_CGI_FAILED,
		       job.http_status != 0 ? job.http_status : 500, job.exit_code, job.reason);
		close_fds(fds, 3);
	} else {
		sg_dispatch_cgi(job.app, SG_PROTO_CGI_LAUNCH, fds, 3, fd, &job);
	}
	sg_cgi_job_free(&job);
}

static void cgi_conn_readable(struct sg_watch *w, uint32_t events)
{
	struct sg_cgi_conn *c = sg_container_of(w, struct sg_cgi_conn, watch);
	static char buf[sizeof(struct sg_cgi_launch) + SG_CGI_ENV_MAX + 1];
	union {
		struct cmsghdr align;
		char buf[CMSG_SPACE(MAX_FDS * sizeof(int))];
	} ctl;
	(void)events;
	if (w->fd < 0)
		return; /* closed earlier in this batch */
	struct iovec iov = { .iov_base = buf, .iov_len = sizeof buf };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl.buf,
			      .msg_controllen = sizeof ctl.buf };
	ssize_t n = recvmsg(w->fd, &msg, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	int fd = w->fd;
	struct sg_gateway *gw = c->gw;
	const struct sg_listener *l = c->l;
	uid_t uid = c->uid;
	cgi_conn_unlink(c); /* from here on, fd is this function's */
	int fds[MAX_FDS];
	/* Even 0 bytes may carry descriptors: they are ours to close. */
	int nfds = n >= 0 ? take_fds(&msg, fds) : 0;
	if (n <= 0) {
		close_fds(fds, nfds);
		close(fd); /* the launcher went away */
		return;
	}
	if (c->not_permitted) {
		refuse(fd, SG_CGI_REFUSED, 403, SG_CGI_EXIT_NOPERM, NOT_PERMITTED);
		close_fds(fds, nfds);
		return;
	}
	const char *why = NULL;
	if (msg.msg_flags & MSG_CTRUNC)
		why = "more descriptors than it may send (3)";
	else if (msg.msg_flags & MSG_TRUNC)
		why = "a message over the size limit";
	else if (nfds != 3)
		why = nfds < 3 ? "fewer than 3 descriptors" : "more than 3 descriptors";
	for (int i = 0; why == NULL && i < 3; i++)
		why = fd_unfit(fds[i]);
	const char *env = NULL;
	size_t env_len = 0;
	struct sg_error err;
	if (why == NULL && sg_cgi_launch_parse(buf, (size_t)n, &env, &env_len, &err) < 0)
		why = err.msg;
	if (why != NULL) {
		bad_message(l, uid, fd, why);
		close_fds(fds, nfds);
		return;
	}
	cgi_conn_launch(gw, fd, fds, env, env_len);
}

static bool peer_allowed(const struct sg_listener *l, int fd, uid_t *uid)
{
	*uid = (uid_t)-1;
	return sg_peer_uid(fd, uid) == 0 &&
	       sg_peer_permitted(&l->conf, &l->gw->cfg.frontends, l->gw->euid, *uid);
}

static void cgi_conn_open(struct sg_listener *l, int fd, uid_t uid, bool permitted)
{
	struct sg_gateway *gw = l->gw;
	struct sg_cgi_conn *c = calloc(1, sizeof *c);
	struct sg_error err;
	if (c == NULL) {
		refuse(fd, SG_CGI_FAILED, 503, SG_CGI_EXIT_UNAVAILABLE, "the gateway is out of memory");
		return;
	}
	*c = (struct sg_cgi_conn){ .watch = { .fd = fd, .fn = cgi_conn_readable }, .gw = gw, .l = l,
				   .deadline_ms = sg_now_ms() + LAUNCH_DEADLINE_MS, .uid = uid,
				   .not_permitted = !permitted };
	if (sg_loop_add(&gw->loop, &c->watch, EPOLLIN, &err) < 0) {
		sg_warn("%s", err.msg);
		refuse(fd, SG_CGI_FAILED, 503, SG_CGI_EXIT_UNAVAILABLE, "the gateway cannot watch "
									"the connection");
		free(c);
		return;
	}
	c->next = gw->cgi_conns;
	if (gw->cgi_conns)
		gw->cgi_conns->prev = c;
	gw->cgi_conns = c;
	gw->n_cgi_conns++;
}

void sg_cgi_listener_ready(struct sg_listener *l)
{
	for (int i = 0; i < 64; i++) {
		int fd = accept4(l->watch.fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
		if (fd < 0) {
			if (errno == EMFILE || errno == ENFILE)
				sg_listener_pause(l);
			else if (errno != EAGAIN && errno != EINTR && errno != ECONNABORTED)
				sg_warn("accept on %s: %s", l->conf.addr.text, strerror(errno));
			return;
		}
		uid_t uid;
		bool permitted = peer_allowed(l, fd, &uid);
		if (!permitted)
			sg_peer_refused(l->conf.addr.text, uid, sg_now_ms());
		/* Refused here, the message may not be in yet: the launcher may
		 * then see a reset instead of this verdict, and answers 503 for
		 * it. A refused uid waits for its message (for the verdict to
		 * reach it) only while the table is nearly empty, so that it
		 * cannot fill it and keep the front ends out. */
		int cap = permitted ? MAX_CGI_CONNS : MAX_CGI_CONNS / 8;
		if (!permitted && l->gw->n_cgi_conns >= cap)
			refuse(fd, SG_CGI_REFUSED, 403, SG_CGI_EXIT_NOPERM, NOT_PERMITTED);
		else if (l->gw->n_cgi_conns >= cap || l->gw->stopping)
			refuse(fd, SG_CGI_FAILED, 503, SG_CGI_EXIT_UNAVAILABLE,
			       l->gw->stopping ? "the gateway is stopping"
					       : "too many launchers at once");
		else
			cgi_conn_open(l, fd, uid, permitted);
	}
}

void sg_cgi_conns_tick(struct sg_gateway *gw, uint64_t now)
{
	struct sg_cgi_conn *next;
	for (struct sg_cgi_conn *c = gw->cgi_conns; c != NULL; c = next) {
		next = c->next;
		if (now < c->deadline_ms)
			continue;
		int fd = c->watch.fd;
		cgi_conn_unlink(c);
		refuse(fd, SG_CGI_FAILED, 500, SG_CGI_EXIT_SOFTWARE,
		       "the launcher sent no message within 2 s");
	}
}

void sg_cgi_conns_close_all(struct sg_gateway *gw)
{
	while (gw->cgi_conns != NULL) {
		int fd = gw->cgi_conns->watch.fd;
		cgi_conn_unlink(gw->cgi_conns);
		refuse(fd, SG_CGI_FAILED, 503, SG_CGI_EXIT_UNAVAILABLE, "the gateway is stopping");
	}
}
