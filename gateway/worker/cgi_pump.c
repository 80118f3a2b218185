/* The pump between a CGI request and its script: one poll() over the
 * request's descriptors, the script's three pipes and its pidfd, so that a
 * script that writes before it reads never deadlocks against a web server
 * that writes the whole body before it reads (Apache's mod_cgid).
 *
 * The request's descriptors are shared with the web server or the gateway
 * (on the launcher path fd 0 and fd 1 may be one socket, two descriptors of
 * one open file description): their flags are never changed. Sockets are
 * read and written with MSG_DONTWAIT; a pipe is read once after POLLIN and
 * written at most PIPE_BUF bytes after POLLOUT, which cannot block. The
 * script's pipes are the worker's own and non-blocking.
 *
 * Over SCGI the output waits until the whole body has been read (or the
 * script has exited): nginx stops sending a request body once the
 * response head arrives, so a script that writes before it reads would
 * wait for the rest of its body for ever. Held output counts against the
 * same 8 MiB. */
#include "gateway/worker/cgi_serve.h"

#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "gateway/cellproto.h"
#include "gateway/cgi_response.h"
#include "gateway/log.h"
#include "gateway/worker/canned.h"
#include "gateway/worker/signals.h"

#define BODY_CAP 65536
#define ERR_CAP 65536
#define CHUNK 65536 /* bytes read from the script at a time */

struct buf {
	char *d;
	size_t start, end, cap;
};

static struct buf body_buf, out_buf, err_buf;
static char *head_scratch; /* the rewritten head (SG_CGI_HEAD_OUT_MAX) */
static char *sink;         /* CHUNK bytes read only to be dropped */

static int make_buf(struct buf *b, size_t cap, struct sg_error *err)
{
	*b = (struct buf){ .d = sg_cgi_wiped_alloc(cap, err), .cap = cap };
	return b->d != NULL ? 0 : -1;
}

int sg_cgi_pump_setup(struct sg_error *err)
{
	/* The output buffer's pages are touched only when a script writes
	 * faster than the web server reads. */
	if (make_buf(&body_buf, BODY_CAP, err) < 0 || make_buf(&out_buf, SG_CGI_OUT_MAX, err) < 0 ||
	    make_buf(&err_buf, ERR_CAP, err) < 0 ||
	    (head_scratch = sg_cgi_wiped_alloc(SG_CGI_HEAD_OUT_MAX, err)) == NULL ||
	    (sink = sg_cgi_wiped_alloc(CHUNK, err)) == NULL)
		return -1;
	return 0;
}

char *sg_cgi_sink(size_t *len)
{
	*len = CHUNK;
	return sink;
}

void sg_cgi_pump_forget(void)
{
	sg_cgi_wiped_clear(body_buf.d, body_buf.cap);
	sg_cgi_wiped_clear(out_buf.d, out_buf.cap);
	sg_cgi_wiped_clear(err_buf.d, err_buf.cap);
	sg_cgi_wiped_clear(head_scratch, SG_CGI_HEAD_OUT_MAX);
	sg_cgi_wiped_clear(sink, CHUNK);
}

static size_t buf_len(const struct buf *b)
{
	return b->end - b->start;
}

/* Room at the end, compacting when the front has been consumed. */
static size_t buf_room(struct buf *b)
{
	if (b->start == b->end)
		b->start = b->end = 0;
	if (b->end == b->cap && b->start > 0) {
		memmove(b->d, b->d + b->start, buf_len(b));
		b->end -= b->start;
		b->start = 0;
	}
	return b->cap - b->end;
}

static void buf_clear(struct buf *b)
{
	b->start = b->end = 0;
}

static bool is_socket(int fd)
{
	struct stat st;
	return fd >= 0 && fstat(fd, &st) == 0 && S_ISSOCK(st.st_mode);
}

/* One read that does not block (see the top of the file). */
static ssize_t read_shared(int fd, bool sock, void *p, size_t len)
{
	return sock ? recv(fd, p, len, MSG_DONTWAIT) : read(fd, p, len);
}

static ssize_t write_shared(int fd, bool sock, const void *p, size_t len)
{
	if (sock)
		return send(fd, p, len, MSG_DONTWAIT | MSG_NOSIGNAL);
	return write(fd, p, len < PIPE_BUF ? len : PIPE_BUF);
}

struct state {
	struct sg_cgi_pump *p;
	bool in_sock, out_sock, err_sock;
	bool in_done;     /* no more body from the request */
	bool out_eof, err_eof, exited, killed;
	bool head_done;   /* SCGI: the head is parsed (or replaced by an error) */
	bool discard;     /* the script's further output is dropped */
	bool out_broken;  /* nothing more is written to the request */
	bool err_broken;
};

static void close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

/* The request's body, into body_buf. */
static void read_body(struct state *s)
{
	struct sg_cgi_pump *p = s->p;
	size_t want = buf_room(&body_buf);
	if (!p->body_to_eof && p->body_left < want)
		want = (size_t)p->body_left;
	ssize_t n = read_shared(p->req_in, s->in_sock, body_buf.d + body_buf.end, want);
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0) {
		if (!p->body_to_eof && p->body_left > 0)
			sg_info("cgi: %s: the request body ended %llu bytes early", p->what,
				(unsigned long long)p->body_left);
		s->in_done = true;
		return;
	}
	body_buf.end += (size_t)n;
	if (!p->body_to_eof && (p->body_left -= (uint64_t)n) == 0)
		s->in_done = true;
}

static void feed_child(struct state *s)
{
	ssize_t n = write(s->p->child_in, body_buf.d + body_buf.start, buf_len(&body_buf));
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n < 0) {
		/* The script closed its stdin: the rest of the body is not read. */
		buf_clear(&body_buf);
		s->in_done = true;
		close_fd(&s->p->child_in);
		return;
	}
	body_buf.start += (size_t)n;
}

/* Replaces whatever is queued for the request with a canned response: a
 * CGI head with a body, which both nginx (SCGI) and Apache (the launcher's
 * stdout) parse. */
static void answer_canned(struct state *s, int status)
{
	const struct sg_canned *c = sg_canned_get(SG_PROTO_SCGI, status);
	buf_clear(&out_buf);
	memcpy(out_buf.d, c->head, c->head_len);
	memcpy(out_buf.d + c->head_len, c->body, c->body_len);
	out_buf.end = c->head_len + c->body_len;
	s->p->status = status;
	s->p->canned = true;
	s->head_done = s->discard = true;
}

/* SCGI: the head, once complete, is replaced by its rewrite (C7-C10). */
static void parse_head(struct state *s, bool eof)
{
	struct sg_cgi_pump *p = s->p;
	struct sg_cgi_head h;
	struct sg_error err;
	const char *in = out_buf.d + out_buf.start;
	size_t len = buf_len(&out_buf);
	enum sg_cgi_head_result r =
		sg_cgi_response_parse(in, len, eof, p->nph, p->is_head, head_scratch, &h, &err);
	if (r == SG_CGI_HEAD_MORE)
		return;
	if (r == SG_CGI_HEAD_BAD) {
		sg_warn("cgi: %s: bad output, 502: %s", p->what, err.msg);
		answer_canned(s, 502);
		return;
	}
	size_t rest = h.send_body ? len - h.in_len : 0;
	memmove(out_buf.d + h.out_len, in + h.in_len, rest);
	memcpy(out_buf.d, head_scratch, h.out_len);
	out_buf.start = 0;
	out_buf.end = h.out_len + rest;
	p->status = h.status;
	s->head_done = true;
	s->discard = !h.send_body; /* C9: HEAD gets no body */
}

static void read_child_out(struct state *s)
{
	size_t room = buf_room(&out_buf);
	if (s->discard || s->out_broken) {
		ssize_t n = read(s->p->child_out, sink, CHUNK);
		if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR))
			s->out_eof = true;
		return;
	}
	ssize_t n = read(s->p->child_out, out_buf.d + out_buf.end, room < CHUNK ? room : CHUNK);
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0)
		s->out_eof = true;
	else
		out_buf.end += (size_t)n;
	if (s->p->parse && !s->head_done)
		parse_head(s, s->out_eof);
}

static void write_out(struct state *s)
{
	struct sg_cgi_pump *p = s->p;
	if (p->bytes_out == 0 && p->response_started != NULL)
		atomic_store(p->response_started, 1);
	ssize_t n = write_shared(p->req_out, s->out_sock, out_buf.d + out_buf.start,
				 buf_len(&out_buf));
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n < 0) {
		sg_info("cgi: %s: the output cannot be written (%m); the rest is dropped", p->what);
		s->out_broken = true;
		buf_clear(&out_buf);
		return;
	}
	out_buf.start += (size_t)n;
	p->bytes_out += (uint64_t)n;
}

static void read_child_err(struct state *s)
{
	size_t room = buf_room(&err_buf);
	ssize_t n = read(s->p->child_err, err_buf.d + err_buf.end, room < CHUNK ? room : CHUNK);
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0)
		s->err_eof = true;
	else
		err_buf.end += (size_t)n;
}

static void write_err(struct state *s)
{
	int fd = s->p->req_err >= 0 ? s->p->req_err : STDERR_FILENO;
	ssize_t n = write_shared(fd, s->err_sock, err_buf.d + err_buf.start, buf_len(&err_buf));
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n < 0) {
		s->err_broken = true;
		buf_clear(&err_buf);
		return;
	}
	err_buf.start += (size_t)n;
}

/* The script's main process is gone: reap it, kill what it left. */
static void script_exited(struct state *s)
{
	struct sg_cgi_pump *p = s->p;
	int st = 0;
	while (waitpid(p->pid, &st, 0) < 0 && errno == EINTR)
		;
	p->wait_status = st;
	s->exited = true;
	close_fd(&p->pidfd);
	sg_cgi_kill_all(p->pid, 0);
	/* Nobody reads the script's stdin any more. */
	s->in_done = true;
	buf_clear(&body_buf);
	close_fd(&p->child_in);
}

/* The gateway's TIMEOUT (SIGUSR1): the group and every descendant are
 * killed; 504 if nothing was sent, else the response is cut short. */
static void timed_out(struct state *s)
{
	struct sg_cgi_pump *p = s->p;
	s->killed = p->timed_out = true;
	kill(p->pid, SIGKILL);
	sg_cgi_kill_all(p->pid, p->pid);
	sg_warn("cgi: %s timed out: killed it and its descendants%s", p->what,
		p->bytes_out == 0 ? "; 504" : "");
	if (p->bytes_out == 0) {
		answer_canned(s, 504); /* both paths: the launcher writes nothing itself */
	} else {
		s->out_broken = s->discard = true;
		buf_clear(&out_buf);
	}
	/* The body is not wanted any more. */
	s->in_done = true;
	buf_clear(&body_buf);
}

static bool finished(const struct state *s)
{
	bool out_flushed = buf_len(&out_buf) == 0 || s->out_broken;
	bool err_flushed = buf_len(&err_buf) == 0 || s->err_broken;
	return s->exited && s->out_eof && s->err_eof && out_flushed && err_flushed;
}

enum { PF_IN, PF_CHILD_IN, PF_CHILD_OUT, PF_OUT, PF_CHILD_ERR, PF_ERR, PF_PID, PF_N };

static void set(struct pollfd *pfd, int i, bool want, int fd, short events)
{
	pfd[i].fd = want && fd >= 0 ? fd : -1;
	pfd[i].events = events;
	pfd[i].revents = 0;
}

static void fill(struct state *s, struct pollfd *pfd)
{
	struct sg_cgi_pump *p = s->p;
	bool body_room = body_buf.end < body_buf.cap || body_buf.start > 0;
	set(pfd, PF_IN, !s->in_done && body_room, p->req_in, POLLIN);
	set(pfd, PF_CHILD_IN, buf_len(&body_buf) > 0, p->child_in, POLLOUT);
	bool out_room = buf_len(&out_buf) < out_buf.cap || s->discard;
	set(pfd, PF_CHILD_OUT, !s->out_eof && out_room, p->child_out, POLLIN);
	/* SCGI: nothing goes out before the head is parsed and rewritten. */
	bool out_ready = buf_len(&out_buf) > 0 && !s->out_broken &&
			 (!p->parse || s->head_done) && (!p->body_first || s->in_done);
	set(pfd, PF_OUT, out_ready, p->req_out, POLLOUT);
	set(pfd, PF_CHILD_ERR, !s->err_eof && buf_len(&err_buf) < err_buf.cap, p->child_err,
	    POLLIN);
	set(pfd, PF_ERR, buf_len(&err_buf) > 0 && !s->err_broken,
	    p->req_err >= 0 ? p->req_err : STDERR_FILENO, POLLOUT);
	set(pfd, PF_PID, !s->exited, p->pidfd, POLLIN);
}

static void step(struct state *s, const struct pollfd *pfd)
{
	const short ready = POLLIN | POLLOUT | POLLHUP | POLLERR;
	if (pfd[PF_PID].revents & ready)
		script_exited(s);
	if (pfd[PF_IN].revents & ready)
		read_body(s);
	if (pfd[PF_CHILD_IN].revents & ready && s->p->child_in >= 0)
		feed_child(s);
	if (s->in_done && buf_len(&body_buf) == 0)
		close_fd(&s->p->child_in); /* EOF on the script's stdin */
	if (pfd[PF_CHILD_OUT].revents & ready)
		read_child_out(s);
	if (pfd[PF_OUT].revents & ready)
		write_out(s);
	if (pfd[PF_CHILD_ERR].revents & ready)
		read_child_err(s);
	if (pfd[PF_ERR].revents & ready)
		write_err(s);
}

void sg_cgi_pump_run(struct sg_cgi_pump *p)
{
	struct state s = { .p = p };
	s.in_sock = is_socket(p->req_in);
	s.out_sock = is_socket(p->req_out);
	s.err_sock = is_socket(p->req_err);
	buf_clear(&body_buf);
	buf_clear(&out_buf);
	buf_clear(&err_buf);
	size_t prefix = p->prefix_len;
	if (!p->body_to_eof && prefix > p->body_left)
		prefix = (size_t)p->body_left;
	memcpy(body_buf.d, p->prefix, prefix < BODY_CAP ? prefix : BODY_CAP);
	body_buf.end = prefix < BODY_CAP ? prefix : BODY_CAP;
	if (!p->body_to_eof)
		p->body_left -= body_buf.end;
	s.in_done = !p->body_to_eof && p->body_left == 0;
	while (!finished(&s)) {
		if (!s.killed && sg_signals_timed_out())
			timed_out(&s);
		if (s.in_done && buf_len(&body_buf) == 0)
			close_fd(&p->child_in);
		struct pollfd pfd[PF_N];
		fill(&s, pfd);
		if (poll(pfd, PF_N, -1) < 0) {
			if (errno != EINTR) {
				sg_error("cgi: poll: %m");
				break;
			}
			continue;
		}
		step(&s, pfd);
		if (s.out_eof && p->parse && !s.head_done)
			parse_head(&s, true);
	}
	if (!s.exited) { /* only after a failed poll */
		kill(p->pid, SIGKILL);
		script_exited(&s);
	}
	close_fd(&p->child_in);
	close_fd(&p->child_out);
	close_fd(&p->child_err);
	close_fd(&p->pidfd);
}
