#include "loop.h"

#include <errno.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

int sg_loop_init(struct sg_loop *l, struct sg_error *err)
{
	l->epfd = epoll_create1(EPOLL_CLOEXEC);
	l->running = 1;
	return l->epfd < 0 ? sg_fail_errno(err, "epoll_create1") : 0;
}

int sg_loop_add(struct sg_loop *l, struct sg_watch *w, uint32_t events, struct sg_error *err)
{
	struct epoll_event ev = { .events = events, .data.ptr = w };
	if (epoll_ctl(l->epfd, EPOLL_CTL_ADD, w->fd, &ev) < 0)
		return sg_fail_errno(err, "epoll_ctl add fd %d", w->fd);
	return 0;
}

void sg_loop_del(struct sg_loop *l, struct sg_watch *w)
{
	if (w->fd >= 0)
		epoll_ctl(l->epfd, EPOLL_CTL_DEL, w->fd, NULL);
}

void sg_loop_defer_free(struct sg_loop *l, void *p)
{
	if (p == NULL)
		return;
	if (l->n_graveyard == l->cap_graveyard) {
		size_t cap = l->cap_graveyard ? 2 * l->cap_graveyard : 64;
		void **g = realloc(l->graveyard, cap * sizeof *g);
		if (g == NULL)
			return; /* leaked rather than freed under a pending event */
		l->graveyard = g;
		l->cap_graveyard = cap;
	}
	l->graveyard[l->n_graveyard++] = p;
}

static void bury(struct sg_loop *l)
{
	for (size_t i = 0; i < l->n_graveyard; i++)
		free(l->graveyard[i]);
	l->n_graveyard = 0;
}

int sg_loop_run(struct sg_loop *l, int timeout_ms, void (*tick)(void *), void *arg,
		struct sg_error *err)
{
	struct epoll_event evs[64];
	uint64_t last_tick = sg_now_ms();
	while (l->running) {
		int n = epoll_wait(l->epfd, evs, 64, timeout_ms);
		if (n < 0 && errno != EINTR)
			return sg_fail_errno(err, "epoll_wait");
		for (int i = 0; i < n; i++) {
			struct sg_watch *w = evs[i].data.ptr;
			w->fn(w, evs[i].events);
		}
		bury(l);
		uint64_t now = sg_now_ms();
		if (now - last_tick >= (uint64_t)timeout_ms) {
			last_tick = now;
			tick(arg);
			bury(l);
		}
	}
	free(l->graveyard);
	l->graveyard = NULL;
	l->n_graveyard = l->cap_graveyard = 0;
	return 0;
}

size_t sg_watch_recv_msg(struct sg_loop *l, struct sg_watch *w, void *buf, size_t cap)
{
	for (;;) {
		if (w->fd < 0)
			return 0;
		ssize_t n = recv(w->fd, buf, cap, MSG_DONTWAIT);
		if (n > 0)
			return (size_t)n;
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			return 0;
		sg_loop_del(l, w);
		close(w->fd);
		w->fd = -1;
		return 0;
	}
}

uint64_t sg_now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}
