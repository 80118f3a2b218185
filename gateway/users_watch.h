/* Users' apps files watched with inotify (users_watch.c). */
#ifndef SG_USERS_WATCH_H
#define SG_USERS_WATCH_H

#include <stdint.h>

struct sg_gateway;

/* (Re)arms one watch per allowed user on the directory of their file;
 * call after the configuration is loaded, and after each SIGHUP. */
void sg_users_watch_start(struct sg_gateway *gw);
/* Reloads each user whose file changed (0.3 s after the last event). */
void sg_users_watch_tick(struct sg_gateway *gw, uint64_t now);

#endif
