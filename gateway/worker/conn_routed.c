/* The routed path: struct sg_dispatch + env block + body prefix, with the
 * client socket as the one SCM_RIGHTS descriptor (cellproto.h). */
#include "gateway/worker/conn.h"

#include <errno.h>
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

static const char *check_message(const struct sg_dispatch *d, size_t len, int flags, int nfds)
{
	if (flags & MSG_TRUNC)
		return "message larger than SG_DISPATCH_MAX";
	if (flags & MSG_CTRUNC)
		return "too many descriptors";
	if (len < sizeof *d)
		return "message shorter than its header";
	if (d->magic != SG_DISPATCH_MAGIC)
		return "bad magic";
	if (d->proto != SG_PROTO_SCGI && d->proto != SG_PROTO_HTTP)
		return "unknown protocol";
	if ((uint64_t)sizeof *d + d->env_len + d->body_len != len)
		return "lengths do not add up to the message size";
	if (nfds != 1)
		return "not exactly one descriptor";
	return NULL;
}

enum sg_recv_result sg_routed_recv(int sock, char *buf, size_t cap, struct sg_request *req)
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
	const char *why = check_message(&d, (size_t)len, msg.msg_flags, nfds);
	if (why != NULL) {
		sg_warn("dropped a dispatch message: %s", why);
		for (int i = 0; i < nfds; i++)
			close(fds[i]);
		return SG_RECV_NONE;
	}
	req->fd = fds[0];
	req->proto = (int)d.proto;
	req->request_id = d.request_id;
	req->queue_deadline_ms = d.queue_deadline_ms;
	req->env = buf + sizeof d;
	req->env_len = d.env_len;
	req->body = req->env + d.env_len;
	req->body_len = d.body_len;
	return SG_RECV_OK;
}
