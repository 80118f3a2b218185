/* suEXEC's checks (httpd support/suexec.c; shared/research/protocols.md
 * E4), each refusal with suEXEC's exit code, made through descriptors:
 * the script's path is never walked again as a string. From the CGI root
 * down, each component is opened from its parent's descriptor with
 * openat2(RESOLVE_NO_SYMLINKS | RESOLVE_BENEATH), so a symbolic link
 * anywhere below the root (a script linked into another user's home, a
 * directory swapped for a link) is refused rather than followed, and what
 * is checked is what the worker will open (it compares st_dev/st_ino).
 *
 * Differences from suEXEC, all stricter: every directory from the root
 * down is checked (suEXEC checks the script's own), a symbolic link is
 * refused even when it stays inside the root, no mount point below the
 * home is crossed, and the extension must be one the admin allows. */
#include "cgi_check.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "cgi_launch_proto.h"

static int refuse(struct sg_cgi_refusal *r, int code, int status, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static int refuse(struct sg_cgi_refusal *r, int code, int status, const char *fmt, ...)
{
	va_list ap;
	r->exit_code = code;
	r->http_status = status;
	va_start(ap, fmt);
	vsnprintf(r->reason, sizeof r->reason, fmt, ap);
	va_end(ap);
	return -1;
}

static int open_beneath(int dirfd, const char *path, uint64_t resolve)
{
	/* Not O_NOFOLLOW: with it, O_PATH would open a trailing link itself
	 * rather than fail with ELOOP. */
	struct open_how how = { .flags = O_PATH | O_CLOEXEC,
				.resolve = resolve | RESOLVE_NO_SYMLINKS |
					   RESOLVE_NO_MAGICLINKS };
	return (int)syscall(SYS_openat2, dirfd, path, &how, sizeof how);
}

/* "/a/b/../c", "/a/./b", "a/b", "/a//b": refused before anything is opened. */
static bool clean_absolute(const char *p)
{
	if (p[0] != '/' || strstr(p, "//") != NULL)
		return false;
	for (const char *seg = p + 1; *seg != '\0';) {
		size_t n = strcspn(seg, "/");
		if ((n == 1 && seg[0] == '.') || (n == 2 && seg[0] == '.' && seg[1] == '.'))
			return false;
		seg += n + (seg[n] == '/');
	}
	return true;
}

static bool beneath(const char *path, const char *dir)
{
	size_t n = strlen(dir);
	return strncmp(path, dir, n) == 0 && path[n] == '/';
}

/* The deepest root above path. */
static const char *find_root(const struct sg_cgi_target *t, const char *path)
{
	const char *best = NULL;
	for (int i = 0; i < t->n_roots; i++)
		if (beneath(path, t->roots[i]) && (best == NULL || strlen(t->roots[i]) > strlen(best)))
			best = t->roots[i];
	return best;
}

/* Below the home the tree is the user's: no mount point is crossed there
 * (RESOLVE_NO_XDEV), because a FUSE mount the user placed in it, or a hung
 * network filesystem, would stall the gateway's loop in the walk. */
#define USER_TREE (RESOLVE_NO_XDEV)

/* The root: from the home (the admin's word, followed as given) when it
 * lies beneath it, else from "/"; no symbolic link from there on. */
static int open_root(const struct sg_cgi_target *t, const char *root, struct sg_cgi_refusal *r)
{
	int base = AT_FDCWD, fd;
	const char *rel = root;
	if (t->home != NULL && beneath(root, t->home)) {
		base = open(t->home, O_PATH | O_DIRECTORY | O_CLOEXEC);
		if (base < 0)
			return refuse(r, SG_CGI_EXIT_NO_DIR, 403, "cannot open the home %s: %s",
				      t->home, strerror(errno));
		rel = root + strlen(t->home) + 1;
	}
	fd = open_beneath(base, rel, base != AT_FDCWD ? USER_TREE : 0);
	int saved = errno;
	if (base != AT_FDCWD)
		close(base);
	if (fd >= 0)
		return fd;
	if (saved == ELOOP)
		return refuse(r, SG_CGI_EXIT_OUTSIDE, 403, "the CGI root %s is or holds a "
			      "symbolic link", root);
	if (saved == EXDEV)
		return refuse(r, SG_CGI_EXIT_OUTSIDE, 403, "the CGI root %s is across a mount "
			      "point from the home", root);
	if (saved == ENOENT)
		return refuse(r, SG_CGI_EXIT_NO_FILE, 404, "no CGI root %s", root);
	return refuse(r, SG_CGI_EXIT_NO_DIR, 403, "cannot open the CGI root %s: %s", root,
		      strerror(saved));
}

static int check_dir(const struct sg_cgi_target *t, const struct stat *st, const char *dir,
		     struct sg_cgi_refusal *r)
{
	if (st->st_mode & (S_IWGRP | S_IWOTH))
		return refuse(r, SG_CGI_EXIT_DIR_WRITABLE, 403, "directory %s writable by %s", dir,
			      st->st_mode & S_IWOTH ? "others" : "group");
	/* Group too, as suEXEC's 120 ("target uid/gid mismatch with directory"). */
	if (st->st_uid != t->uid || st->st_gid != t->gid)
		return refuse(r, SG_CGI_EXIT_OWNER, 403, "directory %s is owned by %u:%u, not by "
			      "the target %u:%u", dir, (unsigned)st->st_uid, (unsigned)st->st_gid,
			      (unsigned)t->uid, (unsigned)t->gid);
	return 0;
}

static int check_file(const struct sg_cgi_target *t, const struct stat *st, const char *path,
		      struct sg_cgi_refusal *r)
{
	if (st->st_mode & (S_IWGRP | S_IWOTH))
		return refuse(r, SG_CGI_EXIT_FILE_WRITABLE, 403, "file writable by %s",
			      st->st_mode & S_IWOTH ? "others" : "group");
	if (st->st_mode & (S_ISUID | S_ISGID))
		return refuse(r, SG_CGI_EXIT_SETID, 403, "file is set%sid",
			      st->st_mode & S_ISUID ? "u" : "g");
	if (st->st_uid != t->uid || st->st_gid != t->gid)
		return refuse(r, SG_CGI_EXIT_OWNER, 403, "file is owned by %u:%u, not by the "
			      "target %u:%u", (unsigned)st->st_uid, (unsigned)st->st_gid,
			      (unsigned)t->uid, (unsigned)t->gid);
	/* suEXEC's 121. A Python script runs in the worker's interpreter, where
	 * no exec(2) would check the bit: a 0644 module is not a program. */
	if (!(st->st_mode & S_IXUSR))
		return refuse(r, SG_CGI_EXIT_NOT_EXEC, 403, "file has no execute permission");
	const char *name = strrchr(path, '/') + 1;
	if (!sg_cgi_extension_allowed(t, name))
		return refuse(r, SG_CGI_EXIT_EXTENSION, 403, "extension of %s not allowed", name);
	return 0;
}

bool sg_cgi_extension_allowed(const struct sg_cgi_target *t, const char *name)
{
	const char *dot = strrchr(name, '.');
	const char *ext = dot != NULL && dot != name ? dot : "";
	for (int i = 0; i < t->n_extensions; i++)
		if (strcmp(t->extensions[i], ext) == 0)
			return true;
	return false;
}

/* One component below dirfd; -1 with r. */
static int step(int dirfd, const char *name, const char *so_far, struct sg_cgi_refusal *r)
{
	int fd = open_beneath(dirfd, name, RESOLVE_BENEATH | USER_TREE);
	if (fd >= 0)
		return fd;
	if (errno == ELOOP)
		return refuse(r, SG_CGI_EXIT_OUTSIDE, 403, "%s is a symbolic link", so_far);
	if (errno == EXDEV) /* ".." never gets here (clean_absolute) */
		return refuse(r, SG_CGI_EXIT_OUTSIDE, 403, "%s is a mount point", so_far);
	if (errno == ENOENT || errno == ENOTDIR)
		return refuse(r, SG_CGI_EXIT_NO_FILE, 404, "no such file");
	return refuse(r, SG_CGI_EXIT_NO_DIR, 403, "cannot open %s: %s", so_far, strerror(errno));
}

/* From the root's descriptor down path's components (after root). */
static int walk(const struct sg_cgi_target *t, int fd, const char *path, size_t root_len,
		bool exact, struct sg_cgi_found *f, struct sg_cgi_refusal *r)
{
	struct stat st;
	size_t at = root_len; /* path[at] == '/' */
	char name[NAME_MAX + 1];
	if (fstat(fd, &st) < 0 || !S_ISDIR(st.st_mode))
		return refuse(r, SG_CGI_EXIT_NO_DIR, 403, "the CGI root is not a directory");
	f->root_dev = st.st_dev;
	f->root_ino = st.st_ino;
	snprintf(f->script, sizeof f->script, "%.*s", (int)root_len, path);
	if (check_dir(t, &st, f->script, r) < 0)
		return -1;
	while (path[at] == '/' && path[at + 1] != '\0') {
		size_t n = strcspn(path + at + 1, "/");
		if (n > NAME_MAX)
			return refuse(r, SG_CGI_EXIT_NO_FILE, 404, "no such file (name too long)");
		memcpy(name, path + at + 1, n);
		name[n] = '\0';
		at += 1 + n;
		snprintf(f->script, sizeof f->script, "%.*s", (int)at, path);
		int next = step(fd, name, f->script, r);
		close(fd);
		if (next < 0)
			return -1;
		fd = next;
		if (fstat(fd, &st) < 0) {
			close(fd);
			return refuse(r, SG_CGI_EXIT_NO_FILE, 404, "cannot stat: %s", strerror(errno));
		}
		if (S_ISREG(st.st_mode))
			break;
		int rc = S_ISDIR(st.st_mode) ? check_dir(t, &st, f->script, r)
					     : refuse(r, SG_CGI_EXIT_NO_FILE, 404, "not a regular file");
		if (rc < 0) {
			close(fd);
			return -1;
		}
	}
	close(fd);
	if (!S_ISREG(st.st_mode))
		return refuse(r, SG_CGI_EXIT_NO_FILE, 404, "not a regular file");
	if (exact && path[at] != '\0')
		return refuse(r, SG_CGI_EXIT_NO_FILE, 404, "not a directory: %s", f->script);
	f->rest = path + at;
	f->dev = st.st_dev;
	f->ino = st.st_ino;
	return check_file(t, &st, f->script, r);
}

int sg_cgi_check(const struct sg_cgi_target *t, const char *path, bool exact,
		 struct sg_cgi_found *f, struct sg_cgi_refusal *r)
{
	memset(f, 0, sizeof *f);
	if (strlen(path) >= PATH_MAX || !clean_absolute(path))
		return refuse(r, SG_CGI_EXIT_BAD_PATH, 404, "not an absolute path without \".\", "
			      "\"..\" or \"//\"");
	const char *root = find_root(t, path);
	if (root == NULL)
		return refuse(r, SG_CGI_EXIT_OUTSIDE, 403, "not beneath a CGI root of uid %u",
			      (unsigned)t->uid);
	int fd = open_root(t, root, r);
	if (fd < 0)
		return -1;
	f->root = root;
	return walk(t, fd, path, strlen(root), exact, f, r);
}
