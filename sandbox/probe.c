/* The namespace half of the probe: a child process does what a cell's
 * first process does (a user namespace with the caller's own ids mapped,
 * then mount, ipc, uts, net, cgroup and pid namespaces, lo up, nested user
 * namespaces denied, a tmpfs made read-only, a fresh /proc, pivot_root) and
 * writes each call's errno into a shared page. Everything happens in the
 * child's own namespaces, so the host sees nothing of it. */
#include "sandbox/probe.h"

#include "sandbox/netns.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/mount.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#define NOT_TRIED (-1)
#define NOBODY 65534

/* Each field: 0 when the call worked, else its errno; NOT_TRIED. */
struct ns_results {
	int user, idmap, mnt, ipc, uts, net, cgroup, pid;
	int lo, deny_nested, nested; /* nested: 0 when a nested userns was made */
	int tmpfs, setattr, proc, pivot;
	int newapi; /* fsopen/fsmount and open_tree/move_mount, as fs_mount.c uses them */
};

static int try(int rc)
{
	return rc < 0 ? errno : 0;
}

/* In a child: fn(r) with its own copy of the process, then exit. */
static void in_child(void (*fn)(struct ns_results *), struct ns_results *r)
{
	pid_t pid = fork();
	if (pid == 0) {
		fn(r);
		_exit(0);
	}
	if (pid > 0)
		waitpid(pid, NULL, 0);
}

static int write_text(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return errno;
	ssize_t n = write(fd, text, strlen(text));
	int err = n == (ssize_t)strlen(text) ? 0 : n < 0 ? errno : EIO;
	close(fd);
	return err;
}

/* The cell's mapping: the ids we have outside, the same inside. */
static int map_own_ids(uid_t uid, gid_t gid)
{
	char map[64];
	int err = write_text("/proc/self/setgroups", "deny");
	snprintf(map, sizeof map, "%u %u 1\n", (unsigned)uid, (unsigned)uid);
	if (err == 0)
		err = write_text("/proc/self/uid_map", map);
	snprintf(map, sizeof map, "%u %u 1\n", (unsigned)gid, (unsigned)gid);
	return err != 0 ? err : write_text("/proc/self/gid_map", map);
}

static void try_nested_userns(struct ns_results *r)
{
	r->nested = try(unshare(CLONE_NEWUSER));
}

static void try_proc(struct ns_results *r)
{
	r->proc = try(mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL));
}

/* The descriptor-based mount calls sandbox/fs_mount.c builds a cell's
 * root with: a tmpfs made by fsopen/fsmount, and a recursive clone of
 * /usr attached inside it by open_tree/move_mount. */
static int try_mount_api(void)
{
	int fs = fsopen("tmpfs", FSOPEN_CLOEXEC);
	if (fs < 0)
		return errno;
	int mnt = -1, err = 0;
	if (fsconfig(fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0 ||
	    (mnt = fsmount(fs, FSMOUNT_CLOEXEC, 0)) < 0)
		err = errno;
	close(fs);
	if (err != 0)
		return err;
	int tree = open_tree(AT_FDCWD, "/usr", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_RECURSIVE);
	if (tree < 0 || mkdirat(mnt, "usr", 0755) < 0 ||
	    move_mount(tree, "", mnt, "usr", MOVE_MOUNT_F_EMPTY_PATH) < 0)
		err = errno;
	if (tree >= 0)
		close(tree);
	close(mnt);
	return err;
}

/* A tmpfs on /tmp (in our own mount namespace), read-only through
 * mount_setattr, the descriptor-based mount calls, a fresh /proc in the
 * pid namespace, then pivot_root into the tmpfs, as sandbox/fs_root.c
 * builds a cell's root. */
static void try_mounts(struct ns_results *r)
{
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0) {
		r->tmpfs = errno;
		return;
	}
	r->tmpfs = try(mount("tmpfs", "/tmp", "tmpfs", MS_NOSUID | MS_NODEV, "size=64k"));
	if (r->tmpfs == 0) {
		struct mount_attr attr = { .attr_set = MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID |
							MOUNT_ATTR_NODEV };
		r->setattr = try(mount_setattr(AT_FDCWD, "/tmp", 0, &attr, sizeof attr));
	}
	r->newapi = try_mount_api();
	if (r->pid == 0)
		in_child(try_proc, r); /* pid 1 of the new pid namespace */
	if (r->tmpfs == 0 && chdir("/tmp") == 0) {
		r->pivot = try((int)syscall(SYS_pivot_root, ".", "."));
		if (r->pivot == 0)
			umount2(".", MNT_DETACH);
	}
}

static void try_namespaces(struct ns_results *r)
{
	uid_t uid = geteuid();
	gid_t gid = getegid();
	if ((r->user = try(unshare(CLONE_NEWUSER))) != 0)
		return;
	r->idmap = map_own_ids(uid, gid);
	r->mnt = try(unshare(CLONE_NEWNS));
	r->ipc = try(unshare(CLONE_NEWIPC));
	r->uts = try(unshare(CLONE_NEWUTS));
	r->cgroup = try(unshare(CLONE_NEWCGROUP));
	if ((r->net = try(unshare(CLONE_NEWNET))) == 0)
		r->lo = sg_netns_loopback_up() == NULL ? 0 : errno;
	if ((r->deny_nested = sg_netns_deny_nested_userns() == NULL ? 0 : errno) == 0)
		in_child(try_nested_userns, r);
	/* Last: after it, only the first fork (try_proc) gets a live pid
	 * namespace. */
	r->pid = try(unshare(CLONE_NEWPID));
	if (r->mnt == 0)
		try_mounts(r);
}

/* As root: can a user without privileges make a user namespace (what
 * user mode needs)? Tried as nobody. */
static void try_unprivileged(struct ns_results *r)
{
	if (setgroups(0, NULL) < 0 || setresgid(NOBODY, NOBODY, NOBODY) < 0 ||
	    setresuid(NOBODY, NOBODY, NOBODY) < 0) {
		r->user = errno;
		return;
	}
	r->user = try(unshare(CLONE_NEWUSER));
}

static const char *errname(int err)
{
	return err == NOT_TRIED ? "not tried" : strerrorname_np(err) ? strerrorname_np(err) : "?";
}

static const char *yes_no(int err)
{
	return err == 0 ? "yes" : "no";
}

static void add_userns(struct sg_probe *p, const struct ns_results *r,
		       const struct ns_results *unpriv, bool as_root)
{
	char also[48];
	int err = as_root ? unpriv->user : r->user != 0 ? r->user : r->idmap;
	snprintf(also, sizeof also, "unprivileged: %s%s%s", yes_no(err), err ? " " : "",
		 err ? errname(err) : "");
	if (r->user != 0)
		sg_probe_add(p, "user namespaces", false, true, "no (unshare(CLONE_NEWUSER) %s; %s)",
			     errname(r->user), also);
	else if (r->idmap != 0)
		sg_probe_add(p, "user namespaces", false, true, "no (writing the id maps: %s; %s)",
			     errname(r->idmap), also);
	else
		sg_probe_add(p, "user namespaces", true, true, "yes (%s)", also);
}

static void add_ns(struct sg_probe *p, const char *name, int err, const char *flag,
		   const char *extra)
{
	if (err == 0)
		sg_probe_add(p, name, true, true, "yes%s", extra);
	else
		sg_probe_add(p, name, false, true, "no (unshare(%s) %s)", flag, errname(err));
}

static void add_namespaces(struct sg_probe *p, const struct ns_results *r)
{
	char lo[64];
	snprintf(lo, sizeof lo, " (lo up for \"loopback\": %s)", r->lo ? errname(r->lo) : "yes");
	add_ns(p, "mount namespace", r->mnt, "CLONE_NEWNS", "");
	add_ns(p, "pid namespace", r->pid, "CLONE_NEWPID", "");
	add_ns(p, "ipc namespace", r->ipc, "CLONE_NEWIPC", "");
	add_ns(p, "uts namespace", r->uts, "CLONE_NEWUTS", "");
	add_ns(p, "net namespace", r->net, "CLONE_NEWNET", lo);
	add_ns(p, "cgroup namespace", r->cgroup, "CLONE_NEWCGROUP", "");
}

static void add_step(struct sg_probe *p, const char *name, int err, bool required)
{
	if (err == 0)
		sg_probe_add(p, name, true, required, "yes");
	else
		sg_probe_add(p, name, false, required, "no (%s)", errname(err));
}

/* The steps of a cell's root beyond the namespaces themselves. */
static void add_cell_steps(struct sg_probe *p, const struct ns_results *r)
{
	if (r->deny_nested != 0)
		sg_probe_add(p, "nested user namespaces", false, true,
			     "not deniable (user.max_user_namespaces = 0: %s)",
			     errname(r->deny_nested));
	else
		sg_probe_add(p, "nested user namespaces", r->nested != 0, true,
			     "%s (user.max_user_namespaces = 0 in a cell; unshare %s)",
			     r->nested != 0 ? "denied" : "NOT denied",
			     r->nested != 0 ? errname(r->nested) : "worked");
	add_step(p, "tmpfs", r->tmpfs, true);
	add_step(p, "fresh /proc", r->proc, true);
	add_step(p, "pivot_root", r->pivot, true);
	add_step(p, "mount_setattr", r->setattr, true);
	add_step(p, "fsopen, open_tree, move_mount", r->newapi, true);
}

void sg_probe_run(struct sg_probe *p, bool as_root)
{
	struct ns_results *r = mmap(NULL, 2 * sizeof *r, PROT_READ | PROT_WRITE,
				    MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	p->n = 0;
	if (r == MAP_FAILED) {
		sg_probe_add(p, "namespaces", false, true, "not tried (mmap %s)", errname(errno));
	} else {
		memset(r, 0xff, 2 * sizeof *r); /* every field NOT_TRIED */
		fflush(NULL);
		in_child(try_namespaces, &r[0]);
		if (as_root)
			in_child(try_unprivileged, &r[1]);
		add_userns(p, &r[0], &r[1], as_root);
		add_namespaces(p, &r[0]);
		add_cell_steps(p, &r[0]);
		munmap(r, 2 * sizeof *r);
	}
	sg_probe_cgroups(p, as_root);
	sg_probe_seccomp(p);
	sg_probe_landlock(p);
	sg_probe_openat2(p);
}
