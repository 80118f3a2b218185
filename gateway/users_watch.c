/* A change to a user's apps file reloads that user's apps alone
 * (sg_users_reload_one), 0.3 s after the last event of a burst, so that
 * users need neither the admin nor a SIGHUP, and nobody else's cells are
 * touched.
 *
 * The watch is on the file's directory (editors replace the file by
 * renaming), resolved from the home in the passwd entry without following
 * any symbolic link (openat2 RESOLVE_NO_SYMLINKS | RESOLVE_BENEATH), and
 * added through /proc/self/fd, so a user cannot point it anywhere else.
 * What the event says is only "read the file again": the file itself is
 * still read as the user (user_file.c). A user whose directory does not
 * exist yet, or a host without inotify, has SIGHUP. */
#include "users_watch.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/inotify.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "config_users.h"
#include "gateway.h"
#include "log.h"
#include "users.h"

#define SETTLE_MS 300
/* A user who rewrites their file in a loop gets a reload every 3 s at
 * most: each one forks a reader and may replace the user's cells. */
#define MIN_INTERVAL_MS 3000
#define WATCH_MASK (IN_CLOSE_WRITE | IN_MOVED_TO | IN_MOVED_FROM | IN_CREATE | IN_DELETE | \
		    IN_ATTRIB | IN_ONLYDIR)

struct user_watch {
	char name[SG_NAME_MAX];
	int wd;
	uint64_t due_ms; /* 0: nothing pending */
	uint64_t last_ms; /* when the last reload ran */
};

static struct {
	struct sg_watch w;
	struct sg_gateway *gw;
	char file[NAME_MAX + 1]; /* the file's last component */
	int n;
	struct user_watch *u;
} watch = { .w = { .fd = -1 } };

static uint64_t next_due(const struct user_watch *u, uint64_t now)
{
	uint64_t due = now + SETTLE_MS;
	if (u->last_ms != 0 && due < u->last_ms + MIN_INTERVAL_MS)
		due = u->last_ms + MIN_INTERVAL_MS;
	return due;
}

static void note(const struct inotify_event *ev, uint64_t now)
{
	for (int i = 0; i < watch.n; i++) {
		if (watch.u[i].wd != ev->wd)
			continue;
		if (ev->mask & IN_IGNORED)
			watch.u[i].wd = -1; /* the directory went: SIGHUP re-arms */
		else if (ev->len > 0 && strcmp(ev->name, watch.file) == 0)
			watch.u[i].due_ms = next_due(&watch.u[i], now);
	}
}

static void readable(struct sg_watch *w, uint32_t events)
{
	char buf[4096] __attribute__((aligned(__alignof__(struct inotify_event))));
	uint64_t now = sg_now_ms();
	(void)events;
	for (int round = 0; round < 16; round++) {
		ssize_t n = read(w->fd, buf, sizeof buf);
		if (n <= 0)
			return;
		for (char *p = buf; p < buf + n;) {
			const struct inotify_event *ev = (const struct inotify_event *)p;
			note(ev, now);
			p += sizeof *ev + ev->len;
		}
	}
}

/* The directory of HOME/rel, without following links; -1 if none. */
static int open_dir(const char *home, const char *rel)
{
	char dir[PATH_MAX];
	snprintf(dir, sizeof dir, "%s", rel);
	char *slash = strrchr(dir, '/');
	int top = open(home, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (top < 0 || slash == NULL)
		return top;
	*slash = '\0';
	struct open_how how = {
		.flags = O_PATH | O_DIRECTORY | O_CLOEXEC,
		.resolve = RESOLVE_NO_SYMLINKS | RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS,
	};
	int fd = (int)syscall(SYS_openat2, top, dir, &how, sizeof how);
	close(top);
	return fd;
}

static void add(const struct sg_users_conf *u, const char *name)
{
	struct user_watch *uw = &watch.u[watch.n++];
	snprintf(uw->name, sizeof uw->name, "%s", name);
	uw->wd = -1;
	struct passwd *pw = getpwnam(name);
	int fd = pw != NULL ? open_dir(pw->pw_dir, u->file) : -1;
	char path[64];
	snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
	if (fd >= 0)
		uw->wd = inotify_add_watch(watch.w.fd, path, WATCH_MASK);
	if (uw->wd < 0)
		sg_debug("%s's apps file: not watched (%s); SIGHUP reads it again", name,
			 fd < 0 ? "no such directory, or a symbolic link on the way" : strerror(errno));
	if (fd >= 0)
		close(fd);
}

static void stop(void)
{
	if (watch.w.fd >= 0) {
		sg_loop_del(&watch.gw->loop, &watch.w);
		close(watch.w.fd);
	}
	watch.w.fd = -1;
	free(watch.u);
	watch.u = NULL;
	watch.n = 0;
}

void sg_users_watch_start(struct sg_gateway *gw)
{
	const struct sg_users_conf *u = gw->cfg.users;
	struct sg_error err;
	stop();
	watch.gw = gw;
	if (u == NULL)
		return;
	const char *base = strrchr(u->file, '/');
	snprintf(watch.file, sizeof watch.file, "%.255s", base != NULL ? base + 1 : u->file);
	watch.w.fn = readable;
	watch.w.fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	if (watch.w.fd < 0 || sg_loop_add(&gw->loop, &watch.w, EPOLLIN, &err) < 0) {
		sg_warn("users' apps files are not watched (%s); SIGHUP reads them again",
			watch.w.fd < 0 ? strerror(errno) : err.msg);
		if (watch.w.fd >= 0)
			close(watch.w.fd);
		watch.w.fd = -1;
		return;
	}
	char (*names)[SG_NAME_MAX];
	int n = sg_users_names(u, &names);
	watch.u = calloc((size_t)n + 1, sizeof *watch.u);
	for (int i = 0; watch.u != NULL && i < n; i++)
		add(u, names[i]);
	free(names);
}

void sg_users_watch_tick(struct sg_gateway *gw, uint64_t now)
{
	for (int i = 0; i < watch.n; i++) {
		if (watch.u[i].due_ms == 0 || now < watch.u[i].due_ms)
			continue;
		watch.u[i].due_ms = 0;
		watch.u[i].last_ms = now;
		sg_users_reload_one(gw, watch.u[i].name);
	}
}
