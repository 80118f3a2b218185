/* The gateway's one epoll loop. A watch is a descriptor plus the function
 * to call when it is ready; the struct is embedded in its owner, which the
 * callback recovers with container_of. */
#ifndef SG_LOOP_H
#define SG_LOOP_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"

#define sg_container_of(ptr, type, member) ((type *)((char *)(ptr) - offsetof(type, member)))

struct sg_watch;
typedef void (*sg_watch_fn)(struct sg_watch *w, uint32_t events);

struct sg_watch {
	int fd;
	sg_watch_fn fn;
};

struct sg_loop {
	int epfd;
	int running;
	/* Objects closed while a batch of events is being handled are freed
	 * only after the batch: a later event of the same batch may still
	 * point at them (its watch then has fd -1 and must return at once). */
	void **graveyard;
	size_t n_graveyard, cap_graveyard;
};

int sg_loop_init(struct sg_loop *l, struct sg_error *err);
int sg_loop_add(struct sg_loop *l, struct sg_watch *w, uint32_t events, struct sg_error *err);
void sg_loop_del(struct sg_loop *l, struct sg_watch *w);
/* free(p) once the current batch of events has been handled. */
void sg_loop_defer_free(struct sg_loop *l, void *p);
/* Runs until l->running is cleared; timeout_ms bounds each wait so that
 * tick() runs at least that often. */
int sg_loop_run(struct sg_loop *l, int timeout_ms, void (*tick)(void *), void *arg,
		struct sg_error *err);

/* Receives the next message of a non-blocking SOCK_SEQPACKET watch.
 * Returns its size, or 0 when there is nothing more now; on EOF or an
 * error the watch is removed and its descriptor closed (fd = -1), and 0
 * is returned too. */
size_t sg_watch_recv_msg(struct sg_loop *l, struct sg_watch *w, void *buf, size_t cap);

/* CLOCK_MONOTONIC in milliseconds: the clock of the scoreboard too. */
uint64_t sg_now_ms(void);

#endif
