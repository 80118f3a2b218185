/* Putting the response on the wire: head + first chunk in one writev. */
#include "gateway/worker/wsgi_response.h"

#include <errno.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <time.h>

#include "gateway/worker/canned.h"
#include "gateway/worker/io.h"

void sg_response_init(struct sg_response *resp, int fd, int proto, bool is_head,
		      _Atomic uint32_t *started)
{
	resp->fd = fd;
	resp->is_head = is_head;
	resp->started = started;
	resp->headers_set = resp->headers_sent = resp->write_used = false;
	resp->broken = resp->over_length = resp->ended = false;
	resp->auto_length = -1;
	resp->body_sent = 0;
	resp->status_sent = 0;
	resp->head.proto = proto;
	resp->head.len = 0;
}

bool sg_response_complete(const struct sg_response *resp)
{
	int64_t cl = resp->head.content_length;
	return resp->headers_set && cl >= 0 && resp->body_sent >= (uint64_t)cl;
}

/* A clean EOF after a cut-off body without Content-Length would make it
 * look whole to nginx and to a client. SO_LINGER 0 turns the close() into
 * a TCP reset, which nginx passes on by cutting its own response off. A
 * Unix socket has no such signal: its peer sees EOF either way. */
static void abort_on_close(int fd)
{
	struct linger reset = { .l_onoff = 1, .l_linger = 0 };
	setsockopt(fd, SOL_SOCKET, SO_LINGER, &reset, sizeof reset);
}

void sg_response_end(struct sg_response *resp)
{
	if (resp->ended)
		return;
	resp->ended = true;
	if (resp->broken)
		abort_on_close(resp->fd);
	else
		shutdown(resp->fd, SHUT_WR);
}

/* The timeout handler may have answered 504 already; then it aborts the
 * process, so reaching here means the head is ours to send. */
static void mark_started(struct sg_response *resp)
{
	atomic_store(resp->started, 1);
	resp->headers_sent = true;
	resp->status_sent = resp->head.status;
}

static int writev_unlocked(struct sg_response *resp, struct iovec *iov, int n)
{
	int r;
	Py_BEGIN_ALLOW_THREADS
	r = sg_writev_all(resp->fd, iov, n);
	Py_END_ALLOW_THREADS
	if (r < 0)
		resp->broken = true;
	return r;
}

int sg_response_send(struct sg_response *resp, const char *data, size_t len)
{
	if (resp->broken) {
		errno = EPIPE;
		return -1;
	}
	int64_t cl = resp->head.content_length;
	if (cl >= 0 && len > (uint64_t)cl - resp->body_sent) {
		len = (size_t)((uint64_t)cl - resp->body_sent); /* W9: never more */
		resp->over_length = true;
	}
	if (resp->is_head)
		len = 0; /* C9: the head only */
	struct iovec iov[2];
	int n = 0;
	if (!resp->headers_sent) {
		sg_head_finish(&resp->head, resp->auto_length, time(NULL));
		iov[n++] = (struct iovec){ resp->head.buf, resp->head.len };
		mark_started(resp);
	}
	if (len > 0)
		iov[n++] = (struct iovec){ (void *)data, len };
	if (n > 0 && writev_unlocked(resp, iov, n) < 0)
		return -1;
	resp->body_sent += len;
	return 0;
}

int sg_response_sendfile(struct sg_response *resp, int fd, off_t offset, uint64_t count)
{
	if (sg_response_send(resp, NULL, 0) < 0)
		return -1;
	if (resp->is_head)
		return 0;
	while (count > 0) {
		size_t chunk = count > (1u << 30) ? (1u << 30) : (size_t)count;
		ssize_t n;
		Py_BEGIN_ALLOW_THREADS
		n = sendfile(resp->fd, fd, &offset, chunk);
		Py_END_ALLOW_THREADS
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			resp->broken = true;
			return -1;
		}
		if (n == 0)
			break; /* the file got shorter; the caller sees body_sent */
		resp->body_sent += (uint64_t)n;
		count -= (uint64_t)n;
	}
	return 0;
}

void sg_response_canned(struct sg_response *resp, int status)
{
	const struct sg_canned *c = sg_canned_get(resp->head.proto, status);
	atomic_store(resp->started, 1);
	resp->headers_sent = true;
	resp->status_sent = status;
	if (sg_canned_write(resp->fd, c, resp->is_head) < 0)
		resp->broken = true;
}
