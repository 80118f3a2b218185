/* The rest of the probe: where the cgroup limits would go (the same
 * choice sandbox/cgroup_where.c makes, without its side effects), a
 * seccomp filter actually loaded in a child, the filter flags and actions
 * the kernel knows, the Landlock ABI, openat2. */
#include "sandbox/probe.h"

#include "sandbox/cgroup_parse.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/filter.h>
#include <linux/landlock.h>
#include <linux/openat2.h>
#include <linux/seccomp.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

struct sg_probe_line *sg_probe_add(struct sg_probe *p, const char *name, bool ok, bool required,
				   const char *fmt, ...)
{
	if (p->n == SG_PROBE_MAX)
		return NULL;
	struct sg_probe_line *l = &p->line[p->n++];
	l->name = name;
	l->ok = ok;
	l->required = required;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(l->text, sizeof l->text, fmt, ap);
	va_end(ap);
	return l;
}

static const char *errname(int err)
{
	const char *name = strerrorname_np(err);
	return name != NULL ? name : "?";
}

/* Appends word to a ", "-separated list. */
static void list_add(char *list, size_t size, const char *word)
{
	size_t len = strlen(list);
	snprintf(list + len, size - len, "%s%s", len > 0 ? ", " : "", word);
}

/* ---- cgroups ---- */

/* The whole of a /proc file, malloc'd; NULL when it cannot be read. */
static char *slurp(const char *path)
{
	FILE *f = fopen(path, "re");
	char *text = NULL;
	size_t size = 0;
	if (f == NULL)
		return NULL;
	if (getdelim(&text, &size, '\0', f) < 0) {
		free(text);
		text = NULL;
	}
	fclose(f);
	return text;
}

static void add_v2(struct sg_probe *p, const char *proc, const char *mounts, char *controllers)
{
	char dir[4096], path[4096 + 32];
	if (sg_cgroup_v2_dir(proc, mounts, dir, sizeof dir, NULL) < 0) {
		sg_probe_add(p, "cgroup v2", false, false, "no");
		return;
	}
	snprintf(path, sizeof path, "%s/cgroup.controllers", dir);
	char *text = slurp(path);
	if (text != NULL) {
		text[strcspn(text, "\n")] = '\0';
		snprintf(controllers, 256, "%s", text);
	}
	sg_probe_add(p, "cgroup v2", true, false, "yes (%s, controllers: %s)", dir,
		     text == NULL ? "unreadable" : text[0] ? text : "none");
	free(text);
}

static void add_v1(struct sg_probe *p, const char *proc, const char *mounts)
{
	char dir[4096], found[128] = "";
	for (int c = 0; c < SG_CG_NCTRL; c++) {
		const char *name = sg_cgroup_ctrl_name((enum sg_cgroup_ctrl)c);
		if (sg_cgroup_v1_dir(proc, mounts, name, dir, sizeof dir, NULL) == 0)
			list_add(found, sizeof found, name);
	}
	if (found[0] != '\0')
		sg_probe_add(p, "cgroup v1", true, false, "yes (%s)", found);
	else
		sg_probe_add(p, "cgroup v1", false, false, "no");
}

/* Where each limit would go and whether we could write there. As root the
 * pids limit is a default (512), so it must work; else limits are opt-in
 * and need a delegated cgroup. */
static void add_limits(struct sg_probe *p, const char *proc, const char *mounts,
		       const char *controllers, bool as_root)
{
	char v2_dir[4096], text[256] = "";
	bool have_v2 = sg_cgroup_v2_dir(proc, mounts, v2_dir, sizeof v2_dir, NULL) == 0;
	bool pids_ok = false;
	for (int c = 0; c < SG_CG_NCTRL; c++) {
		struct sg_cgroup_where where;
		char item[96];
		const char *name = sg_cgroup_ctrl_name((enum sg_cgroup_ctrl)c);
		if (sg_cgroup_choose(proc, mounts, have_v2 ? v2_dir : NULL, controllers,
				     (enum sg_cgroup_ctrl)c, &where, NULL) < 0) {
			snprintf(item, sizeof item, "%s none", name);
		} else {
			bool writable = access(where.dir, W_OK) == 0;
			snprintf(item, sizeof item, "%s v%d%s", name, where.v2 ? 2 : 1,
				 writable ? "" : " (not writable)");
			if (c == SG_CG_PIDS)
				pids_ok = writable;
		}
		list_add(text, sizeof text, item);
	}
	sg_probe_add(p, "cell limits", !as_root || pids_ok, as_root, "%s; %s", text,
		     as_root ? "pids is a default as root"
			     : "without root a limit needs a delegated cgroup");
}

void sg_probe_cgroups(struct sg_probe *p, bool as_root)
{
	char *proc = slurp("/proc/self/cgroup");
	char *mounts = proc != NULL ? slurp("/proc/self/mountinfo") : NULL;
	char controllers[256] = "";
	if (mounts == NULL) {
		sg_probe_add(p, "cgroups", false, as_root, "no (cannot read /proc/self/%s: %s)",
			     proc == NULL ? "cgroup" : "mountinfo", errname(errno));
	} else {
		add_v2(p, proc, mounts, controllers);
		add_v1(p, proc, mounts);
		add_limits(p, proc, mounts, controllers, as_root);
	}
	free(proc);
	free(mounts);
}

/* ---- seccomp ---- */

static long seccomp(unsigned op, unsigned flags, void *args)
{
	return syscall(SYS_seccomp, op, flags, args);
}

/* What the cell needs: a filter loaded with TSYNC under no_new_privs
 * (gateway/worker/seccomp_load.c). Tried in a child, which it binds. */
static int load_allow_all(void)
{
	pid_t pid = fork();
	if (pid == 0) {
		struct sock_filter allow = BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
		struct sock_fprog prog = { .len = 1, .filter = &allow };
		if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 ||
		    seccomp(SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_TSYNC, &prog) < 0)
			_exit(errno & 0x7f);
		_exit(0);
	}
	int status;
	if (pid < 0 || waitpid(pid, &status, 0) < 0)
		return errno;
	return WIFEXITED(status) ? WEXITSTATUS(status) : EINTR;
}

void sg_probe_seccomp(struct sg_probe *p)
{
	static const struct { unsigned flag; const char *name; } flags[] = {
		{ SECCOMP_FILTER_FLAG_TSYNC, "tsync" },
		{ SECCOMP_FILTER_FLAG_LOG, "log" },
		{ SECCOMP_FILTER_FLAG_SPEC_ALLOW, "spec_allow" },
		{ SECCOMP_FILTER_FLAG_NEW_LISTENER, "new_listener" },
		{ SECCOMP_FILTER_FLAG_TSYNC_ESRCH, "tsync_esrch" },
		/* 1 << 5, WAIT_KILLABLE_RECV (6.0), only goes with NEW_LISTENER */
		{ SECCOMP_FILTER_FLAG_NEW_LISTENER | 1U << 5, "wait_killable_recv" },
	};
	static const struct { unsigned action; const char *name; } actions[] = {
		{ SECCOMP_RET_KILL_PROCESS, "kill_process" },
		{ SECCOMP_RET_ERRNO, "errno" },
		{ SECCOMP_RET_LOG, "log" },
		{ SECCOMP_RET_USER_NOTIF, "user_notif" },
	};
	char have_flags[160] = "", have_actions[96] = "";
	/* A known flag gets as far as reading the (NULL) program: EFAULT. */
	for (size_t i = 0; i < sizeof flags / sizeof flags[0]; i++)
		if (seccomp(SECCOMP_SET_MODE_FILTER, flags[i].flag, NULL) < 0 && errno == EFAULT)
			list_add(have_flags, sizeof have_flags, flags[i].name);
	bool needed = true; /* kill_process and errno: the cell's filter uses both */
	for (size_t i = 0; i < sizeof actions / sizeof actions[0]; i++) {
		uint32_t action = actions[i].action;
		bool ok = seccomp(SECCOMP_GET_ACTION_AVAIL, 0, &action) == 0;
		if (ok)
			list_add(have_actions, sizeof have_actions, actions[i].name);
		else if (i < 2)
			needed = false;
	}
	int err = load_allow_all();
	if (err != 0)
		sg_probe_add(p, "seccomp", false, true, "no (loading a filter with TSYNC: %s)",
			     errname(err));
	else
		sg_probe_add(p, "seccomp", needed, true, "yes (filter flags: %s; actions: %s)",
			     have_flags, have_actions);
}

/* ---- Landlock, openat2 ---- */

void sg_probe_landlock(struct sg_probe *p)
{
	/* What each ABI version added (Documentation/userspace-api/landlock.rst). */
	static const char *const added[] = {
		"filesystem", "refer", "truncate", "tcp ports", "device ioctl", "scopes",
		"logging",
	};
	long abi = syscall(SYS_landlock_create_ruleset, NULL, 0,
			   LANDLOCK_CREATE_RULESET_VERSION);
	if (abi <= 0) {
		sg_probe_add(p, "landlock", false, false, "no (%s)",
			     errno == EOPNOTSUPP ? "disabled at boot" : errname(errno));
		return;
	}
	char what[160] = "";
	for (long v = 0; v < abi && v < (long)(sizeof added / sizeof added[0]); v++)
		list_add(what, sizeof what, added[v]);
	sg_probe_add(p, "landlock", true, false, "ABI %ld (%s)", abi, what);
}

void sg_probe_openat2(struct sg_probe *p)
{
	struct open_how how = {
		.flags = O_PATH | O_DIRECTORY | O_CLOEXEC,
		.resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS,
	};
	int fd = (int)syscall(SYS_openat2, AT_FDCWD, ".", &how, sizeof how);
	if (fd < 0) {
		sg_probe_add(p, "openat2", false, false, "no (%s)", errname(errno));
		return;
	}
	close(fd);
	sg_probe_add(p, "openat2", true, false, "yes (RESOLVE_BENEATH, RESOLVE_NO_SYMLINKS)");
}
