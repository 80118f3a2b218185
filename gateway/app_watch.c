/* Reload on touch: an app whose module is a file gets a new cell when that
 * file changes (touched, written, or replaced by a rename, as editors and
 * deploy tools do), as SIGHUP would give it, and an app marked failed
 * after a crash loop is tried again. A dotted module is not watched: which
 * file it comes from is only known inside the cell.
 *
 * One inotify descriptor for the gateway, in its loop. The watch is on the
 * file's directory, filtered by name, so a replaced file (a new inode) is
 * still seen, and nothing is opened or read: the gateway never touches the
 * file itself. The directory comes from the configuration (the admin's,
 * in system mode, where the gateway is root); IN_ONLYDIR makes sure it is
 * one. A burst of events (an editor writes, renames and chmods; a deploy
 * copies many files) gives one reload: each event moves the app's reload
 * DEBOUNCE_MS later, and the tick starts it once that time has passed. */
#include "gateway.h"

#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/inotify.h>
#include <unistd.h>

#include "log.h"

#define DEBOUNCE_MS 300
#define WATCH_MASK (IN_ATTRIB | IN_CLOSE_WRITE | IN_MOVED_TO | IN_CREATE | IN_ONLYDIR)
#define EVENTS_PER_WAKEUP 64

/* Apps in one directory share its watch descriptor: counted, so that the
 * watch goes when its last app does. */
struct dir_ref {
	int wd;
	int refs;
};

static struct dir_ref *dirs;
static int n_dirs, cap_dirs;

static struct dir_ref *dir_ref(int wd, bool add)
{
	for (int i = 0; i < n_dirs; i++)
		if (dirs[i].wd == wd)
			return &dirs[i];
	if (!add)
		return NULL;
	if (n_dirs == cap_dirs) {
		int cap = cap_dirs ? 2 * cap_dirs : 16;
		struct dir_ref *d = realloc(dirs, (size_t)cap * sizeof *d);
		if (d == NULL)
			return NULL;
		dirs = d;
		cap_dirs = cap;
	}
	dirs[n_dirs] = (struct dir_ref){ .wd = wd, .refs = 0 };
	return &dirs[n_dirs++];
}

/* The entry file of app, as "dir" and "name"; false for a dotted module. */
static bool entry_file(const struct sg_app *app, char dir[PATH_MAX], char name[NAME_MAX + 1])
{
	struct sg_module_spec spec;
	struct sg_error err;
	char copy[PATH_MAX];
	if (sg_module_spec_parse(app->conf.module, &spec, &err) < 0 || !spec.is_file)
		return false;
	snprintf(copy, sizeof copy, "%s", spec.target);
	snprintf(dir, PATH_MAX, "%s", dirname(copy));
	snprintf(copy, sizeof copy, "%s", spec.target);
	snprintf(name, NAME_MAX + 1, "%s", basename(copy));
	return true;
}

/* Whether ev names app's entry file. */
static bool names_entry(const struct sg_app *app, const struct inotify_event *ev)
{
	char dir[PATH_MAX], name[NAME_MAX + 1];
	return app->watch_wd == ev->wd && ev->len > 0 && entry_file(app, dir, name) &&
	       strcmp(ev->name, name) == 0;
}

static void note_event(struct sg_gateway *gw, const struct inotify_event *ev, uint64_t now)
{
	if (ev->mask & IN_Q_OVERFLOW) {
		sg_warn("inotify: events were lost (queue overflow); a changed app file may "
			"need SIGHUP");
		return;
	}
	for (int i = 0; i < gw->n_apps; i++) {
		struct sg_app *app = gw->apps[i];
		if (!app->removed && names_entry(app, ev))
			app->touched_due_ms = now + DEBOUNCE_MS;
	}
}

static void inotify_readable(struct sg_watch *w, uint32_t events)
{
	struct sg_gateway *gw = sg_container_of(w, struct sg_gateway, inotify);
	char buf[4096] __attribute__((aligned(__alignof__(struct inotify_event))));
	uint64_t now = sg_now_ms();
	(void)events;
	for (int round = 0; round < EVENTS_PER_WAKEUP; round++) {
		ssize_t n = read(w->fd, buf, sizeof buf);
		if (n <= 0)
			return; /* EAGAIN: all read */
		for (char *p = buf; p < buf + n;) {
			const struct inotify_event *ev = (const struct inotify_event *)p;
			note_event(gw, ev, now);
			p += sizeof *ev + ev->len;
		}
	}
}

/* The gateway's inotify descriptor, made at the first app with a file. */
static int inotify_fd(struct sg_gateway *gw)
{
	if (gw->inotify_open)
		return gw->inotify.fd;
	gw->inotify_open = true;
	gw->inotify.fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	gw->inotify.fn = inotify_readable;
	struct sg_error err;
	if (gw->inotify.fd < 0) {
		sg_warn("inotify_init1: %s; touching an app's file will not reload it (SIGHUP "
			"does)", strerror(errno));
	} else if (sg_loop_add(&gw->loop, &gw->inotify, EPOLLIN, &err) < 0) {
		sg_warn("%s; touching an app's file will not reload it (SIGHUP does)", err.msg);
		close(gw->inotify.fd);
		gw->inotify.fd = -1;
	}
	return gw->inotify.fd;
}

void sg_app_watch(struct sg_app *app)
{
	char dir[PATH_MAX], name[NAME_MAX + 1];
	int fd;
	if (app->watch_wd > 0 || !entry_file(app, dir, name) || (fd = inotify_fd(app->gw)) < 0)
		return;
	int wd = inotify_add_watch(fd, dir, WATCH_MASK);
	struct dir_ref *ref = wd >= 0 ? dir_ref(wd, true) : NULL;
	if (ref == NULL) {
		sg_warn("app %s: cannot watch %s for changes to %s (%s); reload it with SIGHUP",
			app->conf.name, dir, name, wd < 0 ? strerror(errno) : "out of memory");
		return;
	}
	ref->refs++;
	app->watch_wd = wd;
	sg_debug("app %s: watching %s/%s; touching it reloads the app", app->conf.name, dir, name);
}

void sg_app_unwatch(struct sg_app *app)
{
	struct dir_ref *ref = app->watch_wd > 0 ? dir_ref(app->watch_wd, false) : NULL;
	if (ref != NULL && --ref->refs == 0) {
		inotify_rm_watch(app->gw->inotify.fd, ref->wd);
		*ref = dirs[--n_dirs];
	}
	app->watch_wd = 0;
}

/* A new cell, as SIGHUP gives: the serving one drains once it is ready.
 * An app stopped with `sandgate stop` stays stopped: that was asked for. */
static void reload_touched(struct sg_app *app)
{
	struct sg_error err;
	if (app->stopped) {
		sg_info("app %s: its file changed; it is stopped, so no new cell "
			"(`sandgate reload %s` starts one)", app->conf.name, app->conf.name);
		return;
	}
	sg_info("app %s: its file changed; starting a new cell", app->conf.name);
	if (sg_app_restart(app, &err) < 0)
		sg_app_error(app, "cannot start its new cell: %s", err.msg);
}

void sg_app_watch_tick(struct sg_app *app, uint64_t now)
{
	if (app->touched_due_ms == 0 || now < app->touched_due_ms)
		return;
	/* The previous reload first; then this one (see gateway.h). */
	if (sg_app_reload_under_way(app)) {
		app->touched_due_ms = now + DEBOUNCE_MS;
		return;
	}
	app->touched_due_ms = 0;
	if (!app->removed && !app->gw->stopping)
		reload_touched(app);
}
