#include "log_relay.h"

#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "log.h"

/* At most this much per wakeup, so a chatty app cannot hold the loop. */
#define RELAY_READ_MAX 65536

static void relay_flush_line(struct sg_log_relay *r)
{
	if (r->len > 0)
		sg_log(SG_LOG_INFO, "<%s> %.*s", r->name, (int)r->len, r->line);
	r->len = 0;
}

static void relay_feed(struct sg_log_relay *r, const char *data, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (data[i] == '\n' || r->len == sizeof r->line) {
			relay_flush_line(r);
			if (data[i] == '\n')
				continue;
		}
		r->line[r->len++] = data[i];
	}
}

/* A write error (disk full) loses those bytes: the app must not block. */
static void relay_write(struct sg_log_relay *r, const char *data, size_t n)
{
	while (n > 0) {
		ssize_t w = write(r->out_fd, data, n);
		if (w <= 0)
			return;
		data += w;
		n -= (size_t)w;
	}
}

static void relay_pass(struct sg_log_relay *r, const char *data, size_t n)
{
	if (r->out_fd >= 0)
		relay_write(r, data, n);
	else
		relay_feed(r, data, n);
}

static void relay_readable(struct sg_watch *w, uint32_t events)
{
	struct sg_log_relay *r = sg_container_of(w, struct sg_log_relay, watch);
	char buf[8192];
	(void)events;
	for (size_t total = 0; w->fd >= 0 && total < RELAY_READ_MAX;) {
		ssize_t n = read(w->fd, buf, sizeof buf);
		if (n <= 0)
			return;
		relay_pass(r, buf, (size_t)n);
		total += (size_t)n;
	}
}

int sg_log_relay_open(struct sg_log_relay *r, struct sg_loop *l, const char *name, int *write_fd,
		      struct sg_error *err)
{
	int p[2];
	if (pipe2(p, O_CLOEXEC) < 0)
		return sg_fail_errno(err, "app %s: log pipe", name);
	fcntl(p[0], F_SETFL, O_NONBLOCK);
	r->loop = l;
	r->len = 0;
	r->out_fd = -1;
	snprintf(r->name, sizeof r->name, "%s", name);
	r->watch = (struct sg_watch){ .fd = p[0], .fn = relay_readable };
	/* Level-triggered: what is left past RELAY_READ_MAX comes next time.
	 * The gateway keeps a write end open until sg_log_relay_close, so the
	 * pipe never reads EOF while it is watched. */
	if (sg_loop_add(l, &r->watch, EPOLLIN, err) < 0) {
		close(p[0]);
		close(p[1]);
		r->watch.fd = -1;
		return -1;
	}
	*write_fd = p[1];
	return 0;
}

void sg_log_relay_close(struct sg_log_relay *r)
{
	if (r->watch.fd < 0)
		return;
	char buf[8192];
	ssize_t n;
	while ((n = read(r->watch.fd, buf, sizeof buf)) > 0)
		relay_pass(r, buf, (size_t)n);
	relay_flush_line(r);
	sg_log_relay_set_file(r, -1);
	sg_loop_del(r->loop, &r->watch);
	close(r->watch.fd);
	r->watch.fd = -1;
}

void sg_log_relay_set_file(struct sg_log_relay *r, int fd)
{
	relay_flush_line(r);
	if (r->out_fd >= 0 && r->out_fd != fd)
		close(r->out_fd);
	r->out_fd = fd;
}
