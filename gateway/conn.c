/* Routed connections: accept on a shared listener (HTTP or SCGI), check
 * the peer of a Unix-socket HTTP listener (SO_PEERCRED, P4), read the
 * request head with a size cap and a deadline, parse it, pick the app and
 * hand the connection to its cell (on an SCGI listener with cgi = true:
 * the CGI app of the script's owner; launcher sockets are cgi_conn.c's).
 *
 * The head is read with MSG_PEEK and only the bytes of the head itself are
 * consumed once it parses, so no body byte ever enters the gateway: the
 * worker reads the whole body from the socket. The socket is watched
 * edge-triggered, since peeked data stays readable. */
#include "gateway.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "cgi.h"
#include "envblock.h"
#include "http_head.h"
#include "listener.h"
#include "log.h"
#include "peer_check.h"
#include "reply.h"
#include "scgi.h"

#define MAX_CONNS 1024
#define HEAD_TIMEOUT_MAX_MS 60000
/* Out of descriptors: stop accepting this long rather than spin on EMFILE. */
#define EMFILE_PAUSE_MS 250

struct sg_conn {
	struct sg_watch watch;
	struct sg_gateway *gw;
	struct sg_listener *l;
	struct sg_conn *prev, *next;
	uint64_t deadline_ms;
	size_t len, cap;
	char remote_addr[INET6_ADDRSTRLEN];
	char remote_port[8];
	char *buf;
};

static enum sg_proto conn_proto(const struct sg_conn *c)
{
	return c->l->conf.kind == SG_LISTEN_HTTP ? SG_PROTO_HTTP : SG_PROTO_SCGI;
}

static void conn_unlink(struct sg_conn *c)
{
	sg_loop_del(&c->gw->loop, &c->watch);
	if (c->prev)
		c->prev->next = c->next;
	else
		c->gw->conns = c->next;
	if (c->next)
		c->next->prev = c->prev;
	c->gw->n_conns--;
}

/* The conn's memory goes after this batch of events (loop.h). */
static void conn_free(struct sg_conn *c)
{
	c->watch.fd = -1;
	sg_loop_defer_free(&c->gw->loop, c->buf);
	sg_loop_defer_free(&c->gw->loop, c);
}

/* Drops the connection; with status != 0 answers it first. */
static void conn_close(struct sg_conn *c, int status)
{
	conn_unlink(c);
	if (status != 0)
		sg_reply_send(c->watch.fd, conn_proto(c), status);
	close(c->watch.fd);
	conn_free(c);
}

/* A listener with cgi = true: the head names a script (SCRIPT_FILENAME)
 * that cgi_route.c checks; it runs in its owner's CGI app, which answers
 * on the client socket. The gateway keeps a copy, as for a routed one. */
static void conn_hand_over_cgi(struct sg_conn *c, const char *env, size_t env_len)
{
	struct sg_gateway *gw = c->gw;
	int fd = c->watch.fd;
	conn_unlink(c);
	conn_free(c);
	struct sg_cgi_job job;
	if (sg_cgi_prepare(gw, SG_CGI_FROM_SCGI, env, env_len, &job) < 0) {
		sg_reply_send(fd, SG_PROTO_SCGI, job.http_status != 0 ? job.http_status : 500);
		close(fd);
	} else {
		int keep = fcntl(fd, F_DUPFD_CLOEXEC, 0);
		if (keep < 0) {
			sg_warn("CGI over SCGI: 503 for a request: dup: %s", strerror(errno));
			sg_reply_send(fd, SG_PROTO_SCGI, 503);
			close(fd);
		} else {
			sg_dispatch_cgi(job.app, SG_PROTO_CGI_SCGI, &fd, 1, keep, &job);
		}
	}
	sg_cgi_job_free(&job);
}

/* The connection leaves the gateway's hands: the head is consumed from the
 * socket (it was only peeked) and the fd goes to a cell. */
static void conn_hand_over(struct sg_conn *c, const char *env, size_t env_len, size_t consumed)
{
	struct sg_gateway *gw = c->gw;
	char scratch[4096];
	for (size_t left = consumed; left > 0;) {
		ssize_t n = recv(c->watch.fd, scratch, left < sizeof scratch ? left : sizeof scratch,
				 MSG_DONTWAIT);
		if (n <= 0) {
			conn_close(c, 0);
			return;
		}
		left -= (size_t)n;
	}
	if (c->l->conf.cgi) {
		conn_hand_over_cgi(c, env, env_len);
		return;
	}
	const char *host = NULL, *uri;
	size_t host_len = 0, uri_len = 0;
	host = sg_envblock_get(env, env_len, "HTTP_HOST", &host_len);
	uri = sg_envblock_get(env, env_len, "REQUEST_URI", &uri_len);
	int status = 400;
	struct sg_app *app = sg_route(gw, c->l, env, env_len, &status);
	if (app == NULL) {
		sg_info("no app for %.*s%.*s: %d", (int)host_len, host ? host : "", (int)uri_len,
			uri ? uri : "(no REQUEST_URI)", status);
		conn_close(c, status);
		return;
	}
	int fd = c->watch.fd;
	enum sg_proto proto = conn_proto(c);
	conn_unlink(c);
	conn_free(c);
	sg_dispatch(app, fd, proto, env, env_len);
}

static void conn_try_http(struct sg_conn *c)
{
	char port[8];
	const struct sg_addr *a = &c->l->conf.addr;
	if (a->is_unix)
		snprintf(port, sizeof port, "0");
	else
		snprintf(port, sizeof port, "%u",
			 ntohs(((const struct sockaddr_in *)&a->ss)->sin_port));
	struct sg_http_conn_info info = { .remote_addr = c->remote_addr,
					  .remote_port = c->remote_port,
					  .server_name = "localhost", .server_port = port,
					  .url_scheme = "http" };
	char env_buf[2 * SG_HTTP_MAX_HEAD + 512]; /* see http_head.h: up to 2x the head */
	struct sg_envblock env;
	sg_envblock_init(&env, env_buf, sizeof env_buf);
	struct sg_http_head head;
	int status = 400;
	struct sg_error err;
	enum sg_http_status rc = sg_http_head_parse(c->buf, c->len, SG_HTTP_MAX_HEAD, &info, &env,
						    &head, &status, &err);
	if (rc == SG_HTTP_PARTIAL) {
		if (c->len == c->cap)
			conn_close(c, 431);
		return;
	}
	if (rc == SG_HTTP_INVALID) {
		sg_info("HTTP %d from %s: %s", status, c->l->conf.addr.text, err.msg);
		conn_close(c, status);
		return;
	}
	conn_hand_over(c, env.buf, env.len, head.consumed);
}

static void conn_try_scgi(struct sg_conn *c)
{
	struct sg_scgi_head head;
	struct sg_error err;
	enum sg_scgi_status rc = sg_scgi_parse(c->buf, c->len, SG_SCGI_DEFAULT_MAX_HEAD, &head, &err);
	if (rc == SG_SCGI_PARTIAL) {
		if (c->len == c->cap)
			conn_close(c, 0); /* cannot happen below the S4 cap; bounded anyway */
		return;
	}
	if (rc == SG_SCGI_INVALID) {
		/* S1: a malformed netstring gets no answer, only a close. */
		sg_info("SCGI request refused on %s: %s", c->l->conf.addr.text, err.msg);
		conn_close(c, 0);
		return;
	}
	conn_hand_over(c, head.headers, head.headers_len, head.consumed);
}

static void conn_readable(struct sg_watch *w, uint32_t events)
{
	struct sg_conn *c = sg_container_of(w, struct sg_conn, watch);
	if (w->fd < 0)
		return; /* closed earlier in this batch */
	ssize_t n = recv(w->fd, c->buf, c->cap, MSG_PEEK | MSG_DONTWAIT);
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0 || (size_t)n == c->len) {
		/* EOF, an error, or EPOLLHUP with nothing new: the client gave up. */
		if (n <= 0 || (events & (EPOLLHUP | EPOLLRDHUP)))
			conn_close(c, 0);
		return;
	}
	c->len = (size_t)n;
	if (conn_proto(c) == SG_PROTO_HTTP)
		conn_try_http(c);
	else
		conn_try_scgi(c);
}

static bool peer_allowed(const struct sg_listener *l, int fd, uid_t *uid)
{
	*uid = (uid_t)-1;
	if (!l->conf.addr.is_unix)
		return true;
	return sg_peer_uid(fd, uid) == 0 &&
	       sg_peer_permitted(&l->conf, &l->gw->cfg.frontends, l->gw->euid, *uid);
}

static void remote_of(struct sg_conn *c, const struct sockaddr_storage *ss)
{
	uint16_t port = 0;
	c->remote_addr[0] = '\0';
	if (ss->ss_family == AF_INET) {
		const struct sockaddr_in *in = (const struct sockaddr_in *)ss;
		inet_ntop(AF_INET, &in->sin_addr, c->remote_addr, sizeof c->remote_addr);
		port = ntohs(in->sin_port);
	} else if (ss->ss_family == AF_INET6) {
		const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)ss;
		inet_ntop(AF_INET6, &in6->sin6_addr, c->remote_addr, sizeof c->remote_addr);
		port = ntohs(in6->sin6_port);
	}
	snprintf(c->remote_port, sizeof c->remote_port, "%u", port);
}

static uint64_t head_timeout_ms(const struct sg_gateway *gw)
{
	uint64_t ms = HEAD_TIMEOUT_MAX_MS;
	for (int i = 0; i < gw->n_apps; i++)
		if ((uint64_t)gw->apps[i]->conf.timeout * 1000 < ms)
			ms = (uint64_t)gw->apps[i]->conf.timeout * 1000;
	return ms;
}

static void conn_open(struct sg_listener *l, int fd, const struct sockaddr_storage *ss)
{
	struct sg_gateway *gw = l->gw;
	/* The head and nothing more: the netstring's digits, ':' and ',' besides. */
	size_t cap = l->conf.kind == SG_LISTEN_HTTP ? SG_HTTP_MAX_HEAD : SG_SCGI_DEFAULT_MAX_HEAD + 16;
	struct sg_conn *c = calloc(1, sizeof *c);
	char *buf = malloc(cap);
	struct sg_error err;
	if (c == NULL || buf == NULL) {
		free(c);
		free(buf);
		close(fd);
		return;
	}
	*c = (struct sg_conn){ .watch = { .fd = fd, .fn = conn_readable }, .gw = gw, .l = l,
			       .cap = cap, .buf = buf,
			       .deadline_ms = sg_now_ms() + head_timeout_ms(gw) };
	remote_of(c, ss);
	if (sg_loop_add(&gw->loop, &c->watch, EPOLLIN | EPOLLRDHUP | EPOLLET, &err) < 0) {
		sg_warn("%s", err.msg);
		close(fd);
		free(buf);
		free(c);
		return;
	}
	c->next = gw->conns;
	if (gw->conns)
		gw->conns->prev = c;
	gw->conns = c;
	gw->n_conns++;
}

/* The listener stays level-triggered readable while accept fails for want
 * of descriptors; it is unwatched for a moment instead (once logged). */
void sg_listener_pause(struct sg_listener *l)
{
	sg_loop_del(&l->gw->loop, &l->watch);
	l->paused_until_ms = sg_now_ms() + EMFILE_PAUSE_MS;
	sg_warn("accept on %s: out of descriptors; pausing it for %d ms", l->conf.addr.text,
		EMFILE_PAUSE_MS);
}

void sg_listeners_tick(struct sg_gateway *gw, uint64_t now)
{
	for (int i = 0; i < gw->n_listeners; i++) {
		struct sg_listener *l = &gw->listeners[i];
		if (l->paused_until_ms == 0 || now < l->paused_until_ms || l->watch.fd < 0)
			continue;
		struct sg_error err;
		l->paused_until_ms = 0;
		if (sg_loop_add(&gw->loop, &l->watch, EPOLLIN, &err) < 0)
			sg_warn("%s", err.msg);
	}
}

void sg_listener_ready(struct sg_watch *w, uint32_t events)
{
	struct sg_listener *l = sg_container_of(w, struct sg_listener, watch);
	(void)events;
	if (l->conf.kind == SG_LISTEN_CGI) {
		sg_cgi_listener_ready(l);
		return;
	}
	for (int i = 0; i < 64; i++) {
		struct sockaddr_storage ss;
		socklen_t len = sizeof ss;
		/* Blocking mode, which the worker wants (cellproto.h): every call
		 * the gateway makes on it passes MSG_DONTWAIT instead, so the
		 * worker need not change the flags on each request. */
		int fd = accept4(w->fd, (struct sockaddr *)&ss, &len, SOCK_CLOEXEC);
		if (fd < 0) {
			if (errno == EMFILE || errno == ENFILE)
				sg_listener_pause(l);
			else if (errno != EAGAIN && errno != EINTR && errno != ECONNABORTED)
				sg_warn("accept on %s: %s", l->conf.addr.text, strerror(errno));
			return;
		}
		uid_t uid;
		if (!peer_allowed(l, fd, &uid)) {
			sg_peer_refused(l->conf.addr.text, uid, sg_now_ms());
			sg_reply_send(fd, l->conf.kind == SG_LISTEN_HTTP ? SG_PROTO_HTTP : SG_PROTO_SCGI,
				      403);
			close(fd);
			continue;
		}
		if (l->gw->n_conns >= MAX_CONNS || l->gw->stopping) {
			sg_reply_send(fd, l->conf.kind == SG_LISTEN_HTTP ? SG_PROTO_HTTP : SG_PROTO_SCGI,
				      503);
			close(fd);
			continue;
		}
		conn_open(l, fd, &ss);
	}
}

void sg_conns_tick(struct sg_gateway *gw, uint64_t now)
{
	struct sg_conn *next;
	for (struct sg_conn *c = gw->conns; c != NULL; c = next) {
		next = c->next;
		if (now >= c->deadline_ms)
			conn_close(c, conn_proto(c) == SG_PROTO_HTTP ? 408 : 0);
	}
	sg_cgi_conns_tick(gw, now);
}

void sg_conns_close_all(struct sg_gateway *gw)
{
	while (gw->conns != NULL)
		conn_close(gw->conns, 503);
	sg_cgi_conns_close_all(gw);
}
