/* The routed path: struct sg_dispatch + env block + body prefix, with the
 * client socket as the one SCM_RIGHTS descriptor (cellproto.h). */
#include "gateway/worker/conn.h"

#include <errno.h>
#include <limits.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "gateway/cellproto.h"
#include "gateway/log.h"
#include "gateway/worker/io.h"

#define MAX_FDS 8 /* room to receive (and close) more than the one expected */

/* Collects the descriptors of every SCM_RIGHTS message. */
static int take_fds(struct msghdr *msg, int *fds, int max)
{
	int n = 0;
	for (struct cmsghdr *c = CMSG_FIRSTHDR(msg); c != NULL; c = CMSG_NXTHDR(msg, c)) {
		if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
			continue;
		size_t count = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		for (size_t i = 0; i < count && n < max; i++)
			memcpy(&fds[n++], CMSG_DATA(c) + i * sizeof(int), sizeof(int));
	}
	return n;
}

/* A CGI message's struct sg_cgi_script and path, after the env block. */
static const char *check_script(const char *buf, size_t len, const struct sg_dispatch *d,
				struct sg_request *req)
{
	size_t at = sizeof *d + d->env_len + d->body_len;
	if (len < at || len - at < sizeof req->script)
		return "no struct sg_cgi_script after the env block";
	memcpy(&req->script, buf + at, sizeof req->script);
	if (req->script.magic != SG_CGI_SCRIPT_MAGIC)
		return "bad struct sg_cgi_script magic";
	if (req->script.path_len == 0 || req->script.path_len >= PATH_MAX ||
	    len - at - sizeof req->script != req->script.path_len)
		return "the script's path length does not match the message";
	req->script_path = buf + at + sizeof req->script;
	if (memchr(req->script_path, '\0', req->script.path_len) != NULL ||
	    req->script_path[0] != '/')
		return "the script's path is not absolute or holds a NUL";
	return NULL;
}

static bool is_cgi(uint32_t proto)
{
	return proto == SG_PROTO_CGI_LAUNCH || proto == SG_PROTO_CGI_SCGI;
}

static const char *check_message(const struct sg_dispatch *d, const char *buf, size_t len,
				 int flags, int nfds, bool cgi, struct sg_request *req)
{
	if (flags & MSG_TRUNC)
		return "message larger than SG_DISPATCH_MAX";
	if (flags & MSG_CTRUNC)
		return "too many descriptors";
	if (len < sizeof *d)
		return "message shorter than its header";
	if (d->magic != SG_DISPATCH_MAGIC)
		return "bad magic";
	if (d->proto != SG_PROTO_SCGI && d->proto != SG_PROTO_HTTP && !is_cgi(d->proto))
		return "unknown protocol";
	if (cgi != is_cgi(d->proto))
		return cgi ? "not a CGI request, and this is a CGI worker (--cgi)"
			   : "a CGI request, and this worker runs an app (no --cgi)";
	if ((uint64_t)sizeof *d + d->env_len + d->body_len > len)
		return "lengths do not add up to the message size";
	if (!cgi && (uint64_t)sizeof *d + d->env_len + d->body_len != len)
		return "lengths do not add up to the message size";
	if (nfds != (d->proto == SG_PROTO_CGI_LAUNCH ? 3 : 1))
		return d->proto == SG_PROTO_CGI_LAUNCH ? "not exactly three descriptors"
						       : "not exactly one descriptor";
	return cgi ? check_script(buf, len, d, req) : NULL;
}

enum sg_recv_result sg_routed_recv(int sock, char *buf, size_t cap, bool cgi,
				   struct sg_request *req)
{
	union {
		char buf[CMSG_SPACE(MAX_FDS * sizeof(int))];
		struct cmsghdr align;
	} control;
	struct iovec iov = { buf, cap };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = control.buf,
			      .msg_controllen = sizeof control.buf };
	ssize_t len = recvmsg(sock, &msg, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
	if (len < 0 && (errno == EAGAIN || errno == EINTR))
		return SG_RECV_NONE;
	if (len < 0) {
		sg_error("dispatch socket: %s", strerror(errno));
		return SG_RECV_CLOSED;
	}
	if (len == 0 && msg.msg_controllen == 0)
		return SG_RECV_CLOSED;

	int fds[MAX_FDS];
	int nfds = take_fds(&msg, fds, MAX_FDS);
	struct sg_dispatch d = { 0 };
	memcpy(&d, buf, (size_t)len < sizeof d ? (size_t)len : sizeof d);
	const char *why = check_message(&d, buf, (size_t)len, msg.msg_flags, nfds, cgi, req);
	if (why != NULL) {
		sg_warn("dropped a dispatch message: %s", why);
		for (int i = 0; i < nfds; i++)
			close(fds[i]);
		return SG_RECV_NONE;
	}
	req->fd = fds[0];
	req->out_fd = d.proto == SG_PROTO_CGI_LAUNCH ? fds[1] : -1;
	req->err_fd = d.proto == SG_PROTO_CGI_LAUNCH ? fds[2] : -1;
	req->proto = (int)d.proto;
	req->request_id = d.request_id;
	req->queue_deadline_ms = d.queue_deadline_ms;
	req->env = buf + sizeof d;
	req->env_len = d.env_len;
	req->body = req->env + d.env_len;
	req->body_len = d.body_len;
	return SG_RECV_OK;
}
